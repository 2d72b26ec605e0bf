/**
 * The three outcomes of every call that may change exchange state (DESIGN principle 1).
 * `Unknown` is never turned into `Rejected` by a timer: it is resolved by asking the
 * exchange. A duplicate client order id is `Unknown` (an earlier send may have gone through).
 *
 * @example
 * const o = await port.createOrder(req);
 * if (o.kind === 'unknown') await port.fetchOrder({ clientOrderId: req.clientOrderId }, req.symbol);
 */
export type Outcome<T> =
  | { readonly kind: 'accepted'; readonly value: T }
  | { readonly kind: 'rejected'; readonly reason: string; readonly code?: string }
  | { readonly kind: 'unknown'; readonly reason: string; readonly code?: string };

export type OutcomeKind = Outcome<unknown>['kind'];

export const accepted = <T>(value: T): Outcome<T> => ({ kind: 'accepted', value });
export const rejected = (reason: string, code?: string): Outcome<never> => ({ kind: 'rejected', reason, ...(code ? { code } : {}) });
export const unknown = (reason: string, code?: string): Outcome<never> => ({ kind: 'unknown', reason, ...(code ? { code } : {}) });

/** Why a venue refused a client order id it had seen before: an earlier send may have landed. */
export const DUPLICATE_CLIENT_ORDER_ID = 'DUPLICATE_CLIENT_ORDER_ID';
