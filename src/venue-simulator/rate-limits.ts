/**
 * The rate-limit headers the wire simulator sends, counted on the venue clock as the venues
 * count them: Bybit's `X-Bapi-Limit`, `X-Bapi-Limit-Status` (requests left) and
 * `X-Bapi-Limit-Reset-Timestamp` on every private reply, per account and endpoint over one
 * second; Binance's `X-MBX-USED-WEIGHT-1M` on every reply (per IP: here, per simulator) and
 * `X-MBX-ORDER-COUNT-10S`/`-1M` on order replies. They inform; the `rateLimited` fault refuses.
 * Touches only its counters.
 *
 * @example
 * const limits = new RateLimitCounters(() => venue.clock.now());
 * limits.bybit('main', 'POST /v5/order/create') // { 'X-Bapi-Limit': '10', 'X-Bapi-Limit-Status': '9', … }
 */

/** Bybit's per-endpoint limits (requests per second per UID) for the endpoints served (docs, v5 rate limit table). */
const BYBIT_LIMITS: Readonly<Record<string, number>> = {
  'POST /v5/order/create': 10,
  'POST /v5/order/cancel': 10,
  'GET /v5/order/realtime': 50,
  'GET /v5/order/history': 50,
  'GET /v5/position/list': 50,
};
const BYBIT_DEFAULT_LIMIT = 10;

interface Window {
  start: number;
  used: number;
}

export class RateLimitCounters {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly now: () => number) {}

  /** Counts one private Bybit request; its headers. */
  bybit(account: string, endpoint: string): Record<string, string> {
    const limit = BYBIT_LIMITS[endpoint] ?? BYBIT_DEFAULT_LIMIT;
    const w = this.count(`bybit ${account} ${endpoint}`, 1_000, 1);
    const left = limit - w.used;
    return {
      'X-Bapi-Limit': String(limit),
      'X-Bapi-Limit-Status': String(Math.max(0, left)),
      'X-Bapi-Limit-Reset-Timestamp': String(left < 0 ? w.start + 1_000 : this.now()),
    };
  }

  /** Counts one Binance request of `weight` (and one order when `order`); its headers. */
  binance(weight: number, order: boolean): Record<string, string> {
    const used = this.count('binance weight', 60_000, weight).used;
    const headers: Record<string, string> = { 'X-MBX-USED-WEIGHT-1M': String(used) };
    if (order) {
      headers['X-MBX-ORDER-COUNT-10S'] = String(this.count('binance orders 10s', 10_000, 1).used);
      headers['X-MBX-ORDER-COUNT-1M'] = String(this.count('binance orders 1m', 60_000, 1).used);
    }
    return headers;
  }

  private count(key: string, windowMs: number, n: number): Window {
    const now = this.now();
    const start = now - (now % windowMs);
    const w = this.windows.get(key);
    if (w === undefined || w.start !== start) {
      const fresh = { start, used: n };
      this.windows.set(key, fresh);
      return fresh;
    }
    w.used += n;
    return w;
  }
}
