/**
 * Binance USD-M's market and position records, field for field as its documentation and
 * recorded replies show them: exchange info, the mark price, position risk (v2 and v3) and the
 * user-data event `ACCOUNT_UPDATE`. Orders are in binance-orders.ts. Pure.
 *
 * @example
 * positionRisk(facts, 'one-way', 3) // [{ symbol: 'AVLUSDT', positionAmt: '43', positionSide: 'BOTH', … }]
 */
import type { Market } from '../../domain/market.js';
import { mul, sub } from '../../domain/decimal.js';
import type { PositionMode } from '../../exchange/port.js';
import type { PositionFacts } from '../facts.js';
import { num } from '../facts.js';
import { marketIdOf } from '../wire-ids.js';

const decimals = (step: number): number => Math.max(0, -Math.floor(Math.log10(step) + 1e-9));

/** One symbol of `/fapi/v1/exchangeInfo`. */
export function exchangeSymbol(m: Market): Record<string, unknown> {
  const [base, quote] = m.symbol.split(/[/:]/);
  return {
    symbol: marketIdOf(m.symbol),
    pair: marketIdOf(m.symbol),
    contractType: 'PERPETUAL',
    deliveryDate: 4133404800000,
    onboardDate: 1569398400000,
    status: 'TRADING',
    maintMarginPercent: '2.5000',
    requiredMarginPercent: '5.0000',
    baseAsset: base,
    quoteAsset: quote,
    marginAsset: quote,
    pricePrecision: decimals(m.priceStep),
    quantityPrecision: decimals(m.amountStep),
    baseAssetPrecision: 8,
    quotePrecision: 8,
    underlyingType: 'COIN',
    underlyingSubType: [],
    settlePlan: 0,
    triggerProtect: '0.0500',
    liquidationFee: '0.012500',
    marketTakeBound: '0.05',
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
    timeInForce: ['GTC', 'IOC', 'FOK', 'GTX', 'GTD'],
    permissionSets: ['GRID', 'COPY'],
  };
}

/** `/fapi/v1/exchangeInfo`. */
export function exchangeInfo(markets: readonly Market[], now: number): Record<string, unknown> {
  return {
    timezone: 'UTC',
    serverTime: now,
    futuresType: 'U_MARGINED',
    rateLimits: [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 2400 },
      { rateLimitType: 'ORDERS', interval: 'MINUTE', intervalNum: 1, limit: 1200 },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 300 },
    ],
    exchangeFilters: [],
    assets: [{ asset: 'USDT', marginAvailable: true, autoAssetExchange: '-10000' }],
    symbols: markets.map(exchangeSymbol),
  };
}

/** `/fapi/v1/premiumIndex?symbol=`. */
export function premiumIndex(symbol: string, mark: number, now: number): Record<string, unknown> {
  const p = num(mark);
  return {
    symbol: marketIdOf(symbol),
    markPrice: p,
    indexPrice: p,
    estimatedSettlePrice: p,
    lastFundingRate: '0.00010000',
    interestRate: '0.00010000',
    nextFundingTime: now - (now % 28_800_000) + 28_800_000,
    time: now,
  };
}

/** The records of one symbol in `/fapi/v2/positionRisk` or `/fapi/v3/positionRisk`. */
export function positionRisk(p: PositionFacts, mode: PositionMode, version: 2 | 3): Record<string, unknown>[] {
  if (mode === 'one-way') return [risk(p, 'BOTH', version)];
  return [
    risk(p.size > 0 ? p : { ...p, size: 0 }, 'LONG', version),
    risk(p.size < 0 ? p : { ...p, size: 0 }, 'SHORT', version),
  ];
}

function risk(p: PositionFacts, positionSide: string, version: 2 | 3): Record<string, unknown> {
  const mark = p.markPrice ?? p.entryPrice ?? 0;
  const notional = mul(p.size, mark);
  const common = {
    symbol: marketIdOf(p.symbol),
    positionSide,
    positionAmt: num(p.size),
    entryPrice: num(p.entryPrice, '0.0'),
    breakEvenPrice: num(p.entryPrice, '0.0'),
    markPrice: num(mark),
    unRealizedProfit: num(p.size === 0 ? 0 : mul(sub(mark, p.entryPrice ?? mark), p.size)),
    liquidationPrice: '0',
    isolatedMargin: '0',
    notional: num(notional),
    isolatedWallet: '0',
    updateTime: p.updatedAt,
  };
  return version === 2
    ? { ...common, marginType: 'cross', isAutoAddMargin: 'false', leverage: '10', maxNotionalValue: '20000000' }
    : {
        ...common,
        marginAsset: 'USDT',
        initialMargin: num(Math.abs(notional) / 10),
        maintMargin: '0',
        positionInitialMargin: num(Math.abs(notional) / 10),
        openOrderInitialMargin: '0',
        adl: 0,
        bidNotional: '0',
        askNotional: '0',
      };
}

/** `ACCOUNT_UPDATE` with the positions of one symbol. */
export function accountUpdate(p: PositionFacts, mode: PositionMode, now: number): Record<string, unknown> {
  const record = (size: number, ps: string) => ({
    s: marketIdOf(p.symbol),
    pa: num(size),
    ep: num(size === 0 ? undefined : p.entryPrice, '0.00000'),
    bep: num(size === 0 ? undefined : p.entryPrice, '0'),
    cr: '0',
    up: '0',
    mt: 'cross',
    iw: '0',
    ps,
  });
  const positions =
    mode === 'one-way'
      ? [record(p.size, 'BOTH')]
      : [record(Math.max(p.size, 0), 'LONG'), record(Math.min(p.size, 0), 'SHORT')];
  return {
    e: 'ACCOUNT_UPDATE',
    E: now,
    T: p.updatedAt,
    a: { m: 'ORDER', B: [{ a: 'USDT', wb: '100000', cw: '100000', bc: '0' }], P: positions },
  };
}
