/**
 * The venues' request limits as data (see docs/architecture.md, Request budget): which token
 * buckets a call draws from, how much it costs in each, and whether a rate-limit refusal
 * backs off the account or every account on the venue host. Pure.
 *
 * Sources: ccxt 4.5's `rateLimit` (the minimum interval its limiter keeps per instance: Bybit
 * 20 ms, Binance 50 ms) and its endpoint costs (`binance.js`, `fapiPrivate`: `positionRisk` 5,
 * `openOrders` 1 with a symbol and 40 without, `order` 1); Binance USD-M's limits (2,400
 * request weight per minute per IP, answered with 429 and then 418; 300 orders per 10 s per
 * account); Bybit v5's (per UID and endpoint per second: create and cancel 10, order and
 * position reads 50; 600 requests per 5 s per IP, answered with 403).
 *
 * @example
 * const limits = venueLimits('binanceusdm');
 * limits.cost({ method: 'fetchPositions' }) // { ipWeight: 5, account: 1 }
 */

/** A token bucket: `capacity` tokens, refilled at `perSecond`. */
export interface BucketRule {
  readonly capacity: number;
  readonly perSecond: number;
}

/** Whose budget a bucket is: one account's, or every account's of this process on the venue host (an IP limit). */
export type LimitScope = 'account' | 'host';

export interface BucketLimit extends BucketRule {
  readonly name: string;
  readonly scope: LimitScope;
}

/** The calls the budget prices (an `ExchangePort` method and what changes its cost). */
export interface PricedCall {
  readonly method:
    | 'loadMarkets'
    | 'fetchPositionMode'
    | 'fetchMarkPrice'
    | 'createOrder'
    | 'cancelOrder'
    | 'fetchOrder'
    | 'fetchOpenOrders'
    | 'fetchPositions';
  /** For `fetchOpenOrders`: whether a symbol narrows it (Binance prices the unnarrowed list at 40). */
  readonly symbol?: boolean;
}

export interface VenueLimits {
  readonly venue: string;
  readonly buckets: readonly BucketLimit[];
  /** Where a rate-limit refusal (429/418/403, Bybit 10006) backs off: the account or the host. */
  readonly refusalScope: LimitScope;
  /** Tokens the call takes from each bucket (by name); a bucket not named costs nothing. */
  cost(call: PricedCall): Readonly<Record<string, number>>;
}

const isOrder = (c: PricedCall): boolean => c.method === 'createOrder' || c.method === 'cancelOrder';

const BINANCE_WEIGHTS: Readonly<Record<PricedCall['method'], number>> = {
  loadMarkets: 1,
  fetchPositionMode: 30,
  fetchMarkPrice: 1,
  createOrder: 1,
  cancelOrder: 1,
  fetchOrder: 1,
  fetchOpenOrders: 1,
  fetchPositions: 5,
};

const BINANCE: VenueLimits = {
  venue: 'binanceusdm',
  buckets: [
    // 2,400 weight per minute per IP; a bucket of a quarter of it keeps bursts short of the 429.
    { name: 'ipWeight', scope: 'host', capacity: 600, perSecond: 40 },
    // ccxt's rateLimit (50 ms) per account instance; orders also within 300 per 10 s.
    { name: 'account', scope: 'account', capacity: 20, perSecond: 20 },
    { name: 'orders', scope: 'account', capacity: 300, perSecond: 30 },
  ],
  refusalScope: 'host',
  cost: (c) => ({
    ipWeight: c.method === 'fetchOpenOrders' && c.symbol !== true ? 40 : BINANCE_WEIGHTS[c.method],
    account: 1,
    ...(isOrder(c) ? { orders: 1 } : {}),
  }),
};

const BYBIT: VenueLimits = {
  venue: 'bybit',
  buckets: [
    { name: 'ip', scope: 'host', capacity: 600, perSecond: 120 },
    // ccxt's rateLimit (20 ms) per account instance; per-UID endpoint limits below it.
    { name: 'account', scope: 'account', capacity: 50, perSecond: 50 },
    { name: 'orders', scope: 'account', capacity: 10, perSecond: 10 },
  ],
  refusalScope: 'account',
  cost: (c) => ({ ip: 1, account: 1, ...(isOrder(c) ? { orders: 1 } : {}) }),
};

/** A venue with no known limits (the in-process simulator): nothing is metered, refusals still back off. */
const UNMETERED = (venue: string): VenueLimits => ({ venue, buckets: [], refusalScope: 'account', cost: () => ({}) });

/** The limits of a venue by its ccxt id (`bybit`, `binanceusdm`); any other venue is unmetered. */
export function venueLimits(venue: string): VenueLimits {
  if (venue === 'bybit') return BYBIT;
  if (venue === 'binanceusdm' || venue === 'binance') return BINANCE;
  return UNMETERED(venue);
}
