/**
 * Accounts: feed state and since when, lease holder, trading mode; halt / resume and flatten
 * (two steps). With the alerts still to acknowledge beneath, this is the page for a hurry, on
 * a phone too. Flatten is shown unavailable, with the API's reason, once the API says so.
 */
import { api, ApiError } from '../api.js';
import { age, h } from '../dom.js';
import { errorText, openModal } from '../modal.js';
import { canAdmin, changed, state } from '../store.js';
import type { Account } from '../types.js';
import { alertItem } from './alerts.js';

function halt(a: Account): void {
  const reason = h('input', { type: 'text', 'data-field': 'reason', placeholder: 'why (optional)', maxlength: 500 });
  openModal(
    `Halt ${a.id}?`,
    h(
      'div',
      {},
      h('p', {}, 'New intents for this account are refused; positions in flight carry on and stay protected.'),
      reason,
    ),
    [
      {
        label: 'Halt now',
        kind: 'danger',
        id: 'confirm-halt',
        run: async (m) => {
          const why = reason.value.trim();
          await api('POST', `/v1/accounts/${encodeURIComponent(a.id)}/halt`, why === '' ? {} : { reason: why });
          m.close();
        },
      },
    ],
  );
}

function resume(a: Account): void {
  openModal(`Resume ${a.id}?`, h('p', {}, 'New intents for this account are accepted again.'), [
    {
      label: 'Resume',
      kind: 'primary',
      id: 'confirm-resume',
      run: async (m) => {
        await api('POST', `/v1/accounts/${encodeURIComponent(a.id)}/resume`, {});
        m.close();
      },
    },
  ]);
}

/** Two steps: a warning, then typing the account's id. */
function flatten(a: Account): void {
  openModal(
    `Flatten ${a.id}?`,
    h(
      'p',
      {},
      `Flattening halts ${a.id}, cancels its working entries and closes every position of posguard's on it, reduce-only, then verifies flat. Positions of other programs are not touched.`,
    ),
    [
      {
        label: 'Continue…',
        kind: 'danger',
        id: 'flatten-step-1',
        run: (m) => {
          const typed = h('input', {
            type: 'text',
            'data-field': 'confirm-account',
            placeholder: a.id,
            autocomplete: 'off',
          });
          m.next(
            `Flatten ${a.id}: second step`,
            h('div', {}, h('p', {}, `Type the account id (${a.id}) to flatten it now.`), typed),
            [
              {
                label: 'Flatten now',
                kind: 'danger',
                id: 'flatten-step-2',
                run: async (mm) => {
                  if (typed.value.trim() !== a.id) {
                    mm.say(`type ${a.id} to confirm`, 'error');
                    return;
                  }
                  try {
                    const started = await api<{ positions: string[] }>(
                      'POST',
                      `/v1/accounts/${encodeURIComponent(a.id)}/flatten`,
                      {},
                    );
                    mm.say(
                      `Flatten started: ${a.id} is halted and ${started.positions.length} position${started.positions.length === 1 ? '' : 's'} of posguard's closing; the audit log says when flat is verified.`,
                    );
                  } catch (e) {
                    if (e instanceof ApiError && e.status === 501) {
                      state.unavailable.set('flatten', e.message);
                      changed();
                      mm.say(`Not available: ${e.message}`, 'error');
                      return;
                    }
                    mm.say(errorText(e), 'error');
                  }
                },
              },
            ],
          );
        },
      },
    ],
  );
}

export function accountsView(now: number): Node {
  const unavailable = state.unavailable.get('flatten');
  const unacked = state.alerts.filter((x) => x.acknowledged === undefined);
  return h(
    'section',
    { class: 'accounts' },
    h(
      'div',
      { class: 'account-cards' },
      [...state.accounts.values()].map((a) =>
        h(
          'div',
          { class: `account ${a.trading}`, 'data-account': a.id },
          h(
            'h3',
            {},
            a.id,
            h('span', { class: `tag ${a.trading === 'halted' ? 'bad' : 'ok'}`, 'data-trading': a.trading }, a.trading),
          ),
          h(
            'dl',
            { class: 'facts' },
            h('dt', {}, 'exchange'),
            h('dd', {}, a.exchange),
            h('dt', {}, 'feed'),
            h('dd', { 'data-feed': a.feed }, a.feed, a.feedSince === undefined ? '' : ` for ${age(now - a.feedSince)}`),
            h('dt', {}, 'lease holder'),
            h('dd', {}, a.holder ?? (a.owned ? 'this worker' : 'unknown')),
            h('dt', {}, 'position mode'),
            h('dd', {}, a.mode ?? '—'),
            a.haltedBecause === undefined ? null : [h('dt', {}, 'halted because'), h('dd', {}, a.haltedBecause)],
          ),
          canAdmin()
            ? h(
                'div',
                { class: 'buttons' },
                a.trading === 'active'
                  ? h('button', { class: 'danger big', 'data-action': 'halt', onclick: () => halt(a) }, 'Halt…')
                  : h('button', { class: 'primary big', 'data-action': 'resume', onclick: () => resume(a) }, 'Resume…'),
                h(
                  'button',
                  {
                    class: 'danger big',
                    'data-action': 'flatten',
                    'data-unavailable': unavailable === undefined ? undefined : '1',
                    title: unavailable,
                    onclick: () => flatten(a),
                  },
                  unavailable === undefined ? 'Flatten…' : 'Flatten (unavailable)…',
                ),
                unavailable === undefined
                  ? null
                  : h(
                      'p',
                      { class: 'hint', 'data-unavailable-reason': 'flatten' },
                      `Flatten is not available: ${unavailable}`,
                    ),
              )
            : null,
        ),
      ),
    ),
    h('h3', {}, `Alerts to acknowledge (${unacked.length})`),
    unacked.length === 0
      ? h('p', { class: 'empty' }, 'Nothing to acknowledge.')
      : h('ul', { class: 'alert-list' }, unacked.slice(0, 20).map(alertItem)),
    h('h3', {}, 'Operator actions seen by this page'),
    state.unavailable.has('audit')
      ? h(
          'p',
          { class: 'hint', 'data-unavailable-reason': 'audit' },
          `The audit log is not available: ${state.unavailable.get('audit') ?? ''}`,
        )
      : null,
    state.actions.length === 0
      ? h('p', { class: 'empty' }, 'None since this page was loaded.')
      : h(
          'ul',
          { class: 'actions-list', 'data-actions': '1' },
          [...state.actions]
            .reverse()
            .slice(0, 30)
            .map((a) =>
              h(
                'li',
                {},
                `${new Date(a.at).toLocaleTimeString([], { hour12: false })} · ${a.by} · ${a.what}${a.account === undefined ? '' : ` ${a.account}`}${a.symbol === undefined ? '' : ` ${a.symbol}`}` +
                  `${a.positionId === undefined ? '' : ` ${a.positionId}`}${a.why === undefined ? '' : ` (${a.why})`}: ${a.result}`,
              ),
            ),
        ),
  );
}
