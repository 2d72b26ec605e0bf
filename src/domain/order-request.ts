/**
 * What posguard asks an exchange to do: one order, with our client order id. Entries are
 * market orders; stops are reduce-only `stop-market` orders with a trigger price; closes are
 * reduce-only market orders sized by `planClose`.
 */
import type { ClientOrderId } from './ids.js';
import type { OrderType } from './reports.js';
import type { Side } from './side.js';

export interface OrderRequest {
  readonly symbol: string;
  readonly side: Side;
  readonly type: OrderType;
  readonly amount: number;
  readonly clientOrderId: ClientOrderId;
  readonly reduceOnly: boolean;
  /** Limit price, for `limit` orders. */
  readonly price?: number;
  /** Trigger price, for `stop-market` orders. */
  readonly triggerPrice?: number;
  /** Hedge-mode position index, when the account is in hedge mode. */
  readonly hedgeIndex?: number;
}
