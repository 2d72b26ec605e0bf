/**
 * The positions table: account, symbol, side, size, state, time in state, protected? (the
 * machine's `protectionOf`), unprotected notional; filtered and sorted on the page.
 */
import { age, h, num } from '../dom.js';
import { changed, state } from '../store.js';
import type { Position } from '../types.js';
import { isFinal, isStuck, isUnprotected, money, positionLink, protectionBadge, unprotectedNotional } from './kit.js';

type SortKey = 'account' | 'symbol' | 'side' | 'size' | 'state' | 'since' | 'protection' | 'notional';

const ui = { text: '', sort: 'since' as SortKey, desc: false, showFinal: false };

const COLUMNS: readonly [SortKey, string][] = [
  ['account', 'account'],
  ['symbol', 'symbol'],
  ['side', 'side'],
  ['size', 'size'],
  ['state', 'state'],
  ['since', 'in state'],
  ['protection', 'protected?'],
  ['notional', 'unprotected notional'],
];

function sortValue(p: Position, key: SortKey, now: number): string | number {
  switch (key) {
    case 'size':
      return p.size;
    case 'since':
      return now - p.since;
    case 'protection':
      return `${isUnprotected(p) ? 0 : 1}${p.protection.kind}`;
    case 'notional':
      return unprotectedNotional(p);
    default:
      return String(p[key]);
  }
}

export function positionsView(query: URLSearchParams, now: number): Node {
  const only = {
    state: query.get('state') ?? '',
    account: query.get('account') ?? '',
    unprotected: query.get('unprotected') === '1',
    stuck: query.get('stuck') === '1',
  };
  const setQuery = (k: string, v: string) => {
    const q = new URLSearchParams(query);
    if (v === '') q.delete(k);
    else q.set(k, v);
    location.hash = `#/positions${q.toString() === '' ? '' : `?${q}`}`;
  };
  const text = ui.text.trim().toLowerCase();
  const rows = [...state.positions.values()].filter(
    (p) =>
      (only.state === '' || p.state === only.state) &&
      (only.account === '' || p.account === only.account) &&
      (!only.unprotected || (isUnprotected(p) && !isFinal(p))) &&
      (!only.stuck || isStuck(p, now)) &&
      (ui.showFinal || only.state !== '' || !isFinal(p)) &&
      (text === '' || `${p.id} ${p.symbol} ${p.account}`.toLowerCase().includes(text)),
  );
  rows.sort((a, b) => {
    const x = sortValue(a, ui.sort, now);
    const y = sortValue(b, ui.sort, now);
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return ui.desc ? -c : c;
  });
  const states = state.dash?.states.map((s) => s.id) ?? [];
  const accounts = [...state.accounts.keys()];
  const select = (name: string, value: string, options: readonly string[], label: string) =>
    h(
      'label',
      {},
      label,
      h(
        'select',
        {
          'data-filter': name,
          'data-focus': `filter-${name}`,
          onchange: (e: Event) => setQuery(name, (e.target as HTMLSelectElement).value),
        },
        h('option', { value: '' }, 'all'),
        options.map((o) => h('option', { value: o, selected: o === value }, o)),
      ),
    );
  return h(
    'section',
    { class: 'positions' },
    h(
      'div',
      { class: 'filters' },
      h(
        'label',
        {},
        'search ',
        h('input', {
          type: 'search',
          value: ui.text,
          placeholder: 'id, symbol, account',
          'data-filter': 'text',
          'data-focus': 'filter-text',
          oninput: (e: Event) => {
            ui.text = (e.target as HTMLInputElement).value;
            changed();
          },
        }),
      ),
      select('state', only.state, states, 'state '),
      select('account', only.account, accounts, 'account '),
      h(
        'label',
        {},
        h('input', {
          type: 'checkbox',
          checked: only.unprotected,
          'data-filter': 'unprotected',
          onchange: (e: Event) => setQuery('unprotected', (e.target as HTMLInputElement).checked ? '1' : ''),
        }),
        ' unprotected only',
      ),
      h(
        'label',
        {},
        h('input', {
          type: 'checkbox',
          checked: only.stuck,
          'data-filter': 'stuck',
          onchange: (e: Event) => setQuery('stuck', (e.target as HTMLInputElement).checked ? '1' : ''),
        }),
        ' stuck only',
      ),
      h(
        'label',
        {},
        h('input', {
          type: 'checkbox',
          checked: ui.showFinal,
          'data-filter': 'final',
          onchange: (e: Event) => {
            ui.showFinal = (e.target as HTMLInputElement).checked;
            changed();
          },
        }),
        ' show closed and failed',
      ),
    ),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'grid', 'data-table': 'positions' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, 'id'),
            COLUMNS.map(([key, label]) =>
              h(
                'th',
                {
                  class: `sortable${ui.sort === key ? (ui.desc ? ' desc' : ' asc') : ''}`,
                  'data-sort': key,
                  tabindex: 0,
                  onclick: () => {
                    ui.desc = ui.sort === key ? !ui.desc : false;
                    ui.sort = key;
                    changed();
                  },
                },
                label,
              ),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          rows.length === 0
            ? h('tr', {}, h('td', { colspan: COLUMNS.length + 1, class: 'empty' }, 'no positions match'))
            : rows.map((p) =>
                h(
                  'tr',
                  {
                    'data-position': p.id,
                    'data-state': p.state,
                    class: `${isStuck(p, now) ? 'stuck' : ''} ${isFinal(p) ? 'final' : ''}`,
                  },
                  h('td', {}, positionLink(p.id)),
                  h('td', {}, p.account),
                  h('td', {}, p.symbol),
                  h('td', { class: `side ${p.side}` }, p.side),
                  h('td', { class: 'num' }, num(p.size)),
                  h('td', { 'data-cell': 'state' }, h('span', { class: `state ${p.state}` }, p.state)),
                  h(
                    'td',
                    { class: 'num' },
                    age(now - p.since),
                    isStuck(p, now) ? h('span', { class: 'tag bad', 'data-stuck': '1' }, 'stuck') : null,
                  ),
                  h('td', {}, protectionBadge(p, now)),
                  h(
                    'td',
                    { class: 'num' },
                    unprotectedNotional(p) > 0
                      ? money(unprotectedNotional(p))
                      : isUnprotected(p) && !isFinal(p)
                        ? '? (no price yet)'
                        : '—',
                  ),
                ),
              ),
        ),
      ),
    ),
  );
}
