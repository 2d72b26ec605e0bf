/**
 * What a sweep does about its findings, decided purely (see docs/architecture.md, Sweeps): a
 * difference is alerted (`mismatch`, its kind as the topic); an orphan is alerted and then,
 * per `sweeps.orphanPolicy`, left alone, adopted, or adopted and closed reduce-only (flatten) —
 * from the freshest report of its symbol. The runner (`sweep.ts`) only carries the commands out.
 *
 * @example
 * planSweep(findings, view, 'adopt') // [{ kind: 'adopt', report, alert: { kind: 'orphan', … } }]
 */
import type { AlertDraft } from '../domain/alert.js';
import type { PositionId } from '../domain/ids.js';
import type { PositionStatusReport } from '../domain/reports.js';
import { describeFinding, type Finding } from './reconcile.js';

export type OrphanPolicy = 'alert' | 'adopt' | 'flatten';

/** What an alert is about, within the account. */
export interface SweepSubject {
  readonly symbol?: string;
  readonly positionId?: PositionId;
}

export type SweepCommand =
  | { readonly kind: 'alert'; readonly alert: AlertDraft; readonly subject: SweepSubject }
  /** Alert, then take the orphan over (`adopt`) or take it over and close it (`flatten`). */
  | { readonly kind: 'adopt' | 'flatten'; readonly alert: AlertDraft; readonly subject: SweepSubject; readonly report: PositionStatusReport };

const POLICY_TEXT: Readonly<Record<OrphanPolicy, string>> = {
  alert: 'left alone (policy: alert)', adopt: 'adopted', flatten: 'adopted and being closed reduce-only',
};

/** One command per finding, in order. */
export function planSweep(findings: readonly Finding[], view: ReadonlyMap<string, PositionStatusReport>, policy: OrphanPolicy): SweepCommand[] {
  return findings.map((f): SweepCommand => {
    if (f.kind !== 'orphan') {
      const subject = { symbol: f.symbol, ...('positionId' in f && f.positionId !== undefined ? { positionId: f.positionId } : {}) };
      return { kind: 'alert', alert: { kind: 'mismatch', topic: f.kind, message: describeFinding(f) }, subject };
    }
    const alert: AlertDraft = { kind: 'orphan', message: `${describeFinding(f)}; ${POLICY_TEXT[policy]}` };
    const report = view.get(f.symbol);
    if (policy === 'alert' || report === undefined) return { kind: 'alert', alert, subject: { symbol: f.symbol } };
    return { kind: policy, alert, subject: { symbol: f.symbol }, report };
  });
}
