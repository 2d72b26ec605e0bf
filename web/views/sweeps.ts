/**
 * Sweeps: the latest report of each kind per account, what changed since the one before
 * (findings new and gone), and "sweep now". `#/sweeps/ACCOUNT/ID` shows one report (the
 * board links its sweep jobs here).
 */
import { api } from '../api.js';
import { age, h, when } from '../dom.js';
import { openModal } from '../modal.js';
import { canAdmin, state } from '../store.js';
import type { Finding, SweepReport } from '../types.js';

const findingKey = (f: Finding) => `${f.kind}|${f.symbol}|${f.positionId ?? ''}|${f.side ?? ''}|${f.size ?? ''}`;

export function describeFinding(f: Finding): string {
  const rest = Object.entries(f)
    .filter(([k]) => !['kind', 'symbol'].includes(k))
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(', ');
  return `${f.kind} on ${f.symbol}${rest === '' ? '' : ` (${rest})`}`;
}

function reportBlock(r: SweepReport, previous: SweepReport | undefined, now: number): Node {
  const before = new Set((previous?.findings ?? []).map(findingKey));
  const after = new Set(r.findings.map(findingKey));
  const gone = (previous?.findings ?? []).filter((f) => !after.has(findingKey(f)));
  return h(
    'div',
    { class: 'report', 'data-report': r.id },
    h(
      'div',
      { class: 'report-head' },
      h('b', {}, r.kind === 'orphans' ? 'orphan sweep' : 'reconciliation'),
      ` · ${when(r.finishedAt)} (${age(now - r.finishedAt)} ago) · ${r.finishedAt - r.startedAt} ms · by ${r.worker}`,
    ),
    r.error !== undefined
      ? h('p', { class: 'error' }, r.error)
      : r.findings.length === 0
        ? h('p', { class: 'ok' }, 'clean')
        : h(
            'ul',
            {},
            r.findings.map((f, i) =>
              h(
                'li',
                { 'data-finding': f.kind },
                describeFinding(f),
                ` — ${r.actions[i] ?? ''}`,
                previous !== undefined && !before.has(findingKey(f)) ? h('span', { class: 'tag bad' }, 'new') : null,
              ),
            ),
          ),
    previous === undefined
      ? h('p', { class: 'hint' }, 'no earlier report to compare with')
      : h(
          'p',
          { class: 'hint', 'data-diff': r.id },
          gone.length === 0 && r.findings.every((f) => before.has(findingKey(f)))
            ? `same as the previous (${when(previous.finishedAt)})`
            : [
                `since the previous (${when(previous.finishedAt)}): `,
                r.findings.filter((f) => !before.has(findingKey(f))).length,
                ' new, ',
                gone.length,
                ' gone',
                gone.length === 0 ? '' : `: ${gone.map(describeFinding).join('; ')}`,
              ],
        ),
  );
}

function sweepNow(account: string, kind: 'orphans' | 'reconcile'): void {
  openModal(
    `Run ${kind === 'orphans' ? 'an orphan sweep' : 'a reconciliation'} of ${account} now?`,
    h(
      'p',
      {},
      'It reads the venue, compares it with what posguard believes and alerts on what it finds (orphans follow sweeps.orphanPolicy).',
    ),
    [
      {
        label: 'Sweep now',
        kind: 'primary',
        id: 'confirm-sweep',
        run: async (m) => {
          const reports = await api<SweepReport[]>('POST', `/v1/sweeps/${kind}`, { account });
          const r = reports[0];
          m.say(
            r === undefined
              ? 'done'
              : (r.error ?? (r.findings.length === 0 ? 'clean' : `${r.findings.length} finding(s)`)),
          );
        },
      },
    ],
  );
}

export function sweepsView(path: readonly string[], now: number): Node {
  const [account, id] = path;
  if (account !== undefined && id !== undefined) {
    const r = state.sweeps.find((x) => x.account === account && x.id === id);
    const previous =
      r === undefined
        ? undefined
        : state.sweeps.find((x) => x.account === r.account && x.kind === r.kind && x.finishedAt < r.finishedAt);
    return h(
      'section',
      { class: 'sweeps' },
      h('a', { href: '#/sweeps' }, '← every account'),
      r === undefined
        ? h('p', { class: 'empty' }, `report ${id} of ${account} is not among the latest kept`)
        : reportBlock(r, previous, now),
    );
  }
  const accounts = [...new Set([...state.accounts.keys(), ...state.sweeps.map((r) => r.account)])];
  return h(
    'section',
    { class: 'sweeps' },
    accounts.map((a) =>
      h(
        'div',
        { class: 'account-sweeps', 'data-account': a },
        h(
          'h3',
          {},
          a,
          canAdmin()
            ? h(
                'span',
                { class: 'buttons' },
                h(
                  'button',
                  { class: 'plain', 'data-action': 'sweep-orphans', onclick: () => sweepNow(a, 'orphans') },
                  'Orphan sweep now…',
                ),
                h(
                  'button',
                  { class: 'plain', 'data-action': 'sweep-reconcile', onclick: () => sweepNow(a, 'reconcile') },
                  'Reconcile now…',
                ),
              )
            : null,
        ),
        (['orphans', 'reconcile'] as const).map((kind) => {
          const mine = state.sweeps
            .filter((r) => r.account === a && r.kind === kind)
            .sort((x, y) => y.finishedAt - x.finishedAt);
          const latest = mine[0];
          return latest === undefined
            ? h('p', { class: 'hint' }, `no ${kind === 'orphans' ? 'orphan sweep' : 'reconciliation'} yet`)
            : reportBlock(latest, mine[1], now);
        }),
      ),
    ),
  );
}
