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
