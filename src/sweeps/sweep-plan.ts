/**
 * What a sweep does about its findings, decided purely (see docs/architecture.md, Sweeps): a
 * difference is alerted (`mismatch`, its kind as the topic); an orphan is alerted and then,
 * per `sweeps.orphanPolicy`, left alone, adopted, or adopted and closed reduce-only (flatten) —
 * from the freshest report of its symbol. A stop of posguard's whose position is not live
 * (quarantined, forgotten) is alerted, and cancelled when the freshest report positively shows
 * its symbol flat: it protects nothing and could close a later position (see
 * docs/architecture.md, Protection). A position whose size or side differs from the venue's
 * read is alerted and handed the read, which it judges by its own freshness rules (a stream
 * message lost without a gap is caught up here: a position closed by hand goes flat and cancels
 * its stop). The runner (`sweep.ts`) only carries the commands out.
 *
 * @example
 * planSweep(findings, view, 'adopt') // [{ kind: 'adopt', report, alert: { kind: 'orphan', … } }]
 */
import type { AlertDraft } from '../domain/alert.js';
import type { PositionId } from '../domain/ids.js';
import { isZero } from '../domain/decimal.js';
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
  | {
      readonly kind: 'adopt' | 'flatten';
      readonly alert: AlertDraft;
      readonly subject: SweepSubject;
      readonly report: PositionStatusReport;
    }
  /** Alert, then hand the venue's read of its symbol to a position that differs from it. */
  | {
      readonly kind: 'tell';
      readonly alert: AlertDraft;
      readonly subject: SweepSubject;
      readonly positionId: PositionId;
      readonly report: PositionStatusReport;
    }
  /** Alert, then cancel a leftover stop on a symbol proven flat. */
  | {
      readonly kind: 'cancelStop';
      readonly alert: AlertDraft;
      readonly subject: SweepSubject;
      readonly clientOrderId: string;
    };

const POLICY_TEXT: Readonly<Record<OrphanPolicy, string>> = {
  alert: 'left alone (policy: alert)',
  adopt: 'adopted',
  flatten: 'adopted and being closed reduce-only',
};

/** One command per finding, in order. */
export function planSweep(
  findings: readonly Finding[],
  view: ReadonlyMap<string, PositionStatusReport>,
  policy: OrphanPolicy,
): SweepCommand[] {
  return findings.map((f): SweepCommand => {
    if (f.kind !== 'orphan') {
      const subject = {
        symbol: f.symbol,
        ...('positionId' in f && f.positionId !== undefined ? { positionId: f.positionId } : {}),
      };
      const alert: AlertDraft = { kind: 'mismatch', topic: f.kind, message: describeFinding(f) };
      const flat = view.get(f.symbol);
      if (f.kind === 'leftoverStop' && flat !== undefined && isZero(flat.size)) {
        return {
          kind: 'cancelStop',
          alert: { ...alert, message: `${alert.message}; the symbol is flat: the stop is cancelled` },
          subject,
          clientOrderId: f.clientOrderId,
        };
      }
      if ((f.kind === 'sizeMismatch' || f.kind === 'sideMismatch') && flat !== undefined)
        return { kind: 'tell', alert, subject, positionId: f.positionId, report: flat };
      return { kind: 'alert', alert, subject };
    }
    const alert: AlertDraft = { kind: 'orphan', message: `${describeFinding(f)}; ${POLICY_TEXT[policy]}` };
    const report = view.get(f.symbol);
    if (policy === 'alert' || report === undefined) return { kind: 'alert', alert, subject: { symbol: f.symbol } };
    return { kind: policy, alert, subject: { symbol: f.symbol }, report };
  });
}
