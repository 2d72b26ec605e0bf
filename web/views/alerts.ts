/** Alerts, newest first, with acknowledge (an admin's; recorded with the token's name). */
import { api } from '../api.js';
import { h, when } from '../dom.js';
import { openModal } from '../modal.js';
import { canAdmin, changed, state } from '../store.js';
import type { Alert } from '../types.js';
import { positionLink } from './kit.js';

const ui = { all: false };

export function ackButton(a: Alert): Node | null {
  if (!canAdmin() || a.acknowledged !== undefined) return null;
  return h(
    'button',
    {
      class: 'primary',
      'data-action': 'ack',
      onclick: () =>
        openModal('Acknowledge this alert?', h('p', {}, `${a.kind}: ${a.message}`), [
          {
            label: 'Acknowledge',
            kind: 'primary',
            id: 'confirm-ack',
            run: async (m) => {
              await api('POST', `/v1/alerts/${encodeURIComponent(a.id)}/ack`, {});
              m.close();
            },
          },
        ]),
    },
    'Acknowledge…',
  );
}

export function alertItem(a: Alert): Node {
  return h(
    'li',
    { class: `alert ${a.acknowledged ? 'acked' : 'open'}`, 'data-alert': a.id, 'data-kind': a.kind },
    h(
      'div',
      { class: 'alert-head' },
      h('b', {}, a.kind),
      ` · ${a.account}${a.symbol === undefined ? '' : ` · ${a.symbol}`} · ${when(a.at)}`,
      a.count !== undefined && a.count > 1 ? ` · ×${a.count}` : '',
      a.positionId === undefined ? '' : [' · ', positionLink(a.positionId)],
    ),
    h('p', {}, a.message),
    a.acknowledged
      ? h(
          'p',
          { class: 'hint', 'data-acked': a.acknowledged.by },
          `acknowledged by ${a.acknowledged.by} at ${when(a.acknowledged.at)}`,
        )
      : ackButton(a),
  );
}

export function alertsView(): Node {
  const list = state.alerts.filter((a) => ui.all || a.acknowledged === undefined);
  return h(
    'section',
    { class: 'alerts' },
    h(
      'label',
      {},
      h('input', {
        type: 'checkbox',
        checked: ui.all,
        onchange: (e: Event) => {
          ui.all = (e.target as HTMLInputElement).checked;
          changed();
        },
      }),
      ' show acknowledged too',
    ),
    list.length === 0
      ? h('p', { class: 'empty' }, ui.all ? 'No alerts.' : 'Nothing to acknowledge.')
      : h('ul', { class: 'alert-list' }, list.map(alertItem)),
  );
}
