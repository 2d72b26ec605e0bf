/**
 * The simulated venue's checks of a new order, and its price conditions: why it would refuse an
 * order now (unknown symbol, an amount or price off the grid, a trigger already passed on the
 * price the stop fires on, a reduce-only order that would not reduce — judged at the trigger for
 * a Binance stop —, a value below the minimum), whether a limit order is reached and whether a
 * stop fires. Pure.
 *
 * @example
 * refusalOf(request, { spec, prices, position, rules: BYBIT_RULES, triggerBy: 'mark' }) // undefined, or { code, reason }
 */
import { gt, gte, isMultipleOf, lt, lte, mul } from '../../domain/decimal.js';
import type { Side } from '../../domain/side.js';
import type { OrderRequest } from '../port.js';
import type { SimMarketSpec } from './markets.js';
import { reduces, type NetPosition } from './position-state.js';
import type { MarketPrices } from './price-book.js';
import type { TriggerBy, VenueRules } from './venue-rules.js';
import { SIM_CODES } from './venue-replies.js';

/** Why the venue refuses an order or a cancel: a stable code and a message. */
export interface Refusal {
  readonly code: string;
  readonly reason: string;
}

/** What an order is checked against. */
export interface OrderCheckContext {
  readonly spec: SimMarketSpec | undefined;
  readonly prices: MarketPrices | undefined;
  readonly position: NetPosition;
  readonly rules: VenueRules;
  readonly triggerBy: TriggerBy;
}

/** Why the venue would refuse `r` now, or `undefined` when it takes it. */
export function refusalOf(
  r: OrderRequest,
  { spec, prices, position, rules, triggerBy }: OrderCheckContext,
): Refusal | undefined {
  if (spec === undefined || prices === undefined)
    return { code: SIM_CODES.badSymbol, reason: `unknown symbol ${r.symbol}` };
  if (!Number.isFinite(r.amount) || lt(r.amount, spec.minAmount) || !isMultipleOf(r.amount, spec.amountStep)) {
    return {
      code: SIM_CODES.invalidAmount,
      reason: `amount ${r.amount} must be a multiple of ${spec.amountStep}, at least ${spec.minAmount}`,
    };
  }
  const level = r.type === 'limit' ? r.price : r.type === 'stop-market' ? r.triggerPrice : prices.last;
  if (level === undefined || !Number.isFinite(level) || !gt(level, 0) || !isMultipleOf(level, spec.priceStep)) {
    return {
      code: SIM_CODES.invalidPrice,
      reason: `${r.type} order needs a ${r.type === 'limit' ? 'price' : 'trigger price'} on the grid of ${spec.priceStep}`,
    };
  }
  if (r.type === 'stop-market' && triggers(r.side, prices[triggerBy], level)) {
    return {
      code: SIM_CODES.invalidPrice,
      reason: `trigger ${level} would fire at once at ${triggerBy} price ${prices[triggerBy]}`,
    };
  }
  const judgedAtTrigger = r.type === 'stop-market' && rules.reduceOnlyStopOnFlat === 'accept';
  if (r.reduceOnly && !judgedAtTrigger && !reduces(position, r.side)) {
    return {
      code: SIM_CODES.reduceOnlyWouldIncrease,
      reason: `reduce-only ${r.side} would not reduce the ${r.symbol} position`,
    };
  }
  if (!r.reduceOnly && lt(mul(mul(r.amount, level), spec.contractSize), spec.minNotional)) {
    return { code: SIM_CODES.minNotional, reason: `order value below the minimum of ${spec.minNotional}` };
  }
  return undefined;
}

/** A limit order on `side` at `limit` is reached by `price`. */
export function crosses(side: Side, price: number, limit: number): boolean {
  return side === 'buy' ? lte(price, limit) : gte(price, limit);
}

/** A stop on `side` with `trigger` fires at `price`. */
export function triggers(side: Side, price: number, trigger: number): boolean {
  return side === 'buy' ? gte(price, trigger) : lte(price, trigger);
}
