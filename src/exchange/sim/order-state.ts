/**
 * One simulated order at one moment, and its ccxt-shaped form. Pure: states are values,
 * every change makes a new one (the matching engine keeps them on a `Timeline`).
 *
 * @example
 * const raw = toCcxtOrder(state); normalizeOrder(raw, { source: 'order-query', receivedAt });
 */
import { dec, eq, isZero, sub } from '../../domain/decimal.js';
import type { AccountId, ClientOrderId, VenueOrderId } from '../../domain/ids.js';
import type { OrderType } from '../../domain/reports.js';
import type { Side } from '../../domain/side.js';
import type { EndReason } from './venue-rules.js';
import type { CcxtOrder, CcxtOrderStatus, SimOrderInfo } from './venue-replies.js';

/** An order at one moment; `status` uses ccxt's names (and `triggered`, see venue-replies.ts); the venue's own facts as in `SimOrderInfo`. */
export interface OrderState extends SimOrderInfo {
  readonly id: VenueOrderId;
  readonly clientOrderId: ClientOrderId;
  readonly account: AccountId;
  readonly symbol: string;
  readonly side: Side;
  readonly type: OrderType;
  /** Ordered amount; lowered to the position size when a reduce-only order is capped. */
  readonly amount: number;
  readonly price: number | undefined;
  readonly triggerPrice: number | undefined;
  readonly reduceOnly: boolean;
  readonly filled: number;
  readonly average: number | undefined;
  readonly status: CcxtOrderStatus;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Order queries do not see the order before this venue time (index delay). */
  readonly visibleFrom: number;
  /** `external`: placed by "another program" (`openExternalPosition`), not by a port. */
  readonly origin: 'port' | 'external';
}

/** A terminal status: the order will not change again. */
export function isFinished(o: Pick<OrderState, 'status'>): boolean {
  return o.status !== 'open' && o.status !== 'triggered';
}

/** The amount still to fill. */
export function remainingOf(o: Pick<OrderState, 'amount' | 'filled'>): number {
  return sub(o.amount, o.filled);
}

/**
 * The state after a fill of `qty` at `price` at time `at`; `final` ends the rest (IOC), as
 * `remainder` says (`canceled` on Bybit, `expired` on Binance).
 */
export function withFill(
  o: OrderState,
  qty: number,
  price: number,
  at: number,
  final: boolean,
  remainder: 'canceled' | 'expired' = 'canceled',
): OrderState {
  const filled = dec(o.filled).plus(qty);
  const average = isZero(qty)
    ? o.average
    : dec(o.average ?? 0)
        .times(o.filled)
        .plus(dec(price).times(qty))
        .div(filled)
        .toNumber();
  const full = eq(filled, o.amount);
  const status: CcxtOrderStatus = full ? 'closed' : final ? remainder : o.status;
  return {
    ...o,
    filled: filled.toNumber(),
    average,
    status,
    updatedAt: at,
    ...(!full && final ? { endReason: 'unfilled-remainder' as const } : {}),
  };
}

/** The venue's words for why it ended an order, as `normalizeOrder` passes them on. */
const REASONS: Readonly<Record<EndReason, string | undefined>> = {
  user: undefined,
  'unfilled-remainder': 'unfilled remainder cancelled',
  'nothing-to-reduce': 'Reduce Only reject',
  'position-closed': 'position closed',
  'disconnect-protection': 'CancelByDCP',
  engine: 'cancelled in the matching engine',
};

/** The order as ccxt's `parseOrder` would return it. */
export function toCcxtOrder(o: OrderState): CcxtOrder {
  const reason = o.endReason === undefined ? undefined : REASONS[o.endReason];
  return {
    id: o.id,
    clientOrderId: o.clientOrderId,
    symbol: o.symbol,
    side: o.side,
    type: o.type === 'limit' ? 'limit' : 'market',
    amount: o.amount,
    filled: o.filled,
    remaining: remainingOf(o),
    price: o.price,
    average: o.average,
    status: o.status,
    reduceOnly: o.reduceOnly,
    triggerPrice: o.triggerPrice,
    timestamp: o.createdAt,
    lastUpdateTimestamp: o.updatedAt,
    ...(reason === undefined ? {} : { rejectReason: reason }),
    info: {
      venue: o.venue,
      triggerBy: o.triggerBy,
      triggeredAt: o.triggeredAt,
      endReason: o.endReason,
      lastPriceOnCreated: o.lastPriceOnCreated,
      priceStep: o.priceStep,
    },
  };
}
