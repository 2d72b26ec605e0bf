/**
 * The orphan inbox: exchange positions that nothing tracks, from the latest sweeps. Adopt,
 * flatten (reduce-only) or dismiss with a reason, each confirmed first; posguard reads the
 * venue again before it adopts or flattens, and refuses a read older than what it knows.
 */
import { api } from '../api.js';
import { h, num, when } from '../dom.js';
import { openModal } from '../modal.js';
import { canAdmin, state } from '../store.js';
import type { OrphanRow } from '../types.js';

function describe(r: OrphanRow): string {
  return `${num(r.size)} ${r.side === 'buy' ? 'long' : 'short'} ${r.symbol} on account ${r.account}`;
}

function take(r: OrphanRow, how: 'adopt' | 'flatten'): void {
  const body =
    how === 'adopt'
      ? h(
          'p',
          {},
          `Adopt ${describe(r)}? posguard reads the venue again, refuses if what it reads is older than what it already knows of ${r.symbol} or differs from this row, then tracks it as an open position (it places no stop: the orphan's intent had none).`,
        )
      : h(
          'p',
          {},
          `Flatten ${describe(r)}? posguard reads the venue again (refusing a stale or different read), adopts it, and closes it with a reduce-only order sized from a fresh report.`,
        );
  openModal(how === 'adopt' ? 'Adopt this orphan?' : 'Flatten this orphan?', body, [
    {
      label: how === 'adopt' ? 'Confirm adopt' : 'Confirm flatten',
      kind: how === 'adopt' ? 'primary' : 'danger',
      id: `confirm-${how}`,
      run: async (m) => {
        const t = await api<{ positionId: string }>('POST', `/v1/orphans/${how}`, {
          account: r.account,
          symbol: r.symbol,
        });
        m.say(
          h(
            'span',
            {},
            `${how === 'adopt' ? 'Adopted' : 'Being flattened'} as position `,
            h('a', { href: `#/position/${t.positionId}`, onclick: () => m.close() }, t.positionId),
          ),
        );
      },
    },
  ]);
}

function dismiss(r: OrphanRow): void {
  const reason = h('input', {
    type: 'text',
    'data-field': 'reason',
    placeholder: 'why (required), e.g. a manual hedge',
    maxlength: 500,
  });
  openModal(
    'Dismiss this orphan?',
    h(
      'div',
      {},
      h(
        'p',
        {},
        `Dismiss ${describe(r)}: it stays off the inbox while the venue holds the same side and size. The reason is recorded with your name.`,
      ),
      reason,
    ),
    [
      {
        label: 'Confirm dismiss',
        kind: 'primary',
        id: 'confirm-dismiss',
        run: async (m) => {
          const why = reason.value.trim();
          if (why === '') {
            m.say('a reason is required', 'error');
            return;
          }
          await api('POST', '/v1/orphans/dismiss', { account: r.account, symbol: r.symbol, reason: why });
          m.say('Dismissed.');
        },
      },
    ],
  );
}

export function orphansView(): Node {
  const rows = [...state.orphans.values()].flat();
  return h(
    'section',
    { class: 'orphans' },
    h(
      'p',
      { class: 'hint' },
      'Positions the venue holds that no posguard position tracks, as the latest orphan or reconciliation sweep found them. "Sweep now" is on the sweeps page.',
    ),
    rows.length === 0
      ? h('p', { class: 'empty', 'data-empty': 'orphans' }, 'The inbox is empty.')
      : h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'grid', 'data-table': 'orphans' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['account', 'symbol', 'side', 'size', 'found', ''].map((c) => h('th', {}, c)),
              ),
            ),
            h(
              'tbody',
              {},
              rows.map((r) =>
                h(
                  'tr',
                  { 'data-orphan': `${r.account}|${r.symbol}` },
                  h('td', {}, r.account),
                  h('td', {}, r.symbol),
                  h('td', { class: `side ${r.side}` }, r.side),
                  h('td', { class: 'num' }, num(r.size)),
                  h('td', {}, when(r.foundAt)),
                  h(
                    'td',
                    { class: 'actions' },
                    canAdmin()
                      ? [
                          h(
                            'button',
                            { class: 'primary', 'data-action': 'adopt', onclick: () => take(r, 'adopt') },
                            'Adopt…',
                          ),
                          h(
                            'button',
                            { class: 'danger', 'data-action': 'flatten', onclick: () => take(r, 'flatten') },
                            'Flatten…',
                          ),
                          h(
                            'button',
                            { class: 'plain', 'data-action': 'dismiss', onclick: () => dismiss(r) },
                            'Dismiss…',
                          ),
                        ]
                      : null,
                  ),
                ),
              ),
            ),
          ),
        ),
  );
}
