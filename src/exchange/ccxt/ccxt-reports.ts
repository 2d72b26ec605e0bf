/**
 * ccxt structures into posguard's reports: orders through the domain's fail-fast
 * `normalizeOrder` (after the venue profile's preparation), positions through
 * `normalizePosition` with the venue's sequence number, trades into `FillReport`s. A trade
 * without an id, order id, symbol, side, amount or price gives no report (never a guess).
 * Pure.
 *
 * @example
 * orderReport(profile, ccxtOrder, 'stream', now) // OrderStatusReport, or throws MalformedOrderReply
 */
import type { Order, Position, Trade } from 'ccxt';
import { asClientOrderId, asVenueOrderId } from '../../domain/ids.js';
import { normalizeOrder } from '../../domain/normalize-order.js';
import type { FillReport, OrderStatusReport, PositionStatusReport, ReportSource } from '../../domain/reports.js';
import { isSide } from '../../domain/side.js';
import { normalizePosition } from './normalize-position.js';
import type { VenueProfile } from './venue-profile.js';

/** The order's report; throws `MalformedOrderReply` when a field is missing. */
export function orderReport(
  profile: VenueProfile,
  order: Order,
  source: ReportSource,
  receivedAt: number,
): OrderStatusReport {
  return normalizeOrder(profile.prepareOrder(order), { source, receivedAt });
}

/** The position's report; throws `MalformedPositionReply` when a field is missing. */
export function positionReport(
  profile: VenueProfile,
  p: Position,
  source: ReportSource,
  receivedAt: number,
): PositionStatusReport {
  const venueTime = profile.positionTime?.(p);
  return normalizePosition(p, {
    source,
    receivedAt,
    venueSeq: profile.positionSeq(p),
    hedgeIndex: profile.hedgeIndex(p),
    ...(venueTime === undefined ? {} : { venueTime }),
  });
}

const positive = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;

/** The fill of a trade of the account, or `undefined` when the trade lacks a field. */
export function fillReport(profile: VenueProfile, t: Trade, receivedAt: number): FillReport | undefined {
  const amount = positive(t.amount);
  const price = positive(t.price);
  if (
    typeof t.id !== 'string' ||
    t.id === '' ||
    typeof t.order !== 'string' ||
    t.order === '' ||
    typeof t.symbol !== 'string' ||
    !isSide(t.side) ||
    amount === undefined ||
    price === undefined
  )
    return undefined;
  const cid = profile.tradeClientOrderId(t);
  return {
    source: 'stream',
    receivedAt,
    venueTime: positive(t.timestamp),
    tradeId: t.id,
    venueOrderId: asVenueOrderId(t.order),
    clientOrderId: cid === undefined ? undefined : asClientOrderId(cid),
    symbol: t.symbol,
    side: t.side,
    amount,
    price,
  };
}
