/**
 * The facts about one order, position or fill that the venue formats (Bybit's and Binance's)
 * render, gathered from what the simulated venue gives: ccxt-shaped orders and position views
 * from its request side, domain reports from its stream. Pure.
 *
 * @example
 * orderFactsOf(ccxtOrder)                       // from a REST answer
 * orderFactsOfReport(report, venue.orders(a))   // from a stream event
 */
import { dec } from '../domain/decimal.js';
import type { FillReport, OrderStatusReport, OrderType, PositionStatusReport } from '../domain/reports.js';
import type { Side } from '../domain/side.js';
import type { EndReason, TriggerBy } from '../exchange/sim/venue-rules.js';
import type { CcxtOrder, CcxtOrderStatus, PositionView } from '../exchange/sim/venue-replies.js';

/** An order at one moment, as both venue formats need it. */
export interface OrderFacts {
  /** The simulated venue's order id. */
  readonly id: string;
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly type: OrderType;
  readonly amount: number;
  readonly filled: number;
  readonly average: number | undefined;
  readonly price: number | undefined;
  readonly triggerPrice: number | undefined;
  readonly reduceOnly: boolean;
  readonly status: CcxtOrderStatus;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** The price that fires a stop (`undefined` for other orders). */
  readonly triggerBy: TriggerBy | undefined;
  /** When a stop's trigger fired: its order entered the matching engine. */
  readonly triggeredAt: number | undefined;
  /** Why the venue ended the order, when it did. */
  readonly endReason: EndReason | undefined;
  /** The last price when the order was placed. */
  readonly lastPriceOnCreated: number | undefined;
  /** The market's price step. */
  readonly priceStep: number | undefined;
}

/** A position at one moment: signed size, entry, mark, sequence, time. */
export interface PositionFacts {
  readonly symbol: string;
  /** Positive long, negative short, 0 flat. */
  readonly size: number;
  readonly entryPrice: number | undefined;
  readonly markPrice: number | undefined;
  readonly seq: number;
  readonly updatedAt: number;
}

/** The facts of a ccxt-shaped order from the venue's request side. */
export function orderFactsOf(o: CcxtOrder): OrderFacts {
  return {
    id: o.id,
    clientOrderId: o.clientOrderId,
    symbol: o.symbol,
    side: o.side,
    type: o.triggerPrice !== undefined ? 'stop-market' : o.type,
    amount: o.amount,
    filled: o.filled,
    average: o.average,
    price: o.price,
    triggerPrice: o.triggerPrice,
    reduceOnly: o.reduceOnly,
    status: o.status,
    createdAt: o.timestamp,
    updatedAt: o.lastUpdateTimestamp,
    triggerBy: o.info?.triggerBy,
    triggeredAt: o.info?.triggeredAt,
    endReason: o.info?.endReason,
    lastPriceOnCreated: o.info?.lastPriceOnCreated,
    priceStep: o.info?.priceStep,
  };
}

const CCXT_STATUS: Readonly<Record<OrderStatusReport['status'], CcxtOrderStatus>> = {
  open: 'open',
  triggered: 'triggered',
  filled: 'closed',
  cancelled: 'canceled',
  rejected: 'rejected',
  expired: 'expired',
};

/**
 * The facts of a streamed order report; the creation time, limit price and the venue's own
 * facts, which reports do not carry, come from the venue's record of the order (`known`).
 */
export function orderFactsOfReport(r: OrderStatusReport, known: readonly CcxtOrder[]): OrderFacts {
  const original = known.find((o) => o.id === r.venueOrderId);
  const at = r.venueTime ?? r.receivedAt;
  const status = CCXT_STATUS[r.status];
  return {
    id: r.venueOrderId,
    clientOrderId: r.clientOrderId ?? '',
    symbol: r.symbol,
    side: r.side,
    type: r.type,
    amount: r.amount,
    filled: r.filled,
    average: r.averagePrice,
    price: original?.price,
    triggerPrice: r.triggerPrice,
    reduceOnly: r.reduceOnly,
    status,
    createdAt: original?.timestamp ?? at,
    updatedAt: at,
    triggerBy: original?.info?.triggerBy,
    // A stop reported open has not triggered yet, whatever the venue's record says by now.
    triggeredAt: status === 'open' ? undefined : original?.info?.triggeredAt,
    endReason:
      status === 'open' || status === 'triggered' || status === 'closed' ? undefined : original?.info?.endReason,
    lastPriceOnCreated: original?.info?.lastPriceOnCreated,
    priceStep: original?.info?.priceStep,
  };
}

/** The facts of a position view from the venue's request side. */
export function positionFactsOf(v: PositionView): PositionFacts {
  return {
    symbol: v.symbol,
    size: v.size,
    entryPrice: v.entryPrice,
    markPrice: v.markPrice,
    seq: v.seq,
    updatedAt: v.at,
  };
}

/** The facts of a streamed position report. */
export function positionFactsOfReport(r: PositionStatusReport): PositionFacts {
  const size = r.side === 'sell' ? -r.size : r.size;
  return {
    symbol: r.symbol,
    size,
    entryPrice: r.entryPrice,
    markPrice: r.markPrice,
    seq: r.venueSeq ?? 0,
    updatedAt: r.venueTime ?? r.receivedAt,
  };
}

/** A fill, with the facts of its order where the venue still knows it. */
export interface FillFacts {
  readonly fill: FillReport;
  readonly order: CcxtOrder | undefined;
}

/** A number as the venues write it: a plain decimal string, `''` when absent. */
export function num(n: number | undefined, absent = ''): string {
  return n === undefined ? absent : dec(n).toFixed();
}
