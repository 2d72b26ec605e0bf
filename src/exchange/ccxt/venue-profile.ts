/**
 * What differs between venues behind one ccxt port: the options that keep ccxt from calling
 * endpoints it does not need, where the base URLs live, how error codes are read, how an
 * order is expressed (a reduce-only stop-market is `triggerPrice` + `triggerDirection` +
 * `closeOnTrigger` on Bybit, an Algo-Service `STOP_MARKET` on Binance), how an order is found
 * again and how the position mode is read. One profile per venue; `genericProfile` for any
 * other ccxt id. Profiles call ccxt and throw what it throws; the port classifies.
 *
 * @example
 * const profile = profileFor('bybit'); profile.configure(exchange); profile.applyUrls(exchange, { rest, ws });
 */
import type { Exchange, Order, Position, Trade } from 'ccxt';
import type { OrderLookup, OrderRequest, PositionMode, TriggerBy } from '../port.js';
import { classifyFailure } from './classify-failure.js';
import type { CodeTable } from './venue-codes.js';

/** REST base URL, private WebSocket URL and (Bybit) public WebSocket URL of an account (`urls` in the config). */
export interface UrlOverrides {
  readonly rest?: string | undefined;
  readonly ws?: string | undefined;
  readonly publicWs?: string | undefined;
}

/** A coded refusal read from a reply body. */
export interface CodedRefusal {
  readonly code: string;
  readonly message: string;
  readonly retryAfterMs?: number;
}

/** The ccxt arguments of one order. */
export interface OrderArgs {
  readonly type: 'market' | 'limit';
  readonly price: number | undefined;
  readonly params: Record<string, unknown>;
}

/** One tick of a public ticker stream as a profile reads it; `venueTime` absent when the venue sent none. */
export interface VenueTick {
  readonly mark: number | undefined;
  readonly last: number | undefined;
  readonly venueTime: number | undefined;
}

/** A positive finite number, else `undefined`. */
export const price = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;

/** See the module header. */
export interface VenueProfile {
  /** The venue's code table; absent when ccxt's own error classes are trusted. */
  readonly codes?: CodeTable;
  /** Sets the options once, before anything is loaded. */
  configure(ex: Exchange): void;
  /** Selects the venue's testnet (or demo environment). */
  useTestnet(ex: Exchange): void;
  /** Points REST and the private stream at other hosts. */
  applyUrls(ex: Exchange, urls: UrlOverrides): void;
  /** The coded refusal in a reply, for the reply hook; `undefined` for a success. */
  refusalOf?(response: unknown, headers: Readonly<Record<string, unknown>>): CodedRefusal | undefined;
  /** The ccxt arguments of an order; a stop fires on `triggerBy` when given (else the venue's default). */
  orderArgs(request: OrderRequest, triggerBy?: TriggerBy): OrderArgs;
  /** The order as `normalizeOrder` should read it (the venue id posguard uses, venue quirks). */
  prepareOrder(order: Order): Record<string, unknown>;
  /** The order, whatever its status; `undefined` when the venue answered and does not know it. */
  findOrder(ex: Exchange, lookup: OrderLookup, symbol: string): Promise<Order | undefined>;
  cancel(ex: Exchange, lookup: OrderLookup, symbol: string): Promise<Order>;
  openOrders(ex: Exchange, symbol: string | undefined): Promise<Order[]>;
  /** Every position the venue lists for the account (flat ones may be missing). */
  positions(ex: Exchange): Promise<Position[]>;
  /** The positions of one symbol, flat ones included: a positive flat report. */
  positionsOf(ex: Exchange, symbol: string): Promise<Position[]>;
  positionMode(ex: Exchange): Promise<PositionMode>;
  markPrice(ex: Exchange, symbol: string): Promise<number | undefined>;
  /**
   * The next tick of the venue's public ticker stream of `symbol` (ccxt.pro's watch): its mark
   * and/or last price and the venue's time of it. Absent where posguard reads no ticker stream.
   */
  watchTicker?(ex: Exchange, symbol: string): Promise<VenueTick>;
  /** The venue's sequence number of a position state (Bybit's `seq`). */
  positionSeq(p: Position): number | undefined;
  /** The venue's time of a position state when ccxt's timestamp is another (Binance's stream: the event time). */
  positionTime?(p: Position): number | undefined;
  /** The hedge-mode index of a position record (1 long side, 2 short side). */
  hedgeIndex(p: Position): number | undefined;
  tradeClientOrderId(t: Trade): string | undefined;
  /** Opens and authenticates the private stream before the watch loops subscribe. */
  connectStream(ex: Exchange): Promise<void>;
  /**
   * True once the venue has acknowledged the stream's subscriptions, so that `up` means
   * "events flow from now on"; absent when an open connection is enough (Binance).
   */
  streamReady?(ex: Exchange): boolean;
}

/** The raw venue record behind a ccxt structure. */
export function infoOf(x: { readonly info?: unknown }): Record<string, unknown> {
  return typeof x.info === 'object' && x.info !== null ? (x.info as Record<string, unknown>) : {};
}

/** A string field of a raw record, `undefined` when empty or absent. */
export function field(record: Record<string, unknown>, key: string): string | undefined {
  const v = record[key];
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' || typeof v === 'bigint' ? String(v) : undefined;
}

/** The REST base without a trailing slash. */
export const base = (url: string): string => url.replace(/\/+$/, '');

/** The first element, or `undefined`. */
export const first = <T>(list: readonly T[]): T | undefined => list[0];

/** The ccxt order as a plain record for `normalizeOrder`. */
export function plainOrder(order: Order): Record<string, unknown> {
  return { ...(order as unknown as Record<string, unknown>) };
}

/** The call's answer, or `undefined` when it failed with "order not found". */
export async function unlessNotFound<T>(call: Promise<T>, codes: CodeTable | undefined): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (classifyFailure(error, { sent: true, ...(codes === undefined ? {} : { codes }) }).kind === 'not-found')
      return undefined;
    throw error;
  }
}
