/**
 * What the venues say about their rate limits in reply headers, read from every REST reply for
 * the request budget: Bybit's `X-Bapi-Limit` (the endpoint's limit), `X-Bapi-Limit-Status`
 * (requests left) and `X-Bapi-Limit-Reset-Timestamp` on private replies; Binance's
 * `X-MBX-USED-WEIGHT-1M` (the IP's weight this minute) and `X-MBX-ORDER-COUNT-10S`/`-1M` on order
 * replies; `Retry-After` (seconds) on a 429 or 418. Also the refusal an IP-level HTTP status
 * means: 429 (both venues), 418 (Binance's IP ban), 403 (Bybit's IP limit, Binance's WAF limit):
 * not processed, retry after the venue's wait. Pure.
 *
 * @example
 * readRateLimits(200, { 'X-Bapi-Limit': '10', 'X-Bapi-Limit-Status': '9' }, now) // { status: 200, limit: 10, remaining: 9, at: now }
 */
import type { RateLimitState } from '../port.js';
import type { CodedRefusal } from './venue-profile.js';

/** The last rate-limit state a venue reported (fields the venue did not send are absent). */
export type RateLimitSnapshot = RateLimitState;

/** The header `name`, whatever its case (ccxt capitalises each word). */
function header(headers: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const lower = name.toLowerCase();
  const key = Object.keys(headers).find((k) => k.toLowerCase() === lower);
  const v = key === undefined ? undefined : headers[key];
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' && s !== '' ? s : typeof s === 'number' ? String(s) : undefined;
}

function count(headers: Readonly<Record<string, unknown>>, name: string): number | undefined {
  const n = Number(header(headers, name));
  return header(headers, name) !== undefined && Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** The rate-limit state of one reply, or `undefined` when it says nothing about limits. */
export function readRateLimits(
  status: number,
  headers: Readonly<Record<string, unknown>>,
  at: number,
): RateLimitSnapshot | undefined {
  const retryAfter = count(headers, 'Retry-After');
  const fields: Record<string, number | undefined> = {
    limit: count(headers, 'X-Bapi-Limit'),
    remaining: count(headers, 'X-Bapi-Limit-Status'),
    resetAt: count(headers, 'X-Bapi-Limit-Reset-Timestamp'),
    usedWeight1m: count(headers, 'X-MBX-USED-WEIGHT-1M'),
    orderCount10s: count(headers, 'X-MBX-ORDER-COUNT-10S'),
    orderCount1m: count(headers, 'X-MBX-ORDER-COUNT-1M'),
    retryAfterMs: retryAfter === undefined ? undefined : retryAfter * 1_000,
  };
  const present = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  return Object.keys(present).length === 0 ? undefined : { at, status, ...present };
}

/** Bybit's advice after an IP-level 403: "wait for at least 10 minutes" (v5 rate-limit page). */
const IP_LIMIT_WAIT_MS = 10 * 60_000;

/** The refusal an IP-level HTTP status means (`HTTP_429`, `HTTP_418`, `HTTP_403`), or `undefined`. */
export function ipLimitRefusal(
  status: number,
  headers: Readonly<Record<string, unknown>>,
  now: number,
): CodedRefusal | undefined {
  if (status !== 429 && status !== 418 && status !== 403) return undefined;
  const retryAfter = count(headers, 'Retry-After');
  const resetAt = count(headers, 'X-Bapi-Limit-Reset-Timestamp');
  const retryAfterMs =
    retryAfter !== undefined
      ? retryAfter * 1_000
      : resetAt !== undefined && resetAt > now
        ? resetAt - now
        : status === 403
          ? IP_LIMIT_WAIT_MS
          : undefined;
  return {
    code: `HTTP_${status}`,
    message: `HTTP ${status}: the venue's IP rate limit; not processed`,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
}
