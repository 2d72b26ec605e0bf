/**
 * What the simulated venue answers, before a port turns it into outcomes and reports:
 * ccxt-shaped order objects (what ccxt's `parseOrder` returns), positions, and the
 * failures a real venue gives (429, 5xx, a business refusal, no reply at all). A port
 * over HTTP (the wire simulator) and the in-process `SimPort` read the same answers.
 *
 * @example
 * const reply = venue.serveCreateOrder(account, request);
 * if (!reply.ok && reply.error.kind === 'rate-limited') reply.error.retryAfterMs;
 */
import { DUPLICATE_CLIENT_ORDER_ID } from '../../domain/outcome.js';
import type { Side } from '../../domain/side.js';
import type { EndReason, TriggerBy, VenueKind } from './venue-rules.js';

/** Every call of `ExchangePort` that reaches the venue (the stream is not a call). */
export const PORT_METHODS = [
  'loadMarkets',
  'fetchMarkPrice',
  'fetchPositionMode',
  'createOrder',
  'cancelOrder',
  'fetchOrder',
  'fetchOpenOrders',
  'fetchPositions',
] as const;
/** The name of a port call. */
export type PortMethod = (typeof PORT_METHODS)[number];

/**
 * The order statuses ccxt uses, plus `triggered` (not ccxt's: a stop whose trigger fired and
 * whose order is in the matching engine; `normalizeOrder` reads it, see reports.ts).
 */
export type CcxtOrderStatus = 'open' | 'triggered' | 'closed' | 'canceled' | 'rejected' | 'expired';

/** An order as ccxt parses it; `normalizeOrder` reads exactly this. */
export interface CcxtOrder {
  readonly id: string;
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: Side;
  /** A stop-market order is `market` with a `triggerPrice`, as ccxt parses Bybit's. */
  readonly type: 'market' | 'limit';
  readonly amount: number;
  readonly filled: number;
  readonly remaining: number;
  readonly price: number | undefined;
  readonly average: number | undefined;
  readonly status: CcxtOrderStatus;
  readonly reduceOnly: boolean;
  readonly triggerPrice: number | undefined;
  readonly timestamp: number;
  readonly lastUpdateTimestamp: number;
  /** The venue's reason for a rejection or a cancellation it made itself (`normalizeOrder` passes it on). */
  readonly rejectReason?: string;
  /** What the simulated venue knows beyond ccxt's fields (as ccxt keeps the venue's record in `info`). */
  readonly info?: SimOrderInfo;
}

/** The simulated venue's own facts about an order, which the wire formats render. */
export interface SimOrderInfo {
  /** The venue whose rules the order was placed under (see venue-rules.ts). */
  readonly venue: VenueKind;
  /** The price that fires a stop; `undefined` for other orders. */
  readonly triggerBy: TriggerBy | undefined;
  /** When a stop's trigger fired (its order entered the matching engine). */
  readonly triggeredAt: number | undefined;
  /** Why the venue ended the order, when it was not filled and not cancelled by the client. */
  readonly endReason: EndReason | undefined;
  /** The last price when the order was placed (Bybit `lastPriceOnCreated`). */
  readonly lastPriceOnCreated: number;
  /** The market's price step (for prices the venue derives, such as Bybit's protected market price). */
  readonly priceStep: number;
}

/** Bybit's create (and cancel) acknowledgement: the ids and nothing else. */
export interface MinimalOrderReply {
  readonly id: string;
  readonly clientOrderId: string;
}

/** A position as the venue holds it at one moment of its history. */
export interface PositionView {
  readonly symbol: string;
  /** Signed net size: positive long, negative short, 0 flat. */
  readonly size: number;
  readonly entryPrice: number | undefined;
  readonly markPrice: number;
  /** Per account and symbol, increased on every change (Bybit's `seq`). */
  readonly seq: number;
  /** Venue time of the change that produced this state. */
  readonly at: number;
}

/** Codes of the venue's business refusals (`refused`). */
export const SIM_CODES = {
  duplicateClientOrderId: DUPLICATE_CLIENT_ORDER_ID,
  rateLimited: 'RATE_LIMITED',
  serverError: 'SERVER_ERROR',
  timeout: 'TIMEOUT',
  badSymbol: 'BAD_SYMBOL',
  invalidAmount: 'INVALID_AMOUNT',
  invalidPrice: 'INVALID_PRICE',
  minNotional: 'MIN_NOTIONAL',
  reduceOnlyWouldIncrease: 'REDUCE_ONLY_WOULD_INCREASE',
  /** A market order refused by the venue's price protection (Binance `-4131`): not processed, try later. */
  priceProtection: 'PRICE_PROTECTION',
  orderNotFound: 'ORDER_NOT_FOUND',
  orderNotOpen: 'ORDER_NOT_OPEN',
} as const;

/**
 * Refusals that say "not processed, try later" rather than "not this order", with the transient
 * outcome code posguard gives them (the ccxt adapter's venue-code tables do the same, see
 * `TRANSIENT_REFUSALS` in src/domain/outcome.ts) and the wait before a retry.
 */
export const TRY_LATER_CODES: Readonly<Record<string, { readonly code: string; readonly retryAfterMs: number }>> = {
  [SIM_CODES.priceProtection]: { code: 'RATE_LIMITED', retryAfterMs: 1_000 },
};

/** How a venue call fails. */
export type VenueError =
  /** A rate limit (HTTP 429, or the venue's own answer; `http` asks for an IP-level 403/418): not processed. */
  | { readonly kind: 'rate-limited'; readonly retryAfterMs: number; readonly http?: 429 | 403 | 418 }
  /** HTTP 5xx: the request may or may not have been processed. */
  | { readonly kind: 'server-error'; readonly status: number }
  /** The venue answered and said no, with a reason and a code. */
  | { readonly kind: 'refused'; readonly code: string; readonly reason: string }
  /** No answer in time: the request may or may not have been processed. */
  | { readonly kind: 'timeout' };

/** The venue's answer: a body, or a failure. */
export type VenueReply<T> =
  { readonly ok: true; readonly body: T } | { readonly ok: false; readonly error: VenueError };

/** What a state-changing call came to, as the caller sees it (see docs/architecture.md, Principles). */
export type ChangeResult = 'accepted' | 'rejected' | 'unknown';

/**
 * The outcome kind of a failed state-changing call: 429 and refusals are definitive
 * (`rejected`), except a duplicate client order id; 5xx and timeouts are `unknown`.
 */
export function changeResultOf(error: VenueError): Exclude<ChangeResult, 'accepted'> {
  switch (error.kind) {
    case 'rate-limited':
      return 'rejected';
    case 'refused':
      return error.code === DUPLICATE_CLIENT_ORDER_ID ? 'unknown' : 'rejected';
    case 'server-error':
    case 'timeout':
      return 'unknown';
  }
}

/** A one-line description of a failure, for outcome reasons and `QueryFailed`. */
export function describeVenueError(error: VenueError): string {
  switch (error.kind) {
    case 'rate-limited':
      return `rate limited (429), retry after ${error.retryAfterMs} ms`;
    case 'server-error':
      return `server error (${error.status})`;
    case 'refused':
      return error.reason;
    case 'timeout':
      return 'timeout';
  }
}

/** The stable code of a failure, as outcomes and the request record carry it. */
export function codeOfVenueError(error: VenueError): string {
  switch (error.kind) {
    case 'rate-limited':
      return SIM_CODES.rateLimited;
    case 'server-error':
      return SIM_CODES.serverError;
    case 'refused':
      return error.code;
    case 'timeout':
      return SIM_CODES.timeout;
  }
}
