/**
 * The rule of an operator's adopt or flatten of an orphan (the dashboard's inbox): what the
 * venue's fresh read may be trusted for, judged against what the account already knows of the
 * symbol (`SymbolEvidence`: the stream's last report, a closed position's proof of flat) with
 * the freshness rule. A read that does not show a later state is used only if it is as new
 * and says the same; an older one is refused — a row minutes old must never adopt the ghost
 * of a position that is gone. Then the holding must be the one the sweep found (side and size,
 * both as the venue's normalised reports give them). Pure.
 *
 * @example
 * judgeOrphanRead(restRead, streamFlat, { side: 'buy', size: 0.5 }, sourceLags(5_000))
 * // { kind: 'refused', why: "the venue's fresh read (0.5 buy) is older than what posguard already knows of the symbol (flat); …" }
 */
import { eq } from './decimal.js';
import { compareTiming, supersedes, type SourceLags } from './freshness.js';
import type { PositionStatusReport } from './reports.js';

export type OrphanReadVerdict =
  { readonly kind: 'take'; readonly report: PositionStatusReport } | { readonly kind: 'refused'; readonly why: string };

/** `43 buy`, or `flat`. */
function describeHolding(r: Pick<PositionStatusReport, 'side' | 'size'>): string {
  return r.side === undefined || r.size <= 0 ? 'flat' : `${r.size} ${r.side}`;
}

const sameHolding = (
  a: Pick<PositionStatusReport, 'side' | 'size'>,
  b: Pick<PositionStatusReport, 'side' | 'size'>,
): boolean => a.side === b.side && eq(a.size, b.size);

export function judgeOrphanRead(
  read: PositionStatusReport | undefined,
  known: PositionStatusReport | undefined,
  expected: { readonly side: string; readonly size: number },
  lags: SourceLags,
): OrphanReadVerdict {
  let report = read;
  if (read !== undefined && known !== undefined && !supersedes(read, known, lags)) {
    const older = compareTiming(read, known) < 0;
    if (older || !sameHolding(read, known)) {
      return {
        kind: 'refused',
        why:
          `the venue's fresh read (${describeHolding(read)}) is ${older ? 'older than' : 'as new as but different from'} ` +
          `what posguard already knows of the symbol (${describeHolding(known)}); nothing was done, sweep again in a few seconds`,
      };
    }
    report = known;
  }
  if (report === undefined || report.side === undefined || report.size <= 0)
    return { kind: 'refused', why: 'the venue holds no position there now; nothing was done' };
  if (report.side !== expected.side || !eq(report.size, expected.size)) {
    return {
      kind: 'refused',
      why: `the venue now holds ${describeHolding(report)}, not the ${expected.size} ${expected.side} that was found; nothing was done, sweep again`,
    };
  }
  return { kind: 'take', report };
}
