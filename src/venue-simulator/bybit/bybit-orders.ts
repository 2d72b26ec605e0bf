/**
 * Bybit v5's order and execution records (linear), field for field as the documentation and
 * ccxt's recorded replies show them (ccxt `ts/src/test/static/response/bybit.json`,
 * `fetchClosedOrder`): string numbers, `''` for an absent price, `orderStatus` words — a linear
 * market order whose remainder was cancelled past its slippage cap is `Cancelled` with
 * `cumExecQty > 0` (`PartiallyFilledCanceled` is spot only) — and a market order's `price` is its
 * slippage-protected limit price, not `avgPrice`. The same records serve REST and the private
 * stream (which adds `category`). Pure.
 *
 * @example
 * bybitOrder(facts) // { orderId: '5c0d1b2e-…', orderStatus: 'Cancelled', cumExecQty: '21', … }
 */
import { dec, floorToStep, mul, sub } from '../../domain/decimal.js';
import type { EndReason } from '../../exchange/sim/venue-rules.js';
import type { FillFacts, OrderFacts } from '../facts.js';
import { num } from '../facts.js';
import { bybitOrderId, marketIdOf } from '../wire-ids.js';

/** The share a market order's limit price may lie from the last price (unverified: the recorded buy is +1 %; the cap is 3–5 %). */
const PROTECTION = 0.01;

function orderStatus(o: OrderFacts): string {
  const stop = o.type === 'stop-market';
  switch (o.status) {
    case 'open':
      return stop ? 'Untriggered' : o.filled > 0 ? 'PartiallyFilled' : 'New';
    case 'triggered':
      return o.filled > 0 ? 'PartiallyFilled' : 'Triggered';
    case 'closed':
      return 'Filled';
    case 'canceled':
      return stop && o.triggeredAt === undefined ? 'Deactivated' : 'Cancelled';
    case 'rejected':
      return 'Rejected';
    case 'expired':
      return 'Cancelled';
  }
}

const CANCEL_TYPE: Readonly<Partial<Record<EndReason, string>>> = {
  user: 'CancelByUser',
  'disconnect-protection': 'CancelByDCP',
  'nothing-to-reduce': 'CancelByReduceOnly',
};
const REJECT_REASON: Readonly<Partial<Record<EndReason, string>>> = { 'unfilled-remainder': 'EC_CancelForNoFullFill' };

/** A market order's limit price: the last price moved against the taker, on the price grid. */
function protectedPrice(o: OrderFacts): string {
  if (o.lastPriceOnCreated === undefined || o.priceStep === undefined || !(o.priceStep > 0)) return num(o.average, '0');
  return num(
    floorToStep(dec(o.lastPriceOnCreated).times(o.side === 'buy' ? 1 + PROTECTION : 1 - PROTECTION), o.priceStep),
  );
}

/** An order of `/v5/order/realtime`, `/v5/order/history` and the `order` topic. */
export function bybitOrder(o: OrderFacts): Record<string, unknown> {
  const stop = o.type === 'stop-market';
  const working = o.status === 'open' || o.status === 'triggered';
  const leaves = working ? sub(o.amount, o.filled) : 0;
  const reason = o.endReason;
  return {
    symbol: marketIdOf(o.symbol),
    orderType: o.type === 'limit' ? 'Limit' : 'Market',
    orderLinkId: o.clientOrderId,
    slLimitPrice: '0',
    orderId: bybitOrderId(o.id),
    cancelType: reason === undefined ? 'UNKNOWN' : (CANCEL_TYPE[reason] ?? 'UNKNOWN'),
    avgPrice: num(o.average),
    stopOrderType: stop ? 'Stop' : '',
    lastPriceOnCreated: num(o.lastPriceOnCreated),
    orderStatus: orderStatus(o),
    createType: stop ? 'CreateByStopOrder' : 'CreateByUser',
    takeProfit: '',
    cumExecValue: num(mul(o.filled, o.average ?? 0)),
    tpslMode: stop ? 'Full' : '',
    smpType: 'None',
    triggerDirection: stop ? (o.side === 'buy' ? 1 : 2) : 0,
    blockTradeId: '',
    cumFeeDetail: {},
    rejectReason: reason === undefined ? 'EC_NoError' : (REJECT_REASON[reason] ?? 'EC_NoError'),
    isLeverage: '',
    price: o.type === 'limit' ? num(o.price) : stop ? '0' : protectedPrice(o),
    orderIv: '',
    createdTime: String(o.createdAt),
    tpTriggerBy: '',
    positionIdx: 0,
    timeInForce: o.type === 'limit' ? 'GTC' : 'IOC',
    leavesValue: num(mul(leaves, o.price ?? o.average ?? o.lastPriceOnCreated ?? 0)),
    updatedTime: String(o.updatedAt),
    side: o.side === 'buy' ? 'Buy' : 'Sell',
    smpGroup: 0,
    triggerPrice: num(o.triggerPrice),
    tpLimitPrice: '0',
    cumExecFee: '0',
    slTriggerBy: '',
    leavesQty: num(leaves),
    closeOnTrigger: stop && o.reduceOnly,
    slippageToleranceType: 'UNKNOWN',
    placeType: '',
    cumExecQty: num(o.filled),
    reduceOnly: o.reduceOnly,
    qty: num(o.amount),
    stopLoss: '',
    marketUnit: '',
    smpOrderId: '',
    slippageTolerance: '0',
    triggerBy: stop ? (o.triggerBy === 'mark' ? 'MarkPrice' : 'LastPrice') : '',
    extraFees: '',
  };
}

/** One record of the `execution` topic (and `/v5/execution/list`). */
export function bybitExecution({ fill, order }: FillFacts): Record<string, unknown> {
  const leaves = order === undefined ? 0 : sub(order.amount, order.filled);
  return {
    category: 'linear',
    symbol: marketIdOf(fill.symbol),
    execFee: '0',
    execId: fill.tradeId,
    execPrice: num(fill.price),
    execQty: num(fill.amount),
    execType: 'Trade',
    execValue: num(mul(fill.amount, fill.price)),
    isMaker: false,
    feeRate: '0.00055',
    tradeIv: '',
    markIv: '',
    blockTradeId: '',
    markPrice: num(fill.price),
    indexPrice: '',
    underlyingPrice: '',
    leavesQty: num(Math.max(0, leaves)),
    orderId: fill.venueOrderId === undefined ? '' : bybitOrderId(fill.venueOrderId),
    orderLinkId: fill.clientOrderId ?? '',
    orderPrice: num(order?.price ?? fill.price),
    orderQty: num(order?.amount ?? fill.amount),
    orderType: order?.type === 'limit' ? 'Limit' : 'Market',
    stopOrderType: order?.triggerPrice !== undefined ? 'Stop' : 'UNKNOWN',
    side: fill.side === 'buy' ? 'Buy' : 'Sell',
    execTime: String(fill.venueTime ?? fill.receivedAt),
    isLeverage: '0',
    closedSize: '',
    seq: 0,
  };
}
