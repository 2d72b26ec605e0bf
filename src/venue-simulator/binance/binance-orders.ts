/**
 * Binance USD-M's order records, field for field as its documentation and recorded replies show
 * them: regular orders of `/fapi/v1/order` (19-digit ids), conditional orders of the Algo Service
 * (`/fapi/v1/algoOrder`, ids of their own), and the user-data events `ORDER_TRADE_UPDATE` and
 * `ALGO_UPDATE`. A stop is an algo order until its trigger fires; then its order in the matching
 * engine (the "actual order", `actualOrderId`/`ai`) is a regular order carrying the stop's
 * client id, with `origType` `STOP_MARKET` (see docs/exchange-notes.md, Binance stops). Pure.
 *
 * @example
 * binanceAlgoOrder(facts, base) // { algoId: 1000002n, algoStatus: 'FINISHED', actualOrderId: '8389765000001000002', … }
 */
import { mul } from '../../domain/decimal.js';
import type { EndReason } from '../../exchange/sim/venue-rules.js';
import type { FillFacts, OrderFacts } from '../facts.js';
import { num } from '../facts.js';
import { binanceAlgoId, binanceOrderId, marketIdOf } from '../wire-ids.js';

const isStop = (o: OrderFacts): boolean => o.type === 'stop-market';

/** True when a stop's trigger fired and its order entered the matching engine. */
export function hasActualOrder(o: OrderFacts): boolean {
  return isStop(o) && o.triggeredAt !== undefined;
}

/** The status of a regular order (or of a triggered stop's actual order). */
export function regularStatus(o: OrderFacts): string {
  switch (o.status) {
    case 'open':
    case 'triggered':
      return o.filled > 0 ? 'PARTIALLY_FILLED' : 'NEW';
    case 'closed':
      return 'FILLED';
    // A market order's unfilled remainder, and an actual order cancelled in the engine, end EXPIRED.
    case 'canceled':
      return isStop(o) && o.endReason !== 'user' ? 'EXPIRED' : 'CANCELED';
    case 'rejected':
      return 'REJECTED';
    case 'expired':
      return 'EXPIRED';
  }
}

/** The Algo Service's status: `FINISHED` once the order it placed in the engine ended, filled or not. */
export function algoStatus(o: OrderFacts): string {
  switch (o.status) {
    case 'open':
      return 'NEW';
    case 'triggered':
      return 'TRIGGERED';
    case 'closed':
      return 'FINISHED';
    case 'canceled':
      return o.triggeredAt !== undefined ? 'FINISHED' : 'CANCELED';
    case 'expired':
      return o.triggeredAt !== undefined ? 'FINISHED' : 'EXPIRED';
    case 'rejected':
      return 'REJECTED';
  }
}

const REASON: Readonly<Partial<Record<EndReason, string>>> = { 'nothing-to-reduce': 'Reduce Only reject' };

const side = (o: OrderFacts): string => (o.side === 'buy' ? 'BUY' : 'SELL');
const workingType = (o: OrderFacts): string => (o.triggerBy === 'mark' ? 'MARK_PRICE' : 'CONTRACT_PRICE');
/** The regular order id of an order, or of a triggered stop's actual order. */
const orderId = (o: OrderFacts, base: bigint): bigint => binanceOrderId(o.id, base);

/**
 * A regular order (or a triggered stop's actual order) of `/fapi/v1/order`: the `RESULT` form a
 * create answers (no `time`), or the form a query answers (with `time`).
 */
export function binanceOrder(o: OrderFacts, base: bigint, form: 'create' | 'query' = 'query'): Record<string, unknown> {
  const stop = isStop(o);
  return {
    orderId: orderId(o, base),
    symbol: marketIdOf(o.symbol),
    status: regularStatus(o),
    clientOrderId: o.clientOrderId,
    price: num(o.price, '0'),
    avgPrice: num(o.average, '0'),
    origQty: num(o.amount),
    executedQty: num(o.filled),
    ...(form === 'create' ? { cumQty: num(o.filled) } : {}),
    cumQuote: num(mul(o.filled, o.average ?? 0)),
    timeInForce: 'GTC',
    type: o.type === 'limit' ? 'LIMIT' : 'MARKET',
    reduceOnly: o.reduceOnly,
    closePosition: false,
    side: side(o),
    positionSide: 'BOTH',
    stopPrice: num(o.triggerPrice, '0'),
    workingType: workingType(o),
    priceProtect: false,
    origType: o.type === 'limit' ? 'LIMIT' : stop ? 'STOP_MARKET' : 'MARKET',
    priceMatch: 'NONE',
    selfTradePreventionMode: 'EXPIRE_MAKER',
    goodTillDate: 0,
    ...(form === 'query' ? { time: o.triggeredAt ?? o.createdAt } : {}),
    updateTime: o.updatedAt,
  };
}

/** A conditional order of the Algo Service (`/fapi/v1/algoOrder`), as Binance's "Query Algo Order" shows it. */
export function binanceAlgoOrder(o: OrderFacts, base: bigint): Record<string, unknown> {
  const actual = hasActualOrder(o);
  return {
    algoId: binanceAlgoId(o.id),
    clientAlgoId: o.clientOrderId,
    algoType: 'CONDITIONAL',
    orderType: 'STOP_MARKET',
    symbol: marketIdOf(o.symbol),
    side: side(o),
    positionSide: 'BOTH',
    timeInForce: 'GTC',
    quantity: num(o.amount),
    algoStatus: algoStatus(o),
    actualOrderId: actual ? orderId(o, base).toString() : '',
    actualPrice: num(o.average, '0.00000'),
    triggerPrice: num(o.triggerPrice, '0'),
    price: '0.00',
    icebergQuantity: null,
    tpTriggerPrice: '0.000',
    tpPrice: '0.000',
    slTriggerPrice: '0.000',
    slPrice: '0.000',
    tpOrderType: '',
    selfTradePreventionMode: 'EXPIRE_MAKER',
    workingType: workingType(o),
    priceMatch: 'NONE',
    closePosition: false,
    priceProtect: false,
    reduceOnly: o.reduceOnly,
    createTime: o.createdAt,
    updateTime: o.updatedAt,
    triggerTime: o.triggeredAt ?? 0,
    goodTillDate: 0,
  };
}

/** `ORDER_TRADE_UPDATE` of a regular order (or of a triggered stop's actual order), with its last fill. */
export function orderTradeUpdate(
  o: OrderFacts,
  base: bigint,
  fill: FillFacts['fill'] | undefined,
  now: number,
): Record<string, unknown> {
  const stop = isStop(o);
  const X = regularStatus(o);
  const x = fill !== undefined ? 'TRADE' : X === 'CANCELED' || X === 'EXPIRED' ? X : 'NEW';
  return {
    e: 'ORDER_TRADE_UPDATE',
    E: now,
    T: o.updatedAt,
    o: {
      s: marketIdOf(o.symbol),
      c: o.clientOrderId,
      S: side(o),
      o: o.type === 'limit' ? 'LIMIT' : 'MARKET',
      f: o.type === 'limit' ? 'GTC' : 'IOC',
      q: num(o.amount),
      p: num(o.price, '0'),
      ap: num(o.average, '0'),
      sp: num(o.triggerPrice, '0'),
      x,
      X,
      i: orderId(o, base),
      l: num(fill?.amount ?? 0),
      z: num(o.filled),
      L: num(fill?.price ?? 0),
      N: 'USDT',
      n: '0',
      T: o.updatedAt,
      t: fill === undefined ? 0 : tradeNumber(fill.tradeId),
      b: '0',
      a: '0',
      m: false,
      R: o.reduceOnly,
      wt: workingType(o),
      ot: o.type === 'limit' ? 'LIMIT' : stop ? 'STOP_MARKET' : 'MARKET',
      ps: 'BOTH',
      cp: false,
      rp: '0',
      pP: false,
      si: 0,
      ss: 0,
      V: 'EXPIRE_MAKER',
      pm: 'NONE',
      gtd: 0,
      O: o.triggeredAt ?? o.createdAt,
    },
  };
}

/** `ALGO_UPDATE` of a conditional order; `rm` only when the venue gives a reason. */
export function algoUpdate(o: OrderFacts, base: bigint, now: number): Record<string, unknown> {
  const actual = hasActualOrder(o);
  const reason = o.endReason === undefined ? undefined : REASON[o.endReason];
  return {
    e: 'ALGO_UPDATE',
    T: o.updatedAt,
    E: now,
    o: {
      caid: o.clientOrderId,
      aid: binanceAlgoId(o.id),
      at: 'CONDITIONAL',
      o: 'STOP_MARKET',
      s: marketIdOf(o.symbol),
      S: side(o),
      ps: 'BOTH',
      f: 'GTC',
      q: num(o.amount),
      X: algoStatus(o),
      ai: actual ? orderId(o, base).toString() : '',
      ap: num(o.average, '0'),
      aq: num(o.filled, '0'),
      act: actual ? 'MARKET' : '0',
      tp: num(o.triggerPrice, '0'),
      p: '0',
      V: 'EXPIRE_MAKER',
      wt: workingType(o),
      pm: 'NONE',
      cp: false,
      pP: false,
      R: o.reduceOnly,
      tt: o.triggeredAt ?? 0,
      gtd: 0,
      ...(reason === undefined ? {} : { rm: reason }),
    },
  };
}

/** Binance trade ids are integers; the venue's are `T<n>`. */
function tradeNumber(tradeId: string): number {
  const n = Number(tradeId.replace(/^\D+/, ''));
  return Number.isSafeInteger(n) ? n : 0;
}
