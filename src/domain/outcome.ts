/**
 * The three outcomes of every call that may change exchange state (see docs/architecture.md, Principles).
 * `Unknown` is never turned into `Rejected` by a timer: it is resolved by asking the
 * exchange. A duplicate client order id is `Unknown` (an earlier send may have gone through).
 *
 * @example
 * const o = await port.createOrder(req);
 * if (o.kind === 'unknown') await port.fetchOrder({ clientOrderId: req.clientOrderId }, req.symbol);
 */
export type Outcome<T> =
  | { readonly kind: 'accepted'; readonly value: T }
  | { readonly kind: 'rejected'; readonly reason: string; readonly code?: string; readonly retryAfterMs?: number }
  | { readonly kind: 'unknown'; readonly reason: string; readonly code?: string };

export type OutcomeKind = Outcome<unknown>['kind'];

export const accepted = <T>(value: T): Outcome<T> => ({ kind: 'accepted', value });
export const rejected = (reason: string, code?: string, retryAfterMs?: number): Outcome<never> => ({
  kind: 'rejected',
  reason,
  ...(code ? { code } : {}),
  ...(retryAfterMs !== undefined && retryAfterMs > 0 ? { retryAfterMs } : {}),
});
export const unknown = (reason: string, code?: string): Outcome<never> => ({
  kind: 'unknown',
  reason,
  ...(code ? { code } : {}),
});

/**
 * Rejections that say nothing about the order's content: the request was not processed
 * (a rate limit, a request that never left, a clock or key problem, a venue busy settling)
 * and the same order may be sent again later. Every other rejection is definitive: the venue
 * refused what was asked (a trigger on the wrong side, a reduce-only that would increase, …).
 */
const TRANSIENT_REFUSALS: ReadonlySet<string> = new Set([
  'RATE_LIMITED',
  'NOT_SENT',
  'TIMESTAMP_OUTSIDE_WINDOW',
  'AUTHENTICATION',
  'PERMISSION_DENIED',
  'SERVER_ERROR',
  'SETTLEMENT_IN_PROGRESS',
  'LEASE_LOST',
]);

/** True when a rejection is transient (see `TRANSIENT_REFUSALS`): retry it, never conclude from it. */
export function isTransientRefusal(o: { readonly kind: string; readonly code?: string }): boolean {
  return o.kind === 'rejected' && o.code !== undefined && TRANSIENT_REFUSALS.has(o.code);
}

/** Why a venue refused a client order id it had seen before: an earlier send may have landed. */
export const DUPLICATE_CLIENT_ORDER_ID = 'DUPLICATE_CLIENT_ORDER_ID';
