/**
 * The venue's record of every port call it received, like a server's access log: when,
 * from which account, what was asked, how it ended, and whether the order reached the
 * matching engine. Calls that a fault then failed are recorded too. Tests read it to
 * prove "exactly one order was sent".
 *
 * @example
 * venue.requests({ account, method: 'createOrder' }) // [{ at, params: { side: 'buy', … }, result: 'accepted', reachedEngine: true }]
 */
import type { AccountId } from '../../domain/ids.js';
import type { OrderLookup, OrderRequest } from '../port.js';
import type { TriggerBy } from './venue-rules.js';
import type { ChangeResult, PortMethod } from './venue-replies.js';

/** The parameters of each method, as the port passed them. */
export interface RequestParams {
  readonly loadMarkets: Record<string, never>;
  readonly fetchMarkPrice: { readonly symbol: string };
  readonly fetchPositionMode: Record<string, never>;
  /** With the price its stop fires on, when the port said (`protection.triggerBy`). */
  readonly createOrder: OrderRequest & { readonly triggerBy?: TriggerBy };
  readonly cancelOrder: { readonly lookup: OrderLookup; readonly symbol: string };
  readonly fetchOrder: { readonly lookup: OrderLookup; readonly symbol: string };
  /** With the page asked (`limit`, `cursor`) when the list is paged: each page is one request. */
  readonly fetchOpenOrders: { readonly symbol?: string; readonly limit?: number; readonly cursor?: string };
  readonly fetchPositions: { readonly limit?: number; readonly cursor?: string };
}

/** `ok`/`error` for queries; the outcome kind for creates and cancels. */
export type RequestResult = ChangeResult | 'ok' | 'error';

/** One recorded port call (a union over methods, so `params` narrows with `method`). */
export type SimRequest<M extends PortMethod = PortMethod> = {
  [K in M]: {
    readonly at: number;
    readonly account: AccountId;
    readonly method: K;
    readonly params: RequestParams[K];
    readonly result: RequestResult;
    /** The failure's code (`RATE_LIMITED`, `SERVER_ERROR`, `TIMEOUT`, a refusal code). */
    readonly code?: string;
    /** True when the order (or cancel) was processed by the matching engine. */
    readonly reachedEngine: boolean;
    readonly venueOrderId?: string;
  };
}[M];

/** Which recorded calls to return; every field narrows. */
export interface RequestFilter<M extends PortMethod> {
  readonly account?: AccountId | string;
  readonly method?: M;
  /** Only calls received at or after this venue time. */
  readonly since?: number;
}

/** The calls in `log` that match `filter`, oldest first. */
export function filterRequests<M extends PortMethod>(
  log: readonly SimRequest[],
  filter: RequestFilter<M>,
): SimRequest<M>[] {
  return log.filter(
    (r) =>
      (filter.account === undefined || r.account === filter.account) &&
      (filter.method === undefined || r.method === filter.method) &&
      (filter.since === undefined || r.at >= filter.since),
  ) as SimRequest<M>[];
}
