/**
 * Bybit v5's market and position records, field for field as its documentation shows them
 * (string numbers, `Buy`/`Sell`): instruments, tickers, positions, and the reply envelope
 * `{ retCode, retMsg, result, retExtInfo, time }`. Orders and executions are in
 * bybit-orders.ts. Pure.
 *
 * @example
 * envelope({ list: [bybitOrder(facts)] }, now) // { retCode: 0, retMsg: 'OK', result: { list: [...] }, retExtInfo: {}, time }
 */
import { mul, sub } from '../../domain/decimal.js';
import type { PositionMode } from '../../exchange/port.js';
import type { Market } from '../../domain/market.js';
import type { PositionFacts } from '../facts.js';
import { num } from '../facts.js';
import { marketIdOf } from '../wire-ids.js';

/** The success envelope of every v5 reply. */
export function envelope(result: unknown, now: number): Record<string, unknown> {
  return { retCode: 0, retMsg: 'OK', result, retExtInfo: {}, time: now };
}

/** The error envelope: the venue answered and refused. */
export function errorEnvelope(retCode: number, retMsg: string, now: number): Record<string, unknown> {
  return { retCode, retMsg, result: {}, retExtInfo: {}, time: now };
}

const decimals = (step: number): number => Math.max(0, -Math.floor(Math.log10(step) + 1e-9));

/** One linear perpetual of `/v5/market/instruments-info`. */
export function instrument(spec: Market): Record<string, unknown> {
  const [base, quote] = spec.symbol.split(/[/:]/);
  return {
    symbol: marketIdOf(spec.symbol),
    contractType: 'LinearPerpetual',
    status: 'Trading',
    baseCoin: base,
    quoteCoin: quote,
    launchTime: '1585526400000',
    deliveryTime: '0',
    deliveryFeeRate: '',
    priceScale: String(decimals(spec.priceStep)),
    leverageFilter: { minLeverage: '1', maxLeverage: '50.00', leverageStep: '0.01' },
    priceFilter: { minPrice: num(spec.priceStep), maxPrice: '1999999.80', tickSize: num(spec.priceStep) },
    lotSizeFilter: {
      maxOrderQty: '1000000',
      minOrderQty: num(spec.minAmount),
      qtyStep: num(spec.amountStep),
      postOnlyMaxOrderQty: '1000000',
      maxMktOrderQty: '1000000',
      minNotionalValue: num(spec.minNotional),
    },
    unifiedMarginTrade: true,
    fundingInterval: 480,
    settleCoin: quote,
    copyTrading: 'both',
    upperFundingRate: '0.00375',
    lowerFundingRate: '-0.00375',
    isPreListing: false,
    preListingInfo: null,
  };
}

/** One entry of `/v5/market/tickers`: the last traded price and the mark price. */
export function ticker(
  symbol: string,
  prices: { readonly mark: number; readonly last: number },
  now: number,
): Record<string, unknown> {
  const p = num(prices.mark);
  const last = num(prices.last);
  return {
    symbol: marketIdOf(symbol),
    lastPrice: last,
    indexPrice: p,
    markPrice: p,
    prevPrice24h: last,
    price24hPcnt: '0',
    highPrice24h: last,
    lowPrice24h: last,
    prevPrice1h: last,
    openInterest: '0',
    openInterestValue: '0',
    turnover24h: '0',
    volume24h: '0',
    fundingRate: '0.0001',
    nextFundingTime: String(now - (now % 28_800_000) + 28_800_000),
    predictedDeliveryPrice: '',
    basisRate: '',
    deliveryFeeRate: '',
    deliveryTime: '0',
    ask1Size: '1',
    bid1Price: last,
    ask1Price: last,
    bid1Size: '1',
  };
}

/**
 * The records of one symbol in `/v5/position/list` (`rest`) and the `position` topic (`stream`).
 * REST writes an unset take-profit or stop-loss as `''` and a flat position's value and PnL as
 * `''`; the stream writes `'0'` (ccxt's recorded `fetchPosition`/`fetchPositions` replies, and
 * recorded `position` pushes, see docs/exchange-notes.md).
 */
export function bybitPositions(
  p: PositionFacts,
  mode: PositionMode,
  form: 'rest' | 'stream',
): Record<string, unknown>[] {
  if (mode === 'one-way') return [bybitPosition(p, 0, form)];
  const long = p.size > 0 ? p : { ...p, size: 0 };
  const short = p.size < 0 ? p : { ...p, size: 0 };
  return [bybitPosition(long, 1, form), bybitPosition(short, 2, form)];
}

function bybitPosition(p: PositionFacts, positionIdx: number, form: 'rest' | 'stream'): Record<string, unknown> {
  const size = Math.abs(p.size);
  const side = p.size > 0 ? 'Buy' : p.size < 0 ? 'Sell' : '';
  const mark = p.markPrice ?? p.entryPrice ?? 0;
  const unset = form === 'rest' ? '' : '0';
  const flatEmpty = (value: string): string => (size === 0 && form === 'rest' ? '' : value);
  return {
    positionIdx,
    riskId: 1,
    riskLimitValue: '2000000',
    symbol: marketIdOf(p.symbol),
    side,
    size: num(size),
    avgPrice: num(p.entryPrice, '0'),
    positionValue: flatEmpty(num(mul(size, p.entryPrice ?? 0))),
    tradeMode: 0,
    positionStatus: 'Normal',
    autoAddMargin: 0,
    adlRankIndicator: size > 0 ? 2 : 0,
    leverage: '10',
    positionBalance: '0',
    markPrice: num(mark),
    liqPrice: '',
    bustPrice: '',
    positionMM: '0',
    positionIM: '0',
    tpslMode: 'Full',
    takeProfit: unset,
    stopLoss: unset,
    trailingStop: '0',
    unrealisedPnl: flatEmpty(num(size === 0 ? 0 : mul(sub(mark, p.entryPrice ?? mark), p.size))),
    curRealisedPnl: '0',
    cumRealisedPnl: '0',
    seq: p.seq === 0 ? -1 : p.seq,
    isReduceOnly: false,
    mmrSysUpdatedTime: '',
    leverageSysUpdatedTime: '',
    createdTime: String(p.updatedAt),
    updatedTime: String(p.updatedAt),
  };
}
