/**
 * `normalizeOrder`: turns a ccxt-shaped order (what ccxt's `parseOrder` returns, and what
 * the simulator replies) into an `OrderStatusReport`, fail-fast (see docs/architecture.md, Principles).
 *
 * A missing or unrecognised id, symbol, side, amount, filled or status throws
 * `MalformedOrderReply` naming the field and the venue order id. It never invents a value:
 * the incident began with a missing side turned into the string `'unknown'`.
 *
 * @example
 * normalizeOrder({ id: '1', clientOrderId: 'pg-…-e' }, { source: 'order-query', receivedAt })
 * // throws MalformedOrderReply: field 'symbol' missing
 */
import { MalformedOrderReply } from './errors.js';
import { asClientOrderId, asVenueOrderId, type VenueOrderId } from './ids.js';
import type { OrderStatus, OrderStatusReport, OrderType, ReportSource } from './reports.js';
import { isSide } from './side.js';

export interface NormalizeContext {
  readonly source: ReportSource;
  readonly receivedAt: number;
}

const STATUSES: Readonly<Record<string, OrderStatus>> = {
  open: 'open',
  // Not a ccxt status: a venue profile sets it from the venue's raw status (see reports.ts).
  triggered: 'triggered',
  closed: 'filled',
  canceled: 'cancelled',
  cancelled: 'cancelled',
  rejected: 'rejected',
  expired: 'expired',
};

function record(raw: unknown): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new MalformedOrderReply('(reply)', undefined, `no order object but ${raw === null ? 'null' : typeof raw}`);
  }
  return raw as Record<string, unknown>;
}

function finiteNumber(o: Record<string, unknown>, field: string, id: VenueOrderId): number {
  const v = o[field];
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new MalformedOrderReply(field, id, describe(v));
  if (n < 0) throw new MalformedOrderReply(field, id, `a negative value ${n}`);
  return n;
}

function optionalPositive(o: Record<string, unknown>, field: string): number | undefined {
  const v = o[field];
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}

function describe(v: unknown): string {
  return v === undefined || v === null || v === '' ? 'no value' : `an unrecognised value ${JSON.stringify(v)}`;
}

function orderType(o: Record<string, unknown>, id: VenueOrderId): OrderType {
  const trigger = optionalPositive(o, 'triggerPrice') ?? optionalPositive(o, 'stopPrice');
  const t = o.type;
  if (t === 'limit') return trigger === undefined ? 'limit' : 'stop-market';
  if (t === 'market') return trigger === undefined ? 'market' : 'stop-market';
  if (t === 'stop' || t === 'stop_market' || t === 'stop-market' || t === 'STOP_MARKET') return 'stop-market';
  throw new MalformedOrderReply('type', id, describe(t));
}

export function normalizeOrder(raw: unknown, ctx: NormalizeContext): OrderStatusReport {
  const o = record(raw);
  if (typeof o.id !== 'string' || o.id === '') throw new MalformedOrderReply('id', undefined, describe(o.id));
  const id = asVenueOrderId(o.id);
  if (typeof o.symbol !== 'string' || o.symbol === '') throw new MalformedOrderReply('symbol', id, describe(o.symbol));
  if (!isSide(o.side)) throw new MalformedOrderReply('side', id, describe(o.side));
  const amount = finiteNumber(o, 'amount', id);
  if (amount === 0) throw new MalformedOrderReply('amount', id, 'a zero amount');
  const filled = finiteNumber(o, 'filled', id);
  const status = typeof o.status === 'string' ? STATUSES[o.status] : undefined;
  if (status === undefined) throw new MalformedOrderReply('status', id, describe(o.status));
  const cid = o.clientOrderId;
  const venueTime = optionalPositive(o, 'lastUpdateTimestamp') ?? optionalPositive(o, 'timestamp');
  return {
    source: ctx.source,
    receivedAt: ctx.receivedAt,
    venueTime,
    venueOrderId: id,
    clientOrderId: typeof cid === 'string' && cid !== '' ? asClientOrderId(cid) : undefined,
    symbol: o.symbol,
    side: o.side,
    type: orderType(o, id),
    amount,
    filled,
    averagePrice: optionalPositive(o, 'average'),
    status,
    reduceOnly: o.reduceOnly === true,
    triggerPrice: optionalPositive(o, 'triggerPrice') ?? optionalPositive(o, 'stopPrice'),
    ...(typeof o.venueStatus === 'string' && o.venueStatus !== '' ? { venueStatus: o.venueStatus } : {}),
    ...(typeof o.rejectReason === 'string' && o.rejectReason !== '' ? { rejectReason: o.rejectReason } : {}),
  };
}
