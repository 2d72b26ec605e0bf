/**
 * The fleet view: the position machine drawn from its definition with how many positions sit
 * in each state (stuck ones marked), live from the event stream; a state links to its positions.
 */
import { h, num } from '../dom.js';
import { statechart } from '../chart.js';
import { state } from '../store.js';
import { isFinal, isStuck, isUnprotected, money, unprotectedNotional } from './kit.js';

export function fleetView(now: number): Node {
  const dash = state.dash;
  if (dash === undefined) return h('p', {}, 'loading…');
  const counts = new Map<string, number>();
  const stuck = new Map<string, number>();
  const all = [...state.positions.values()];
  for (const p of all) {
    counts.set(p.state, (counts.get(p.state) ?? 0) + 1);
    if (isStuck(p, now)) stuck.set(p.state, (stuck.get(p.state) ?? 0) + 1);
  }
  const live = all.filter((p) => !isFinal(p));
  const unprotected = live.filter(isUnprotected);
  const stuckCount = [...stuck.values()].reduce((a, b) => a + b, 0);
  const unacked = state.alerts.filter((a) => a.acknowledged === undefined).length;
  const orphans = [...state.orphans.values()].reduce((n, rows) => n + rows.length, 0);
  const down = [...state.accounts.values()].filter((a) => a.owned && a.feed === 'down').length;
  const card = (label: string, value: string, bad: boolean, href: string, id: string) =>
    h(
      'a',
      { class: `card${bad ? ' bad' : ''}`, href, 'data-card': id },
      h('span', { class: 'value' }, value),
      h('span', { class: 'label' }, label),
    );
  return h(
    'section',
    { class: 'fleet' },
    h(
      'div',
      { class: 'cards' },
      card('live positions', String(live.length), false, '#/positions', 'live'),
      card(
        'unprotected',
        String(unprotected.length),
        unprotected.length > 0,
        '#/positions?unprotected=1',
        'unprotected',
      ),
      card(
        'unprotected notional',
        money(unprotected.reduce((s, p) => s + unprotectedNotional(p), 0)),
        unprotected.length > 0,
        '#/positions?unprotected=1',
        'notional',
      ),
      card('stuck', String(stuckCount), stuckCount > 0, '#/positions?stuck=1', 'stuck'),
      card('alerts to acknowledge', String(unacked), unacked > 0, '#/alerts', 'alerts'),
      card('orphans', String(orphans), orphans > 0, '#/orphans', 'orphans'),
      card('feeds down', String(down), down > 0, '#/accounts', 'feeds'),
    ),
    h(
      'p',
      { class: 'hint' },
      `The position machine, drawn from its own definition: ${num(dash.states.length)} states; ` +
        'every transition with its trigger (an event, always, after a delay, an effect done) and its guard. Click a state for its positions. ' +
        `A position is stuck when it sits in a state other than ${dash.resting.join(' or ')} for ${Math.round(dash.stuckAfterMs / 1000)} s.`,
    ),
    h(
      'div',
      { class: 'chart-box' },
      statechart(dash, {
        counts,
        stuck,
        onPick: (s) => {
          location.hash = `#/positions?state=${encodeURIComponent(s)}`;
        },
      }),
    ),
  );
}
