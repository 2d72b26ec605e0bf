/**
 * One order of a position and what the sources said of it: the order track, and the pure
 * folds of reports into it (see docs/architecture.md, Order fates). Filled only grows; a
 * terminal status never reopens; a report that is not newer and says the same changes
 * nothing. `isOutstanding` is the one rule of "this order may still be on the venue".
 *
 * @example
 * const t = foldOrderReport(newOrderTrack('stop', cid, 'sell', 43), report);
 * isOutstanding(t) // true while the stop may still rest or execute on the venue
 */
import type { OrderRole } from '../domain/client-order-id.js';
import { add, gt } from '../domain/decimal.js';
import type { ClientOrderId, VenueOrderId } from '../domain/ids.js';
import { orderFate, type OrderFate } from '../domain/order-fate.js';
import { PosguardError } from '../domain/errors.js';
import { compareTiming } from '../domain/freshness.js';
import { isTerminalOrderStatus, type FillReport, type OrderStatusReport } from '../domain/reports.js';
import type { Side } from '../domain/side.js';

/** One order of this position: what was sent, and what the sources said of it since. */
export interface OrderTrack {
  readonly role: OrderRole;
  readonly clientOrderId: ClientOrderId;
  readonly side: Side;
  readonly amount: number;
  readonly venueOrderId: VenueOrderId | undefined;
  readonly sentAt: number | undefined;
  readonly send: 'not-sent' | 'accepted' | 'unknown' | 'rejected';
  readonly rejectReason: string | undefined;
  /** The code of a rejected send (`RATE_LIMITED`, `INVALID_TRIGGER_PRICE`, …). */
  readonly rejectCode?: string | undefined;
  /** When a transient rejection may be tried again (the venue's retry-after), local time. */
  readonly retryAt?: number | undefined;
  /** The freshest order report; `filled` never goes down, a terminal status never reopens. */
  readonly report: OrderStatusReport | undefined;
  readonly fillIds: readonly string[];
  readonly fillTotal: number;
}

export function newOrderTrack(role: OrderRole, clientOrderId: ClientOrderId, side: Side, amount: number): OrderTrack {
  return {
    role,
    clientOrderId,
    side,
    amount,
    venueOrderId: undefined,
    sentAt: undefined,
    send: 'not-sent',
    rejectReason: undefined,
    report: undefined,
    fillIds: [],
    fillTotal: 0,
  };
}

/**
 * The track of an order found on the venue by its client order id, sent by an earlier life of
 * this position that the store forgot: accepted, with the report found.
 */
export function foundOrderTrack(
  role: OrderRole,
  report: OrderStatusReport & { clientOrderId: ClientOrderId },
): OrderTrack {
  const track = newOrderTrack(role, report.clientOrderId, report.side, report.amount);
  return foldOrderReport({ ...track, send: 'accepted', sentAt: report.receivedAt }, report);
}

/** Folds an order report into a track: filled only grows, a terminal status never reopens. */
export function foldOrderReport(track: OrderTrack, report: OrderStatusReport): OrderTrack {
  const prev = track.report;
  let next = report;
  // A report that is not newer and says what the track's report says changes nothing (a REST
  // read of an order the stream already reported).
  if (
    prev !== undefined &&
    prev.status === report.status &&
    prev.filled === report.filled &&
    compareTiming(report, prev) <= 0 &&
    track.venueOrderId !== undefined
  )
    return track;
  if (prev !== undefined) {
    const prevTerminal = isTerminalOrderStatus(prev.status);
    if (prevTerminal && !isTerminalOrderStatus(report.status)) next = { ...report, status: prev.status };
    // A stop that triggered stays triggered until it ends (an older "open" never undoes it).
    else if (prev.status === 'triggered' && report.status === 'open') next = { ...report, status: 'triggered' };
    if (gt(prev.filled, next.filled)) next = { ...next, filled: prev.filled, averagePrice: prev.averagePrice };
  }
  return { ...track, report: next, venueOrderId: track.venueOrderId ?? report.venueOrderId };
}

export function foldFill(track: OrderTrack, fill: FillReport): OrderTrack {
  if (track.fillIds.includes(fill.tradeId)) return track;
  return { ...track, fillIds: [...track.fillIds, fill.tradeId], fillTotal: add(track.fillTotal, fill.amount) };
}

/** What the sources prove this order filled (the largest proven amount). */
export function provenFilled(track: OrderTrack): number {
  const reported = track.report?.filled ?? 0;
  return gt(track.fillTotal, reported) ? track.fillTotal : reported;
}

/** True when a report shows the order ended (filled, cancelled, rejected or expired). */
export function isTerminal(track: OrderTrack | undefined): boolean {
  return track?.report !== undefined && isTerminalOrderStatus(track.report.status);
}

/**
 * The one rule of "this order may still be on the venue": a report shows it working or
 * executing, or it was sent (accepted, or unknown) and no report shows it ended. A send the
 * venue rejected never reached its book; an order never sent is not there.
 */
export function isOutstanding(track: OrderTrack | undefined): boolean {
  if (track === undefined) return false;
  if (track.report !== undefined) return !isTerminalOrderStatus(track.report.status);
  return track.send === 'accepted' || track.send === 'unknown';
}

/** The track's fate by its freshest report, with its fills counted (see `orderFate`). */
export function trackFate(track: OrderTrack): OrderFate | undefined {
  const fate = orderFate(track.report);
  if (fate === 'lost' && gt(track.fillTotal, 0)) return 'filled';
  if (fate === 'working' && gt(track.fillTotal, 0)) return 'executing';
  return fate;
}

/** What identifies the order a report is about. */
export interface TrackRef {
  readonly clientOrderId: ClientOrderId | undefined;
  readonly venueOrderId: VenueOrderId;
}

export function matches(track: OrderTrack, r: TrackRef): boolean {
  return (
    (r.clientOrderId !== undefined && r.clientOrderId === track.clientOrderId) ||
    (track.venueOrderId !== undefined && track.venueOrderId === r.venueOrderId)
  );
}

/** `ts` with `f` applied to the tracks that match `r`; `ts` itself when none changed. */
export function mapMatching<R extends TrackRef>(
  ts: readonly OrderTrack[],
  r: R,
  f: (t: OrderTrack, r: R) => OrderTrack,
): readonly OrderTrack[] {
  let out: OrderTrack[] | undefined;
  ts.forEach((t, i) => {
    const next = matches(t, r) ? f(t, r) : t;
    if (next !== t) (out ??= ts.slice())[i] = next;
  });
  return out ?? ts;
}

/** `ts` with its last track replaced by `t`. */
export function withLast(ts: readonly OrderTrack[], t: OrderTrack): OrderTrack[] {
  return [...ts.slice(0, -1), t];
}

/** The last track of `ts`; throws `MissingTrack` when there is none (a state entered out of order). */
export function lastTrack(ts: readonly OrderTrack[], what: string): OrderTrack {
  const t = ts.at(-1);
  if (t === undefined) throw new MissingTrack(what);
  return t;
}

/** A state that works on an order found none: a broken invariant, not exchange trouble. */
export class MissingTrack extends PosguardError {
  readonly code = 'MISSING_TRACK';
  constructor(what: string) {
    super(`the position machine expected ${what} and found none; the actor is restarted from its last good snapshot`);
  }
}
