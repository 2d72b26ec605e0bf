/**
 * `ExchangePort`: the only way anything in posguard talks to an exchange (see docs/architecture.md, Exchanges).
 *
 * State-changing calls (`createOrder`, `cancelOrder`) never throw for exchange trouble: they
 * return `Accepted | Rejected | Unknown`. Queries throw `QueryFailed` when they cannot answer
 * (a failed query is never "not found" and never "flat"); a query that did answer and did
 * not find the order returns `undefined`.
 *
 * Implementations: `sim` (in-process simulated exchange), `ccxt` (real venues and the wire
 * simulator).
 */
import type { AccountId, ClientOrderId, VenueOrderId } from '../domain/ids.js';
import type { Market } from '../domain/market.js';
import type { Outcome } from '../domain/outcome.js';
import type { OrderStatusReport, PositionStatusReport, ReportTiming } from '../domain/reports.js';
import type { StreamEvent } from '../domain/stream-events.js';
import type { OrderRequest } from '../domain/order-request.js';
import type { PriceTick } from '../domain/entry-fast-path.js';
import { PosguardError } from '../domain/errors.js';

export type { OrderRequest };

/**
 * What an accepted create tells us. `report` is present only when the venue's reply was
 * complete (Binance); Bybit answers with the ids alone, and the order must be queried.
 */
export interface CreateAck {
  readonly venueOrderId: VenueOrderId;
  readonly clientOrderId: ClientOrderId;
  readonly report: OrderStatusReport | undefined;
}

export type OrderLookup =
  | { readonly venueOrderId: VenueOrderId; readonly clientOrderId?: undefined }
  | { readonly clientOrderId: ClientOrderId; readonly venueOrderId?: undefined };

/**
 * An order looked up by id: the order, or the venue's "not found" with the timing of the state
 * that answer shows (see docs/architecture.md, Evidence and freshness: an absence counts only
 * from a state new enough). Real venues give no time of the state a "not found" shows: its
 * `venueTime` is then `undefined` and its `receivedAt` the time its request left.
 */
export type OrderLookupReply =
  | { readonly order: OrderStatusReport; readonly absence?: undefined }
  | { readonly order: undefined; readonly absence: ReportTiming };

export type PositionMode = 'one-way' | 'hedge';

/**
 * The price that fires a stop: the mark price or the last traded price. A port applies its
 * `triggerBy` option (`protection.triggerBy`) to every stop it places: Bybit `triggerBy`,
 * Binance `workingType`.
 */
export type { TriggerBy, PriceTick } from '../domain/entry-fast-path.js';

export type { StreamEvent } from '../domain/stream-events.js';

export interface StreamSubscription {
  close(): Promise<void>;
}

export interface ExchangePort {
  readonly account: AccountId;
  /** The ccxt id of the venue, or `sim`. */
  readonly venue: string;
  /** The venue's API host, where the port knows it: IP-scoped limits are budgeted per host. */
  readonly host?: string;
  loadMarkets(): Promise<ReadonlyMap<string, Market>>;
  fetchMarkPrice(symbol: string): Promise<number>;
  fetchPositionMode(): Promise<PositionMode>;
  createOrder(request: OrderRequest): Promise<Outcome<CreateAck>>;
  cancelOrder(lookup: OrderLookup, symbol: string): Promise<Outcome<{ readonly venueOrderId: VenueOrderId }>>;
  /** The order, or `undefined` when the venue answered and does not know it (yet). */
  fetchOrder(lookup: OrderLookup, symbol: string): Promise<OrderStatusReport | undefined>;
  /**
   * `fetchOrder` whose "not found" carries the timing of the state it shows (`lookUpOrder` below
   * answers it for a port without this verb: the time its request left, no venue time).
   */
  lookUpOrder?(lookup: OrderLookup, symbol: string): Promise<OrderLookupReply>;
  fetchOpenOrders(symbol?: string): Promise<OrderStatusReport[]>;
  /**
   * Every position of the account, in one call; flat ones may be left out, except for the
   * `symbols` asked for: those are answered too, flat if not held (a positive flat report,
   * at the cost of one more query for each the list omits).
   */
  fetchPositions(symbols?: readonly string[]): Promise<PositionStatusReport[]>;
  /** Opens the private stream; events arrive on `onEvent` until `close()`. */
  subscribe(onEvent: (event: StreamEvent) => void): StreamSubscription;
  /**
   * Watches the venue's public ticker stream of `symbol` (no request budget: a public stream):
   * every tick arrives on `onTick` until `close()`, stamped with the venue's time of the price.
   * Absent where the port has none; the entry then fetches its price (see docs/architecture.md,
   * Request budget).
   */
  watchTicker?(symbol: string, onTick: (tick: PriceTick) => void): StreamSubscription;
  /** Releases connections; the port is unusable afterwards. */
  close(): Promise<void>;
  /** The venue's last reported rate-limit state, where the port reads one (the ccxt port). */
  rateLimits?(): RateLimitState | undefined;
}

/**
 * What a venue's reply headers said about its rate limits (see ccxt/rate-limit-state.ts):
 * Bybit's per-endpoint limit, requests left and reset time; Binance's used weight and order
 * counts; a `Retry-After`. For the request budget: nothing is decided from it here.
 */
export interface RateLimitState {
  readonly at: number;
  readonly status: number;
  readonly limit?: number;
  readonly remaining?: number;
  readonly resetAt?: number;
  readonly usedWeight1m?: number;
  readonly orderCount10s?: number;
  readonly orderCount1m?: number;
  readonly retryAfterMs?: number;
}

/** A query that could not be answered: it says nothing about the order or position. */
export class QueryFailed extends PosguardError {
  readonly code = 'QUERY_FAILED';
  /** `refusal`: the venue's code when it refused the query (`RATE_LIMITED`: the request budget backs off). */
  constructor(
    readonly operation: string,
    readonly reason: string,
    readonly retryAfterMs?: number,
    readonly refusal?: string,
  ) {
    super(`${operation} failed: ${reason}; nothing is concluded from it`);
  }
}

/**
 * The order by `lookup`, or the timing of the venue's "not found": the port's own `lookUpOrder`
 * where it has one, else `lookUpByFetch`.
 */
export function lookUpOrder(
  port: ExchangePort,
  now: () => number,
  lookup: OrderLookup,
  symbol: string,
): Promise<OrderLookupReply> {
  return port.lookUpOrder !== undefined ? port.lookUpOrder(lookup, symbol) : lookUpByFetch(port, now, lookup, symbol);
}

/**
 * `fetchOrder` whose "not found" is as old as its request: the time it left, no venue time (a
 * request queued first is stamped earlier, never later, than it left).
 */
export async function lookUpByFetch(
  port: ExchangePort,
  now: () => number,
  lookup: OrderLookup,
  symbol: string,
): Promise<OrderLookupReply> {
  const leftAt = now();
  const order = await port.fetchOrder(lookup, symbol);
  return order !== undefined
    ? { order }
    : { order: undefined, absence: { source: 'order-query', venueTime: undefined, receivedAt: leftAt } };
}
