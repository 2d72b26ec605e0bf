/**
 * Binance USD-M's records, field for field as its documentation shows them: exchange info,
 * the mark price, orders (`/fapi/v1/order`, integer ids up to 19 digits), conditional orders
 * of the Algo Service (`/fapi/v1/algoOrder`), position risk (v2 and v3), and the user-data
 * stream events `ORDER_TRADE_UPDATE`, `ALGO_UPDATE` and `ACCOUNT_UPDATE`. Pure.
 *
 * @example
 * binanceOrder(facts, base) // { orderId: 8389765000001000001n, status: 'FILLED', … }
 */
import type { Market } from '../../../domain/market.js';
import { mul, sub } from '../../../domain/decimal.js';
import type { PositionMode } from '../../port.js';
import type { FillFacts, OrderFacts, PositionFacts } from '../facts.js';
import { num } from '../facts.js';
import { binanceAlgoId, binanceOrderId, marketIdOf } from '../wire-ids.js';

const decimals = (step: number): number => Math.max(0, -Math.floor(Math.log10(step) + 1e-9));

/** One symbol of `/fapi/v1/exchangeInfo`. */
export function exchangeSymbol(m: Market): Record<string, unknown> {
  const [base, quote] = m.symbol.split(/[/:]/);
  return {
    symbol: marketIdOf(m.symbol), pair: marketIdOf(m.symbol), contractType: 'PERPETUAL', deliveryDate: 4133404800000,
    onboardDate: 1569398400000, status: 'TRADING', maintMarginPercent: '2.5000', requiredMarginPercent: '5.0000',
    baseAsset: base, quoteAsset: quote, marginAsset: quote, pricePrecision: decimals(m.priceStep),
    quantityPrecision: decimals(m.amountStep), baseAssetPrecision: 8, quotePrecision: 8, underlyingType: 'COIN',
    underlyingSubType: [], settlePlan: 0, triggerProtect: '0.0500', liquidationFee: '0.012500', marketTakeBound: '0.05',
    maxMoveOrderLimit: 10000,
    filters: [
      { filterType: 'PRICE_FILTER', minPrice: num(m.priceStep), maxPrice: '4529764', tickSize: num(m.priceStep) },
      { filterType: 'LOT_SIZE', stepSize: num(m.amountStep), maxQty: '1000000', minQty: num(m.minAmount) },
      { filterType: 'MARKET_LOT_SIZE', stepSize: num(m.amountStep), maxQty: '1000000', minQty: num(m.minAmount) },
      { filterType: 'MAX_NUM_ORDERS', limit: 200 },
      { filterType: 'MAX_NUM_ALGO_ORDERS', limit: 10 },
      { filterType: 'MIN_NOTIONAL', notional: num(m.minNotional) },
      { filterType: 'PERCENT_PRICE', multiplierUp: '1.0500', multiplierDown: '0.9500', multiplierDecimal: '4' },
    ],
    orderTypes: ['LIMIT', 'MARKET', 'STOP', 'STOP_MARKET', 'TAKE_PROFIT', 'TAKE_PROFIT_MARKET', 'TRAILING_STOP_MARKET'],
    timeInForce: ['GTC', 'IOC', 'FOK', 'GTX', 'GTD'], permissionSets: ['GRID', 'COPY'],
  };
}

/** `/fapi/v1/exchangeInfo`. */
export function exchangeInfo(markets: readonly Market[], now: number): Record<string, unknown> {
  return {
    timezone: 'UTC', serverTime: now, futuresType: 'U_MARGINED',
    rateLimits: [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 2400 },
      { rateLimitType: 'ORDERS', interval: 'MINUTE', intervalNum: 1, limit: 1200 },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 300 },
    ],
    exchangeFilters: [], assets: [{ asset: 'USDT', marginAvailable: true, autoAssetExchange: '-10000' }],
    symbols: markets.map(exchangeSymbol),
  };
}

/** `/fapi/v1/premiumIndex?symbol=`. */
export function premiumIndex(symbol: string, mark: number, now: number): Record<string, unknown> {
  const p = num(mark);
  return {
    symbol: marketIdOf(symbol), markPrice: p, indexPrice: p, estimatedSettlePrice: p, lastFundingRate: '0.00010000',
    interestRate: '0.00010000', nextFundingTime: now - (now % 28_800_000) + 28_800_000, time: now,
  };
}

function status(o: OrderFacts): string {
  switch (o.status) {
    case 'open': return o.filled > 0 ? 'PARTIALLY_FILLED' : 'NEW';
    case 'closed': return 'FILLED';
    case 'canceled': return 'CANCELED';
    case 'rejected': return 'REJECTED';
    case 'expired': return 'EXPIRED';
  }
}

const typeWord = (o: OrderFacts): string => (o.type === 'limit' ? 'LIMIT' : o.type === 'stop-market' ? 'STOP_MARKET' : 'MARKET');

/** An order of `/fapi/v1/order` (the `RESULT` form). */
export function binanceOrder(o: OrderFacts, base: bigint): Record<string, unknown> {
  const type = o.type === 'limit' ? 'LIMIT' : 'MARKET';
  return {
    orderId: binanceOrderId(o.id, base), symbol: marketIdOf(o.symbol), status: status(o), clientOrderId: o.clientOrderId,
    price: num(o.price, '0'), avgPrice: num(o.average, '0'), origQty: num(o.amount), executedQty: num(o.filled),
    cumQty: num(o.filled), cumQuote: num(mul(o.filled, o.average ?? 0)), timeInForce: 'GTC',
    type, reduceOnly: o.reduceOnly, closePosition: false, side: o.side === 'buy' ? 'BUY' : 'SELL', positionSide: 'BOTH',
    stopPrice: num(o.triggerPrice, '0'), workingType: 'CONTRACT_PRICE', priceProtect: false, origType: typeWord(o),
    priceMatch: 'NONE', selfTradePreventionMode: 'EXPIRE_MAKER', goodTillDate: 0, time: o.createdAt, updateTime: o.updatedAt,
  };
}

function algoStatus(o: OrderFacts): string {
  switch (o.status) {
    case 'open': return 'NEW';
    case 'closed': return 'FINISHED';
    case 'canceled': return o.filled > 0 ? 'FINISHED' : 'CANCELED';
    case 'rejected': return 'REJECTED';
    case 'expired': return 'EXPIRED';
  }
}

/** A conditional order of the Algo Service (`/fapi/v1/algoOrder`). */
export function binanceAlgoOrder(o: OrderFacts, base: bigint): Record<string, unknown> {
  const triggered = o.filled > 0;
  return {
    algoId: binanceAlgoId(o.id), clientAlgoId: o.clientOrderId, algoType: 'CONDITIONAL', orderType: 'STOP_MARKET',
    symbol: marketIdOf(o.symbol), side: o.side === 'buy' ? 'BUY' : 'SELL', positionSide: 'BOTH', timeInForce: 'GTC',
    quantity: num(o.amount), algoStatus: algoStatus(o), actualOrderId: triggered ? binanceOrderId(o.id, base).toString() : '',
    actualPrice: num(o.average, '0.00000'), triggerPrice: num(o.triggerPrice, '0'), price: '0.00', icebergQuantity: null,
    tpTriggerPrice: '0.000', tpPrice: '0.000', slTriggerPrice: '0.000', slPrice: '0.000', tpOrderType: '',
    selfTradePreventionMode: 'EXPIRE_MAKER', workingType: 'CONTRACT_PRICE', priceMatch: 'NONE', closePosition: false,
    priceProtect: false, reduceOnly: o.reduceOnly, createTime: o.createdAt, updateTime: o.updatedAt,
    triggerTime: triggered ? o.updatedAt : 0, goodTillDate: 0,
  };
}

/** The records of one symbol in `/fapi/v2/positionRisk` or `/fapi/v3/positionRisk`. */
export function positionRisk(p: PositionFacts, mode: PositionMode, version: 2 | 3): Record<string, unknown>[] {
  if (mode === 'one-way') return [risk(p, 'BOTH', version)];
  return [risk(p.size > 0 ? p : { ...p, size: 0 }, 'LONG', version), risk(p.size < 0 ? p : { ...p, size: 0 }, 'SHORT', version)];
}

function risk(p: PositionFacts, positionSide: string, version: 2 | 3): Record<string, unknown> {
  const mark = p.markPrice ?? p.entryPrice ?? 0;
  const notional = mul(p.size, mark);
  const common = {
    symbol: marketIdOf(p.symbol), positionSide, positionAmt: num(p.size), entryPrice: num(p.entryPrice, '0.0'),
    breakEvenPrice: num(p.entryPrice, '0.0'), markPrice: num(mark), unRealizedProfit: num(p.size === 0 ? 0 : mul(sub(mark, p.entryPrice ?? mark), p.size)),
    liquidationPrice: '0', isolatedMargin: '0', notional: num(notional), isolatedWallet: '0', updateTime: p.updatedAt,
  };
  return version === 2
    ? { ...common, marginType: 'cross', isAutoAddMargin: 'false', leverage: '10', maxNotionalValue: '20000000' }
    : {
      ...common, marginAsset: 'USDT', initialMargin: num(Math.abs(notional) / 10), maintMargin: '0', positionInitialMargin: num(Math.abs(notional) / 10),
      openOrderInitialMargin: '0', adl: 0, bidNotional: '0', askNotional: '0',
    };
}

/** `ORDER_TRADE_UPDATE` of a regular order (or of the order a triggered stop placed), with its last fill. */
export function orderTradeUpdate(o: OrderFacts, base: bigint, fill: FillFacts['fill'] | undefined, now: number): Record<string, unknown> {
  const x = fill !== undefined ? 'TRADE' : o.status === 'canceled' ? 'CANCELED' : o.status === 'expired' ? 'EXPIRED' : 'NEW';
  return {
    e: 'ORDER_TRADE_UPDATE', E: now, T: o.updatedAt,
    o: {
      s: marketIdOf(o.symbol), c: o.clientOrderId, S: o.side === 'buy' ? 'BUY' : 'SELL', o: o.type === 'limit' ? 'LIMIT' : 'MARKET',
      f: o.type === 'limit' ? 'GTC' : 'IOC', q: num(o.amount), p: num(o.price, '0'), ap: num(o.average, '0'),
      sp: num(o.triggerPrice, '0'), x, X: status(o), i: binanceOrderId(o.id, base), l: num(fill?.amount ?? 0),
      z: num(o.filled), L: num(fill?.price ?? 0), N: 'USDT', n: '0', T: o.updatedAt, t: fill === undefined ? 0 : tradeNumber(fill.tradeId),
      b: '0', a: '0', m: false, R: o.reduceOnly, wt: 'CONTRACT_PRICE', ot: typeWord(o), ps: 'BOTH', cp: false,
      rp: '0', pP: false, si: 0, ss: 0, V: 'EXPIRE_MAKER', pm: 'NONE', gtd: 0, O: o.createdAt,
    },
  };
}

/** `ALGO_UPDATE` of a conditional order. */
export function algoUpdate(o: OrderFacts, base: bigint, now: number): Record<string, unknown> {
  const triggered = o.filled > 0;
  return {
    e: 'ALGO_UPDATE', T: o.updatedAt, E: now,
    o: {
      caid: o.clientOrderId, aid: binanceAlgoId(o.id), at: 'CONDITIONAL', o: 'STOP_MARKET', s: marketIdOf(o.symbol),
      S: o.side === 'buy' ? 'BUY' : 'SELL', ps: 'BOTH', f: 'GTC', q: num(o.amount), X: algoStatus(o),
      ai: triggered ? binanceOrderId(o.id, base).toString() : '', ap: num(o.average, '0.00000'), aq: num(o.filled, '0.00000'),
      act: triggered ? 'MARKET' : '0', tp: num(o.triggerPrice, '0'), p: '0', V: 'EXPIRE_MAKER', wt: 'CONTRACT_PRICE',
      pm: 'NONE', cp: false, pP: false, R: o.reduceOnly, tt: triggered ? o.updatedAt : 0, gtd: 0, rm: '',
    },
  };
}

/** `ACCOUNT_UPDATE` with the positions of one symbol. */
export function accountUpdate(p: PositionFacts, mode: PositionMode, now: number): Record<string, unknown> {
  const record = (size: number, ps: string) => ({
    s: marketIdOf(p.symbol), pa: num(size), ep: num(size === 0 ? undefined : p.entryPrice, '0.00000'),
    bep: num(size === 0 ? undefined : p.entryPrice, '0'), cr: '0', up: '0', mt: 'cross', iw: '0', ps,
  });
  const positions = mode === 'one-way' ? [record(p.size, 'BOTH')] : [record(Math.max(p.size, 0), 'LONG'), record(Math.min(p.size, 0), 'SHORT')];
  return {
    e: 'ACCOUNT_UPDATE', E: now, T: p.updatedAt,
    a: { m: 'ORDER', B: [{ a: 'USDT', wb: '100000', cw: '100000', bc: '0' }], P: positions },
  };
}

/** Binance trade ids are integers; the venue's are `T<n>`. */
function tradeNumber(tradeId: string): number {
  const n = Number(tradeId.replace(/^\D+/, ''));
  return Number.isSafeInteger(n) ? n : 0;
}
