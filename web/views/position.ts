/**
 * One position: its statechart with the current state and the path it took; its timeline
 * (transitions with the event and raw payload that caused them, orders with their client ids,
 * alerts, operator actions); close, with a confirmation that previews the order the close
 * planner would send on the latest report. The detail is read when the page opens it; after
 * that the event stream keeps it current.
 */
import { api } from '../api.js';
import { statechart } from '../chart.js';
import { age, h, num, when, type Child } from '../dom.js';
import { openModal } from '../modal.js';
import { canTrade, changed, state } from '../store.js';
import type { ClosePreview, OperatorAction, PositionDetail } from '../types.js';
import { isFinal, money, notional, protectionBadge } from './kit.js';

let shown: { id: string; detail?: PositionDetail; error?: string } | undefined;
const open = new Set<string>();

async function load(id: string): Promise<void> {
  shown = { id };
  try {
    const detail = await api<PositionDetail>('GET', `/v1/positions/${encodeURIComponent(id)}`);
    if (shown?.id === id) shown = { id, detail };
  } catch (e) {
    if (shown?.id === id) shown = { id, error: e instanceof Error ? e.message : String(e) };
  }
  changed();
}

function rawToggle(key: string, payload: unknown): Child {
  if (payload === undefined || payload === null) return null;
  const isOpen = open.has(key);
  return [
    h(
      'button',
      {
        class: 'link',
        'data-raw': key,
        onclick: () => {
          if (isOpen) open.delete(key);
          else open.add(key);
          changed();
        },
      },
      isOpen ? 'hide payload' : 'raw payload',
    ),
    isOpen ? h('pre', { class: 'raw', 'data-payload': key }, JSON.stringify(payload, null, 2)) : null,
  ];
}

interface Line {
  at: number;
  kind: string;
  text: Child;
  extra?: Child;
}

/** `xstate.done.actor.0.position.pending.sending` → `pending.sending done`; `xstate.after.poll.…` → `after poll`. */
export function eventName(type: string): string {
  const invoke = /^xstate\.(done|error)\.actor\.\d+\.position\.(.+)$/.exec(type);
  if (invoke !== null) return `${invoke[2]} ${invoke[1]}`;
  const after = /^xstate\.after\.([^.]+)\./.exec(type);
  if (after !== null) return `after ${after[1]}`;
  if (type === 'xstate.init' || type === '(start)') return 'start';
  return type;
}

function timeline(id: string, d: PositionDetail): Line[] {
  const lines: Line[] = [];
  d.history.forEach((item, i) =>
    lines.push({
      at: item.at,
      kind: 'transition',
      text: [h('b', {}, `→ ${item.state}`), item.event === undefined ? '' : ` on ${eventName(item.event)}`],
      extra: rawToggle(`h${i}`, item.payload),
    }),
  );
  const lastAt = d.history.at(-1)?.at ?? 0;
  for (const t of state.transitions) {
    if (t.positionId === id && t.at > lastAt)
      lines.push({
        at: t.at,
        kind: 'transition',
        text: [
          h('b', {}, `→ ${t.to}`),
          ` from ${t.from}${t.cause === undefined ? '' : ` on ${eventName(t.cause)}`} (live)`,
        ],
      });
  }
  for (const o of d.orders ?? []) {
    if (o.sentAt !== undefined)
      lines.push({
        at: o.sentAt,
        kind: 'order',
        text: [
          `order ${o.role} `,
          h('span', { class: 'mono' }, o.clientOrderId),
          ` ${o.side} ${num(o.amount)}: ${o.send}${o.status === undefined ? '' : `, ${o.status}`}`,
        ],
      });
  }
  for (const a of state.alerts)
    if (a.positionId === id)
      lines.push({
        at: a.at,
        kind: 'alert',
        text: [h('b', {}, a.kind), `: ${a.message}`, a.acknowledged ? ` (acknowledged by ${a.acknowledged.by})` : ''],
      });
  const actions = new Map<string, OperatorAction>();
  for (const a of [...d.actions, ...state.actions.filter((x) => x.positionId === id)]) actions.set(a.id, a);
  for (const a of actions.values())
    lines.push({
      at: a.at,
      kind: 'action',
      text: [h('b', {}, `${a.what} by ${a.by}`), a.why === undefined ? '' : ` (${a.why})`, `: ${a.result}`],
    });
  return lines.sort((a, b) => a.at - b.at);
}

function previewText(p: ClosePreview): Node {
  if (p.kind !== 'order' || p.order === undefined)
    return h(
      'div',
      { class: 'preview refused', 'data-preview': 'refused' },
      h('p', {}, h('b', {}, 'Preview: '), `the close planner would send nothing now: ${p.why ?? ''}`),
      h('p', { class: 'hint' }, p.note),
    );
  const o = p.order;
  const b = p.basedOn;
  return h(
    'div',
    { class: 'preview', 'data-preview': 'order' },
    h('p', { class: 'tag' }, 'PREVIEW — nothing is sent by this dialog until you confirm'),
    h('p', { class: 'order-line' }, `${o.side.toUpperCase()} ${num(o.amount)} ${o.symbol}, ${o.type}, reduce-only`),
    b === undefined
      ? null
      : h(
          'p',
          {},
          `planned on the ${b.source} report of ${num(b.size)} ${b.side ?? ''} received ${when(b.receivedAt)}`,
        ),
    h('p', { class: 'hint' }, p.note),
  );
}

function askClose(id: string): void {
  const m = openModal('Close this position?', h('p', {}, 'Reading the close preview…'), []);
  api<ClosePreview>('GET', `/v1/positions/${encodeURIComponent(id)}/close-preview`).then(
    (preview) => {
      m.next('Close this position?', previewText(preview), [
        {
          label: 'Confirm close',
          kind: 'danger',
          id: 'confirm-close',
          run: async (mm) => {
            const answer = await api<{ result: string; state: string }>(
              'POST',
              `/v1/positions/${encodeURIComponent(id)}/close`,
              {},
            );
            mm.say(
              answer.result === 'requested'
                ? 'Close requested: posguard plans the order from a fresh report and proves the position flat.'
                : `Nothing sent: ${answer.result} (${answer.state}).`,
            );
          },
        },
      ]);
    },
    (e: unknown) => m.say(e instanceof Error ? e.message : String(e), 'error'),
  );
}

export function positionView(id: string, now: number): Node {
  if (shown?.id !== id) void load(id);
  const dash = state.dash;
  const d = shown?.id === id ? shown.detail : undefined;
  if (shown?.error !== undefined)
    return h(
      'section',
      {},
      h('p', { class: 'error' }, shown.error),
      h('a', { href: '#/positions' }, 'back to the positions'),
    );
  if (d === undefined || dash === undefined) return h('p', {}, 'loading…');
  const live = state.positions.get(id) ?? d;
  const path = [
    ...d.history.map((x) => x.state),
    ...state.transitions.filter((t) => t.positionId === id && t.at > (d.history.at(-1)?.at ?? 0)).map((t) => t.to),
  ];
  return h(
    'section',
    { class: 'position', 'data-position-view': id },
    h(
      'div',
      { class: 'pos-head' },
      h(
        'h2',
        {},
        `${live.symbol} ${live.side} ${num(live.amount)}`,
        h('span', { class: `state ${live.state}`, 'data-current': live.state }, live.state),
      ),
      canTrade() && !isFinal(live)
        ? h('button', { class: 'danger', 'data-action': 'close', onclick: () => askClose(id) }, 'Close…')
        : null,
    ),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'id'),
      h('dd', { class: 'mono' }, id),
      h('dt', {}, 'account'),
      h('dd', {}, live.account),
      h('dt', {}, 'size'),
      h('dd', {}, num(live.size)),
      h('dt', {}, 'in state'),
      h('dd', {}, age(now - live.since)),
      h('dt', {}, 'protected?'),
      h('dd', {}, protectionBadge(live, now)),
      h('dt', {}, 'notional'),
      h('dd', {}, money(notional(live))),
      live.reason === undefined ? null : [h('dt', {}, 'reason'), h('dd', {}, live.reason)],
    ),
    h('div', { class: 'chart-box small' }, statechart(dash, { current: live.state, path })),
    h('h3', {}, 'Orders'),
    d.orders === undefined
      ? h(
          'p',
          { class: 'hint' },
          'Not driven by this worker now (or final and evicted): its orders are in its history.',
        )
      : h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'grid', 'data-table': 'orders' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['role', 'client order id', 'venue id', 'side', 'amount', 'send', 'status', 'filled', 'sent'].map((c) =>
                  h('th', {}, c),
                ),
              ),
            ),
            h(
              'tbody',
              {},
              d.orders.map((o) =>
                h(
                  'tr',
                  { 'data-order': o.clientOrderId },
                  h('td', {}, o.role),
                  h('td', { class: 'mono' }, o.clientOrderId),
                  h('td', { class: 'mono' }, o.venueOrderId ?? '—'),
                  h('td', {}, o.side),
                  h('td', { class: 'num' }, num(o.amount)),
                  h('td', {}, o.send),
                  h('td', {}, o.status ?? '—'),
                  h('td', { class: 'num' }, num(o.filled)),
                  h('td', {}, when(o.sentAt)),
                ),
              ),
            ),
          ),
        ),
    h('h3', {}, 'Timeline'),
    h(
      'p',
      { class: 'hint' },
      d.historySource === 'redis'
        ? "From the position's history in Redis: every transition with the event and payload that caused it."
        : "From this worker's memory (no Redis): every transition with the event and payload that caused it while it ran.",
    ),
    h(
      'ol',
      { class: 'timeline', 'data-timeline': id },
      timeline(id, d).map((l) =>
        h(
          'li',
          { class: l.kind, 'data-kind': l.kind },
          h('time', {}, when(l.at)),
          h('span', { class: 'what' }, l.text),
          l.extra ?? null,
        ),
      ),
    ),
  );
}
