/**
 * The freshness rule of DESIGN principle 2: a "flat" report counts only if it is newer than
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

export function sourceLags(restLagMs: number): SourceLags {
  return { stream: 0, 'order-query': restLagMs, 'position-query': restLagMs };
}

export type FlatVerdict =
  | { readonly counts: true }
  | { readonly counts: false; readonly why: 'older-sequence' | 'not-later-venue-time' | 'no-venue-time' | 'within-source-lag' };

/**
 * Whether `flat` may be taken as proof that the position is flat, given the last evidence
 * that it was not (`undefined` when there never was any).
 */
export function judgeFlatReport(flat: ReportTiming, lastNonFlat: ReportTiming | undefined, lags: SourceLags): FlatVerdict {
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
