/**
 * The freshness rule of see docs/architecture.md, Principles: a "flat" report counts only if it is newer than
 * the last non-flat evidence — by the venue's sequence number where both have one, else by a
 * strictly later venue time — and a REST report must also have been received at least that
 * source's lag after the evidence was. A stale "flat" never closes a live position.
 *
 * @example
 * judgeFlatReport(restFlat, streamFill, sourceLags(5_000)) // { counts: false, why: 'within-source-lag' }
 */
import type { ReportSource, ReportTiming } from './reports.js';

/** How far each source may lag behind the venue's truth, in ms. */
export type SourceLags = Readonly<Record<ReportSource, number>>;

const sign = (x: number): -1 | 0 | 1 => (x < 0 ? -1 : x > 0 ? 1 : 0);

/** -1, 0 or 1: whether `a` is older, as new as, or newer than `b` (sequence, venue time, receipt). */
export function compareTiming(a: ReportTiming, b: ReportTiming): -1 | 0 | 1 {
  if (a.venueSeq !== undefined && b.venueSeq !== undefined) return sign(a.venueSeq - b.venueSeq);
  if (a.venueTime !== undefined && b.venueTime !== undefined) return sign(a.venueTime - b.venueTime);
  return sign(a.receivedAt - b.receivedAt);
}

/**
 * Whether `a` shows a later state of the venue than `b`: by sequence where both have one,
 * else by a strictly later venue time; with neither, only if `a` came from the stream after
 * `b`, or from REST at least that source's lag after `b` was received. `true` when there is
 * no `b`. A stale report never overrules a fresher one (principle 3).
 */
export function supersedes(a: ReportTiming, b: ReportTiming | undefined, lags: SourceLags): boolean {
  if (b === undefined) return true;
  if (a.venueSeq !== undefined && b.venueSeq !== undefined) return a.venueSeq > b.venueSeq;
  if (a.venueTime !== undefined && b.venueTime !== undefined) return a.venueTime > b.venueTime;
  return a.receivedAt - b.receivedAt >= Math.max(lags[a.source], 1);
}

export function sourceLags(restLagMs: number): SourceLags {
  return { stream: 0, 'order-query': restLagMs, 'position-query': restLagMs };
}

export type FlatVerdict =
  | { readonly counts: true }
  | {
      readonly counts: false;
      readonly why: 'older-sequence' | 'not-later-venue-time' | 'no-venue-time' | 'within-source-lag';
    };

/**
 * Whether `flat` may be taken as proof that the position is flat, given the last evidence
 * that it was not (`undefined` when there never was any).
 */
export function judgeFlatReport(
  flat: ReportTiming,
  lastNonFlat: ReportTiming | undefined,
  lags: SourceLags,
): FlatVerdict {
  if (lastNonFlat === undefined) return { counts: true };
  if (flat.venueSeq !== undefined && lastNonFlat.venueSeq !== undefined) {
    if (flat.venueSeq <= lastNonFlat.venueSeq) return { counts: false, why: 'older-sequence' };
  } else if (flat.venueTime === undefined || lastNonFlat.venueTime === undefined) {
    return { counts: false, why: 'no-venue-time' };
  } else if (flat.venueTime <= lastNonFlat.venueTime) {
    return { counts: false, why: 'not-later-venue-time' };
  }
  if (flat.source !== 'stream' && flat.receivedAt - lastNonFlat.receivedAt < lags[flat.source]) {
    return { counts: false, why: 'within-source-lag' };
  }
  return { counts: true };
}

export type AbsenceVerdict =
  { readonly counts: true } | { readonly counts: false; readonly why: 'older-venue-time' | 'within-source-lag' };

/**
 * Whether the venue's "not found" for an order may be believed when the store cannot say
 * whether the order was ever sent (a keyed intent whose earlier position the store forgot; see
 * docs/architecture.md, Evidence and freshness): only if it shows a state at least as new as
 * `since`, the moment this worker took the account — every earlier send, by any worker, left
 * before it, and no later one leaves without this worker's claim. By the venue time of the
 * state where the reply gives one (the simulated venue's, which counts an order not indexed yet
 * as not there before it was created); else, from REST, received (its request left) at least
 * that source's lag after `since`, which is all a reply with no venue time can show.
 *
 * @example
 * judgeAbsence({ source: 'order-query', venueTime: 36_265, receivedAt: 55_186 }, 39_600, sourceLags(2_000))
 * // { counts: false, why: 'older-venue-time' }
 */
export function judgeAbsence(absence: ReportTiming, since: number, lags: SourceLags): AbsenceVerdict {
  if (absence.venueTime !== undefined)
    return absence.venueTime >= since ? { counts: true } : { counts: false, why: 'older-venue-time' };
  if (absence.receivedAt - since < lags[absence.source]) return { counts: false, why: 'within-source-lag' };
  return { counts: true };
}
