/**
 * Which lane the request scheduler serves next (see docs/architecture.md, Request budget).
 * Pure. Closes and stop placements/cancels first; then, when sweeps have waited `sweepEvery`
 * releases, one sweep (their floor share: a sweep never starves under trading load); else
 * entries, then queries, then sweeps.
 *
 * @example
 * chooseLane({ ready: { trading: false, entry: true, query: true, sweep: true }, sinceSweep: 0, sweepEvery: 5 }) // 'entry'
 */

export const LANES = ['trading', 'entry', 'query', 'sweep'] as const;
export type Lane = (typeof LANES)[number];

/** Whether the lane is state-changing (never merged, never reordered within a symbol, never retried). */
export const changesState = (lane: Lane): boolean => lane === 'trading' || lane === 'entry';

export interface LaneView {
  /** Lanes whose next request may leave now. */
  readonly ready: Readonly<Record<Lane, boolean>>;
  /** Releases of other lanes since a sweep last left. */
  readonly sinceSweep: number;
  /** A sweep leaves at least once in this many releases while one waits. */
  readonly sweepEvery: number;
}

export function chooseLane(v: LaneView): Lane | undefined {
  if (v.ready.trading) return 'trading';
  if (v.ready.sweep && v.sinceSweep >= v.sweepEvery - 1) return 'sweep';
  if (v.ready.entry) return 'entry';
  if (v.ready.query) return 'query';
  if (v.ready.sweep) return 'sweep';
  return undefined;
}
