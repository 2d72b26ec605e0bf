/**
 * Bybit v5's records, field for field as its documentation shows them (string numbers,
 * `Buy`/`Sell`, `orderStatus` words, UUID order ids): instruments, tickers, orders, positions
 * and executions, and the reply envelope `{ retCode, retMsg, result, retExtInfo, time }`.
 * The same records serve REST and the private stream (which adds `category`). Pure.
 *
 * @example
 * envelope({ list: [bybitOrder(facts)] }, now) // { retCode: 0, retMsg: 'OK', result: { list: [...] }, retExtInfo: {}, time }
 */
import { mul, sub } from '../../../domain/decimal.js';
import type { PositionMode } from '../../port.js';
import type { Market } from '../../../domain/market.js';
import type { FillFacts, OrderFacts, PositionFacts } from '../facts.js';
import { num } from '../facts.js';
import { bybitOrderId, marketIdOf } from '../wire-ids.js';

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
    symbol: marketIdOf(spec.symbol), contractType: 'LinearPerpetual', status: 'Trading', baseCoin: base, quoteCoin: quote,
    launchTime: '1585526400000', deliveryTime: '0', deliveryFeeRate: '', priceScale: String(decimals(spec.priceStep)),
    leverageFilter: { minLeverage: '1', maxLeverage: '50.00', leverageStep: '0.01' },
    priceFilter: { minPrice: num(spec.priceStep), maxPrice: '1999999.80', tickSize: num(spec.priceStep) },
    lotSizeFilter: {
      maxOrderQty: '1000000', minOrderQty: num(spec.minAmount), qtyStep: num(spec.amountStep),
      postOnlyMaxOrderQty: '1000000', maxMktOrderQty: '1000000', minNotionalValue: num(spec.minNotional),
    },
    unifiedMarginTrade: true, fundingInterval: 480, settleCoin: quote, copyTrading: 'both', upperFundingRate: '0.00375',
    lowerFundingRate: '-0.00375', isPreListing: false, preListingInfo: null,
  };
}

/** One entry of `/v5/market/tickers`. */
export function ticker(symbol: string, mark: number, now: number): Record<string, unknown> {
  const p = num(mark);
  return {
    symbol: marketIdOf(symbol), lastPrice: p, indexPrice: p, markPrice: p, prevPrice24h: p, price24hPcnt: '0',
    highPrice24h: p, lowPrice24h: p, prevPrice1h: p, openInterest: '0', openInterestValue: '0', turnover24h: '0',
    volume24h: '0', fundingRate: '0.0001', nextFundingTime: String(now - (now % 28_800_000) + 28_800_000),
    predictedDeliveryPrice: '', basisRate: '', deliveryFeeRate: '', deliveryTime: '0', ask1Size: '1', bid1Price: p,
    ask1Price: p, bid1Size: '1',
  };
}

function orderStatus(o: OrderFacts): string {
  const stop = o.type === 'stop-market';
  switch (o.status) {
    case 'open': return stop && o.filled === 0 ? 'Untriggered' : o.filled > 0 ? 'PartiallyFilled' : 'New';
    case 'closed': return 'Filled';
    case 'canceled': return o.filled > 0 ? 'PartiallyFilledCanceled' : stop ? 'Deactivated' : 'Cancelled';
    case 'rejected': return 'Rejected';
    case 'expired': return 'Cancelled';
  }
}

/** An order of `/v5/order/realtime`, `/v5/order/history` and the `order` topic. */
export function bybitOrder(o: OrderFacts): Record<string, unknown> {
  const stop = o.type === 'stop-market';
  const leaves = o.status === 'open' ? sub(o.amount, o.filled) : 0;
  return {
    orderId: bybitOrderId(o.id), orderLinkId: o.clientOrderId, blockTradeId: '', symbol: marketIdOf(o.symbol),
    price: num(o.price ?? o.average, '0'), qty: num(o.amount), side: o.side === 'buy' ? 'Buy' : 'Sell', isLeverage: '',
    positionIdx: 0, orderStatus: orderStatus(o), createType: stop ? 'CreateByStopOrder' : 'CreateByUser',
    cancelType: o.status === 'canceled' ? 'CancelByUser' : 'UNKNOWN', rejectReason: 'EC_NoError',
    avgPrice: num(o.average), leavesQty: num(leaves), leavesValue: num(mul(leaves, o.price ?? o.average ?? 0)),
    cumExecQty: num(o.filled), cumExecValue: num(mul(o.filled, o.average ?? 0)), cumExecFee: '0',
    timeInForce: o.type === 'limit' ? 'GTC' : 'IOC', orderType: o.type === 'limit' ? 'Limit' : 'Market',
    stopOrderType: stop ? 'Stop' : '', orderIv: '', marketUnit: '', triggerPrice: num(o.triggerPrice),
    takeProfit: '', stopLoss: '', tpslMode: stop ? 'Full' : '', ocoTriggerBy: '', tpLimitPrice: '', slLimitPrice: '',
    tpTriggerBy: '', slTriggerBy: '', triggerDirection: stop ? (o.side === 'buy' ? 1 : 2) : 0,
    triggerBy: stop ? 'MarkPrice' : '', lastPriceOnCreated: '', reduceOnly: o.reduceOnly, closeOnTrigger: stop && o.reduceOnly,
    placeType: '', smpType: 'None', smpGroup: 0, smpOrderId: '', createdTime: String(o.createdAt), updatedTime: String(o.updatedAt),
  };
}

/** The records of one symbol in `/v5/position/list` and the `position` topic. */
export function bybitPositions(p: PositionFacts, mode: PositionMode): Record<string, unknown>[] {
  if (mode === 'one-way') return [bybitPosition(p, 0)];
  const long = p.size > 0 ? p : { ...p, size: 0 };
  const short = p.size < 0 ? p : { ...p, size: 0 };
  return [bybitPosition(long, 1), bybitPosition(short, 2)];
}

function bybitPosition(p: PositionFacts, positionIdx: number): Record<string, unknown> {
  const size = Math.abs(p.size);
  const side = p.size > 0 ? 'Buy' : p.size < 0 ? 'Sell' : '';
  const mark = p.markPrice ?? p.entryPrice ?? 0;
  return {
    positionIdx, riskId: 1, riskLimitValue: '2000000', symbol: marketIdOf(p.symbol), side, size: num(size),
    avgPrice: num(p.entryPrice, '0'), positionValue: num(mul(size, p.entryPrice ?? 0)), tradeMode: 0, positionStatus: 'Normal',
    autoAddMargin: 0, adlRankIndicator: size > 0 ? 2 : 0, leverage: '10', positionBalance: '0', markPrice: num(mark),
    liqPrice: '', bustPrice: '', positionMM: '0', positionIM: '0', tpslMode: 'Full', takeProfit: '0', stopLoss: '0',
    trailingStop: '0', unrealisedPnl: num(size === 0 ? 0 : mul(sub(mark, p.entryPrice ?? mark), p.size)), curRealisedPnl: '0',
    cumRealisedPnl: '0', seq: p.seq === 0 ? -1 : p.seq, isReduceOnly: false, mmrSysUpdatedTime: '',
    leverageSysUpdatedTime: '', createdTime: String(p.updatedAt), updatedTime: String(p.updatedAt),
  };
}

/** One record of the `execution` topic (and `/v5/execution/list`). */
export function bybitExecution({ fill, order }: FillFacts): Record<string, unknown> {
  const leaves = order === undefined ? 0 : sub(order.amount, order.filled);
  return {
    category: 'linear', symbol: marketIdOf(fill.symbol), execFee: '0', execId: fill.tradeId, execPrice: num(fill.price),
    execQty: num(fill.amount), execType: 'Trade', execValue: num(mul(fill.amount, fill.price)), isMaker: false, feeRate: '0.00055',
    tradeIv: '', markIv: '', blockTradeId: '', markPrice: num(fill.price), indexPrice: '', underlyingPrice: '',
    leavesQty: num(Math.max(0, leaves)), orderId: fill.venueOrderId === undefined ? '' : bybitOrderId(fill.venueOrderId),
    orderLinkId: fill.clientOrderId ?? '', orderPrice: num(order?.price ?? fill.price), orderQty: num(order?.amount ?? fill.amount),
    orderType: order?.type === 'limit' ? 'Limit' : 'Market', stopOrderType: order?.triggerPrice !== undefined ? 'Stop' : 'UNKNOWN',
    side: fill.side === 'buy' ? 'Buy' : 'Sell', execTime: String(fill.venueTime ?? fill.receivedAt), isLeverage: '0',
    closedSize: '', seq: 0,
  };
}
