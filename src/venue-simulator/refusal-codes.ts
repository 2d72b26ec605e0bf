/**
 * How the wire simulator words the simulated venue's refusals: each `SIM_CODES` refusal (and
 * each fault `reject` code) becomes the code and message the real venue answers with. A code
 * that is already the venue's own (`'110092'` on Bybit, `'-2019'` on Binance) passes through.
 * Pure.
 *
 * @example
 * bybitRefusal({ code: 'REDUCE_ONLY_WOULD_INCREASE', reason: '…' }, 'createOrder', 'sell') // { code: 110017, msg: 'Reduce-only rule not satisfied' }
 */
import { SIM_CODES } from '../exchange/sim/venue-replies.js';
import type { Side } from '../domain/side.js';

/** A refusal as the venue words it. */
export interface WireRefusal {
  readonly code: number;
  readonly msg: string;
}

/** What the refused call was, where the wording depends on it. */
export interface RefusalContext {
  readonly call: 'create' | 'cancel' | 'query';
  readonly side?: Side;
  readonly stop?: boolean;
}

const INSUFFICIENT = /INSUFFICIENT|MARGIN|BALANCE/;

/** Bybit v5's `retCode` and `retMsg` for a refusal. */
export function bybitRefusal(code: string, reason: string, ctx: RefusalContext): WireRefusal {
  if (/^\d+$/.test(code)) return { code: Number(code), msg: reason };
  switch (code) {
    case SIM_CODES.duplicateClientOrderId:
      return { code: 110072, msg: 'OrderLinkedID is duplicate' };
    case SIM_CODES.badSymbol:
      return { code: 10001, msg: 'params error: symbol invalid' };
    case SIM_CODES.invalidAmount:
      return { code: 10001, msg: `Qty invalid: ${reason}` };
    case SIM_CODES.invalidPrice:
      if (ctx.stop === true) {
        return ctx.side === 'buy'
          ? { code: 110092, msg: `expect Rising, but trigger_price <= current: ${reason}` }
          : { code: 110093, msg: `expect Falling, but trigger_price >= current: ${reason}` };
      }
      return { code: 10001, msg: `price invalid: ${reason}` };
    case SIM_CODES.minNotional:
      return { code: 110094, msg: 'Order does not meet minimum order value 5USDT' };
    case SIM_CODES.reduceOnlyWouldIncrease:
      return { code: 110017, msg: 'Reduce-only rule not satisfied' };
    case SIM_CODES.orderNotFound:
      return { code: 110001, msg: 'Order does not exist' };
    case SIM_CODES.orderNotOpen:
      return { code: 110008, msg: 'Order has been finished or canceled' };
    default:
      return INSUFFICIENT.test(code)
        ? { code: 110007, msg: 'ab not enough for new order' }
        : { code: 10001, msg: reason };
  }
}

/** Binance USD-M's `code` and `msg` for a refusal. */
export function binanceRefusal(code: string, reason: string, ctx: RefusalContext): WireRefusal {
  if (/^-\d+$/.test(code)) return { code: Number(code), msg: reason };
  switch (code) {
    case SIM_CODES.duplicateClientOrderId:
      return { code: -4116, msg: 'ClientOrderId is duplicated.' };
    case SIM_CODES.badSymbol:
      return { code: -1121, msg: 'Invalid symbol.' };
    case SIM_CODES.invalidAmount:
      return { code: -1111, msg: 'Precision is over the maximum defined for this asset.' };
    case SIM_CODES.invalidPrice:
      return ctx.stop === true
        ? { code: -2021, msg: 'Order would immediately trigger.' }
        : { code: -4014, msg: 'Price not increased by tick size.' };
    case SIM_CODES.minNotional:
      return { code: -4164, msg: "Order's notional must be no smaller than 5 (unless you choose reduce only)." };
    case SIM_CODES.reduceOnlyWouldIncrease:
      return { code: -2022, msg: 'ReduceOnly Order is rejected.' };
    case SIM_CODES.priceProtection:
      return { code: -4131, msg: "The counterparty's best price does not meet the PERCENT_PRICE filter limit." };
    case SIM_CODES.orderNotFound:
      return ctx.call === 'cancel'
        ? { code: -2011, msg: 'Unknown order sent.' }
        : { code: -2013, msg: 'Order does not exist.' };
    case SIM_CODES.orderNotOpen:
      return { code: -2011, msg: 'Unknown order sent.' };
    default:
      return INSUFFICIENT.test(code) ? { code: -2019, msg: 'Margin is insufficient.' } : { code: -2010, msg: reason };
  }
}
