/**
 * Net one-way positions: the arithmetic of a fill against a position (size and average
 * entry), and the `PositionStatusReport` built from a venue position. Pure.
 *
 * @example
 * applyFill({ size: 43, entryPrice: 0.25 }, 'sell', 43, 0.26) // { size: 0, entryPrice: undefined }
 */
import { abs, add, dec, gt, isZero, lt } from '../../domain/decimal.js';
import type { PositionStatusReport, ReportSource } from '../../domain/reports.js';
import type { Side } from '../../domain/side.js';
import type { PositionView } from './venue-replies.js';

/** A one-way net position: size and average entry. */
export interface NetPosition {
  /** Signed: positive long, negative short, 0 flat. */
  readonly size: number;
  readonly entryPrice: number | undefined;
}

/** No position. */
export const FLAT: NetPosition = { size: 0, entryPrice: undefined };

/** The side a signed size is held on, `undefined` when flat. */
function sideOf(size: number): Side | undefined {
  return gt(size, 0) ? 'buy' : lt(size, 0) ? 'sell' : undefined;
}

/** True when an order on `side` makes the position smaller (never from flat). */
export function reduces(position: NetPosition, side: Side): boolean {
  const held = sideOf(position.size);
  return held !== undefined && held !== side;
}

/** The position after `qty` traded on `side` at `price`. */
export function applyFill(position: NetPosition, side: Side, qty: number, price: number): NetPosition {
  const signed = side === 'buy' ? qty : -qty;
  const size = add(position.size, signed);
  if (isZero(size)) return FLAT;
  const held = sideOf(position.size);
  if (held === undefined || sideOf(size) !== held) return { size, entryPrice: price };
  if (held !== side) return { size, entryPrice: position.entryPrice };
  const before = abs(position.size);
  const entryPrice = dec(position.entryPrice ?? price)
    .times(before)
    .plus(dec(price).times(qty))
    .div(add(before, qty))
    .toNumber();
  return { size, entryPrice };
}

/** The report of a venue position, from a query or the stream. */
export function simPositionReport(view: PositionView, source: ReportSource, receivedAt: number): PositionStatusReport {
  return {
    source,
    receivedAt,
    venueTime: view.at,
    venueSeq: view.seq,
    symbol: view.symbol,
    side: sideOf(view.size),
    size: abs(view.size),
    entryPrice: view.entryPrice,
    markPrice: view.markPrice,
  };
}
