import { describe, expect, it } from 'vitest';
import { AVL, BTC, MAIN, limit, market, setup, stop } from './helpers.js';
import { createSimPort } from '../../../src/exchange/sim/index.js';

describe('simulated matching', () => {
  it('lists the BTC, ETH and AVL linear perpetuals with their steps', async () => {
    const { port } = setup();
    const markets = await port.loadMarkets();
    expect([...markets.keys()]).toEqual(['BTC/USDT:USDT', 'ETH/USDT:USDT', 'AVL/USDT:USDT']);
    expect(markets.get(AVL)).toEqual({
      symbol: AVL,
      amountStep: 1,
      priceStep: 0.0001,
      minAmount: 1,
      minNotional: 5,
      contractSize: 1,
    });
    expect(markets.get(BTC)?.amountStep).toBe(0.001);
    expect(await port.fetchMarkPrice(AVL)).toBe(0.25);
  });

  it('fills a market order at once at the mark and opens a long', async () => {
    const { port } = setup();
    const outcome = await port.createOrder(market('buy', 43));
    expect(outcome.kind).toBe('accepted');
    if (outcome.kind !== 'accepted') return;
    expect(outcome.value.report).toMatchObject({
      status: 'filled',
      side: 'buy',
      filled: 43,
      averagePrice: 0.25,
      type: 'market',
    });
    expect(await port.fetchPositions()).toEqual([
      expect.objectContaining({ symbol: AVL, side: 'buy', size: 43, entryPrice: 0.25, venueSeq: 1 }),
    ]);
  });

  it('rests a limit order until the mark reaches its price, then fills it at that price', async () => {
    const { venue, port } = setup();
    const order = limit('buy', 40, 0.24);
    await port.createOrder(order);
    venue.setPrice(AVL, 0.2401);
    expect(await port.fetchOpenOrders(AVL)).toEqual([
      expect.objectContaining({ clientOrderId: order.clientOrderId, status: 'open', filled: 0 }),
    ]);
    venue.setPrice(AVL, 0.2399);
    expect(await port.fetchOrder({ clientOrderId: order.clientOrderId }, AVL)).toMatchObject({
      status: 'filled',
      filled: 40,
      averagePrice: 0.24,
    });
    expect(await port.fetchOpenOrders()).toEqual([]);
    expect(venue.position(MAIN, AVL)).toMatchObject({ size: 40, entryPrice: 0.24 });
  });

  it('fills a limit order that crosses the mark when placed at once, at the mark', async () => {
    const { port } = setup();
    const outcome = await port.createOrder(limit('sell', 40, 0.2));
    expect(outcome.kind === 'accepted' && outcome.value.report).toMatchObject({ status: 'filled', averagePrice: 0.25 });
  });

  it('triggers a sell stop when the mark falls to its trigger and fills it at the mark', async () => {
    const { venue, port } = setup();
    await port.createOrder(market('buy', 43));
    const sl = stop('sell', 43, 0.21);
    await port.createOrder(sl);
    venue.setPrice(AVL, 0.2101);
    expect(await port.fetchOrder({ clientOrderId: sl.clientOrderId }, AVL)).toMatchObject({
      status: 'open',
      type: 'stop-market',
      triggerPrice: 0.21,
      reduceOnly: true,
    });
    venue.setPrice(AVL, 0.2095);
    expect(await port.fetchOrder({ clientOrderId: sl.clientOrderId }, AVL)).toMatchObject({
      status: 'filled',
      filled: 43,
      averagePrice: 0.2095,
    });
    expect(venue.position(MAIN, AVL).size).toBe(0);
  });

  it('triggers a buy stop when the mark rises to its trigger', async () => {
    const { venue, port } = setup();
    venue.openExternalPosition(MAIN, AVL, 'sell', 30);
    await port.createOrder(stop('buy', 30, 0.26));
    venue.setPrice(AVL, 0.26);
    expect(venue.position(MAIN, AVL)).toMatchObject({ size: 0, entryPrice: undefined });
  });

  it('refuses a stop whose trigger the mark has already passed', async () => {
    const { port } = setup();
    await port.createOrder(market('buy', 43));
    const outcome = await port.createOrder(stop('sell', 43, 0.26));
    expect(outcome).toMatchObject({ kind: 'rejected', code: 'INVALID_PRICE' });
  });

  it('nets fills into one position per account and symbol with an average entry, and flips through zero', async () => {
    const { venue, port } = setup();
    await port.createOrder(market('buy', 40));
    venue.setPrice(AVL, 0.3);
    await port.createOrder(market('buy', 20));
    expect(venue.position(MAIN, AVL).entryPrice).toBeCloseTo(0.2666666, 6);
    await port.createOrder(market('sell', 100));
    expect(venue.position(MAIN, AVL)).toMatchObject({ size: -40, entryPrice: 0.3 });
  });

  it('refuses amounts off the step, below the minimum notional, and unknown symbols', async () => {
    const { port } = setup();
    expect(await port.createOrder(market('buy', 0.5))).toMatchObject({ kind: 'rejected', code: 'INVALID_AMOUNT' });
    expect(await port.createOrder(market('buy', 10))).toMatchObject({ kind: 'rejected', code: 'MIN_NOTIONAL' });
    expect(await port.createOrder(market('buy', 1, { symbol: 'DOGE/USDT:USDT' }))).toMatchObject({
      kind: 'rejected',
      code: 'BAD_SYMBOL',
    });
    expect(await port.createOrder(limit('buy', 40, 0.24005))).toMatchObject({
      kind: 'rejected',
      code: 'INVALID_PRICE',
    });
  });

  it('cancels an open order once; a second cancel or an unknown order is refused', async () => {
    const { port } = setup();
    const order = limit('buy', 40, 0.2);
    await port.createOrder(order);
    expect(await port.cancelOrder({ clientOrderId: order.clientOrderId }, AVL)).toMatchObject({ kind: 'accepted' });
    expect(await port.fetchOrder({ clientOrderId: order.clientOrderId }, AVL)).toMatchObject({
      status: 'cancelled',
      filled: 0,
    });
    expect(await port.cancelOrder({ clientOrderId: order.clientOrderId }, AVL)).toMatchObject({
      kind: 'rejected',
      code: 'ORDER_NOT_OPEN',
    });
    expect(await port.cancelOrder({ clientOrderId: order.clientOrderId }, BTC)).toMatchObject({
      kind: 'rejected',
      code: 'ORDER_NOT_FOUND',
    });
  });

  it('keeps the orders and positions of accounts on one venue apart', async () => {
    const { venue, port } = setup();
    const other = createSimPort(venue, 'other');
    const order = market('buy', 43);
    await port.createOrder(order);
    expect(await other.fetchPositions()).toEqual([]);
    expect(await other.fetchOrder({ clientOrderId: order.clientOrderId }, AVL)).toBeUndefined();
    expect(await other.createOrder({ ...order, side: 'sell' })).toMatchObject({ kind: 'accepted' });
    expect(venue.position('other', AVL).size).toBe(-43);
    expect(venue.position(MAIN, AVL).size).toBe(43);
  });

  it('reports one-way mode unless an account is made hedge-mode', async () => {
    const { venue, port } = setup();
    expect(await port.fetchPositionMode()).toBe('one-way');
    venue.setPositionMode(MAIN, 'hedge');
    expect(await port.fetchPositionMode()).toBe('hedge');
  });
});
