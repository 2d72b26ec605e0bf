/**
 * What a source says about an order, a position or an execution (NautilusTrader's
 * `OrderStatusReport`, `PositionStatusReport`, `FillReport`). Every report carries the venue's
 * time (and sequence number where the venue gives one) apart from the local receive time,
 * and the source it came from, because sources differ in lag (see docs/architecture.md, Principles).
 */
import type { ClientOrderId, VenueOrderId } from './ids.js';
import type { Side } from './side.js';

/** Freshest first: the private stream, the order's own status, the REST position list. */
export type ReportSource = 'stream' | 'order-query' | 'position-query';

export interface ReportTiming {
  readonly source: ReportSource;
  /** The venue's time of the state reported (ms since epoch), when it gives one. */
  readonly venueTime: number | undefined;
  /** The venue's sequence number for this object, when it gives one (Bybit's position `seq`). */
  readonly venueSeq?: number | undefined;
  /**
   * Local time of the report: for the stream, when it arrived; for a query, when its request
   * left (a reply is no fresher than its request, however long it waited in the queue or on
   * the wire), and the lag and freshness rules use that time (see docs/architecture.md, Request budget).
   */
  readonly receivedAt: number;
}

export type OrderType = 'market' | 'limit' | 'stop-market';

/**
 * `open` covers new, partially filled and (for a conditional order) untriggered; `triggered`
 * is a conditional order whose trigger fired and whose order is in the matching engine (it
 * may still fill: executing, neither filled nor lost); `filled` is fully filled. A terminal
 * status with `filled > 0` executed (fully or in part); with `filled = 0` it never did.
 * The venue's own word stays in `venueStatus` where the unified one loses meaning (Binance's
 * algo `FINISHED` is "filled or cancelled in the engine").
 */
export type OrderStatus = 'open' | 'triggered' | 'filled' | 'cancelled' | 'rejected' | 'expired';

export function isTerminalOrderStatus(s: OrderStatus): boolean {
  return s !== 'open' && s !== 'triggered';
}

export interface OrderStatusReport extends ReportTiming {
  readonly venueOrderId: VenueOrderId;
  readonly clientOrderId: ClientOrderId | undefined;
  readonly symbol: string;
  readonly side: Side;
  readonly type: OrderType;
  /** Ordered amount. */
  readonly amount: number;
  /** Executed amount so far. */
  readonly filled: number;
  readonly averagePrice: number | undefined;
  readonly status: OrderStatus;
  readonly reduceOnly: boolean;
  readonly triggerPrice: number | undefined;
  /** The venue's raw status (`FINISHED`, `Cancelled`, …), when the adapter read it. */
  readonly venueStatus?: string | undefined;
  /** The venue's reason for a rejection or cancellation (Binance `rm`, Bybit `rejectReason`), when it gives one. */
  readonly rejectReason?: string | undefined;
}

export interface PositionStatusReport extends ReportTiming {
  readonly symbol: string;
  /** `undefined` exactly when the position is flat (size 0). */
  readonly side: Side | undefined;
  /** Absolute size in contracts; 0 when flat. */
  readonly size: number;
  readonly entryPrice: number | undefined;
  readonly markPrice: number | undefined;
  /** Hedge-mode position index (1 buy side, 2 sell side); absent in one-way mode. */
  readonly hedgeIndex?: number | undefined;
}

export interface FillReport extends ReportTiming {
  readonly tradeId: string;
  readonly venueOrderId: VenueOrderId;
  readonly clientOrderId: ClientOrderId | undefined;
  readonly symbol: string;
  readonly side: Side;
  readonly amount: number;
  readonly price: number;
}

/**
 * The signed position on a symbol just before an entry was sent (journalled with the intent),
 * with the timing of the report it came from: position evidence counts toward the entry's
 * fill only as a change from it, and only if it is newer (see docs/architecture.md, Evidence
 * and freshness). Baselines journalled before timings were kept have none.
 */
export interface Baseline {
  readonly side: Side | undefined;
  readonly size: number;
  readonly timing?: ReportTiming | undefined;
}

export function isFlat(p: Pick<PositionStatusReport, 'size'>): boolean {
  return p.size === 0;
}
