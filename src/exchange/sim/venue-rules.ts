/**
 * Where Bybit v5 (linear) and Binance USD-M treat the same order differently, as data: the
 * simulated venue applies the rules an order was placed under (the wire simulator passes the
 * rules of the format it serves; the in-process venue those of its `venue` option, Bybit's by
 * default). Each rule names its source in docs/exchange-notes.md. Pure data.
 *
 * @example
 * rulesOf('binance').clientIdScope // 'open': a closed order's client id may be used again
 */

import type { TriggerBy } from '../port.js';
import type { ListPages } from './paging.js';

export type { TriggerBy };

/** The venues whose behaviour the simulator models. */
export type VenueKind = 'bybit' | 'binance';

/** Why the venue, not the client, ended an order (each venue words it its own way). */
export type EndReason =
  /** The client cancelled it. */
  | 'user'
  /** A market order's remainder past its price protection, or an IOC remainder. */
  | 'unfilled-remainder'
  /** A reduce-only stop triggered with nothing to reduce (Binance: `rm` "Reduce Only reject"). */
  | 'nothing-to-reduce'
  /** A reduce-only stop expired because its position closed (Binance `EXPIRED`). */
  | 'position-closed'
  /** Bybit's disconnect protection cancelled it (`CancelByDCP`). */
  | 'disconnect-protection'
  /** A triggered stop's order was cancelled in the matching engine (Binance `FINISHED`, no fill). */
  | 'engine';

export interface VenueRules {
  readonly kind: VenueKind;
  /** Client order ids are unique per account (Bybit `110072`) or among open orders only (Binance `-4116`). */
  readonly clientIdScope: 'account' | 'open';
  /** A reduce-only stop on a flat position: refused when placed (Bybit) or accepted (Binance, Algo Service). */
  readonly reduceOnlyStopOnFlat: 'refuse' | 'accept';
  /** A reduce-only stop that triggers with nothing to reduce ends `canceled` (Bybit) or `rejected` (Binance). */
  readonly nothingToReduceAtTrigger: 'canceled' | 'rejected';
  /** Untriggered reduce-only stops when their position goes flat: kept (Bybit) or expired (Binance). */
  readonly reduceOnlyStopsWhenFlat: 'keep' | 'expire';
  /** How a market order's unfilled remainder ends: `canceled` (Bybit `Cancelled`) or `expired` (Binance `EXPIRED`). */
  readonly marketRemainder: 'canceled' | 'expired';
  /** The price a stop fires on when the request does not say (Bybit `LastPrice`, Binance `CONTRACT_PRICE`). */
  readonly defaultTriggerBy: TriggerBy;
  /** Market-order price protection: the order is refused (Binance `-4131`) or filled up to a cap, the rest cancelled (Bybit). */
  readonly marketProtection: 'refuse' | 'cap';
  /** The largest page of the position list and of open orders (Bybit v5: 200 and 50); Binance USD-M pages neither. */
  readonly listPages: ListPages;
}

export const BYBIT_RULES: VenueRules = {
  kind: 'bybit',
  clientIdScope: 'account',
  reduceOnlyStopOnFlat: 'refuse',
  nothingToReduceAtTrigger: 'canceled',
  reduceOnlyStopsWhenFlat: 'keep',
  marketRemainder: 'canceled',
  defaultTriggerBy: 'last',
  marketProtection: 'cap',
  listPages: { positions: 200, openOrders: 50 },
};

export const BINANCE_RULES: VenueRules = {
  kind: 'binance',
  clientIdScope: 'open',
  reduceOnlyStopOnFlat: 'accept',
  nothingToReduceAtTrigger: 'rejected',
  reduceOnlyStopsWhenFlat: 'expire',
  marketRemainder: 'expired',
  defaultTriggerBy: 'last',
  marketProtection: 'refuse',
  listPages: { positions: undefined, openOrders: undefined },
};

/** The rules of a venue. */
export function rulesOf(kind: VenueKind): VenueRules {
  return kind === 'binance' ? BINANCE_RULES : BYBIT_RULES;
}
