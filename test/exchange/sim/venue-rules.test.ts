/**
 * Where the simulated venue follows Binance USD-M rather than Bybit v5 (`venue: 'binance'`; the
 * in-process default stays Bybit's): client ids unique among open orders only, reduce-only stops
 * accepted on a flat position and judged at their trigger, untriggered reduce-only stops expired
 * when their position closes, a market order's remainder ending expired, and market-order price
 * protection refusing the order rather than capping it.
 */
import { describe, expect, it } from 'vitest';
import { orderFate } from '../../../src/domain/order-fate.js';
import { DUPLICATE_CLIENT_ORDER_ID, isTransientRefusal } from '../../../src/domain/outcome.js';
import { AVL, MAIN, limit, market, ofType, record, setup, stop } from './helpers.js';

describe('client order ids', () => {
  it('on Bybit, refuses the id of a finished order (unique per account)', async () => {
    const { port } = setup();
    const order = market('buy', 43);
    await port.createOrder(order);
    expect(await port.createOrder({ ...order, side: 'sell' })).toMatchObject({
      kind: 'unknown',
      code: DUPLICATE_CLIENT_ORDER_ID,
    });
  });

  it('on Binance, accepts the id of a finished order and refuses that of an open one', async () => {
    const { venue, port } = setup({ venue: 'binance' });
    const order = market('buy', 43);
    await port.createOrder(order);
    expect(await port.createOrder({ ...order, side: 'sell', reduceOnly: true })).toMatchObject({ kind: 'accepted' });
    const resting = limit('buy', 40, 0.2);
    await port.createOrder(resting);
    expect(await port.createOrder(resting)).toMatchObject({ kind: 'unknown', code: DUPLICATE_CLIENT_ORDER_ID });
    expect(venue.position(MAIN, AVL).size).toBe(0);
    expect(await port.fetchOrder({ clientOrderId: order.clientOrderId }, AVL)).toMatchObject({
      side: 'sell',
      status: 'filled',
    });
  });
});

describe('reduce-only stops on Binance', () => {
  it('accepts a reduce-only stop on a flat position and rejects it at its trigger ("Reduce Only reject"), a lost stop', async () => {
    const { venue, port } = setup({ venue: 'binance' });
    const sl = stop('sell', 43, 0.21);
    expect(await port.createOrder(sl)).toMatchObject({ kind: 'accepted', value: { report: { status: 'open' } } });
    venue.setPrice(AVL, 0.2);
    const report = await port.fetchOrder({ clientOrderId: sl.clientOrderId }, AVL);
    expect(report).toMatchObject({ status: 'rejected', filled: 0, rejectReason: 'Reduce Only reject' });
    expect(orderFate(report)).toBe('lost');
    expect(venue.position(MAIN, AVL).size).toBe(0);
  });

  it('expires an untriggered reduce-only stop when its position closes, and says so on the stream', async () => {
    const { clock, venue, port } = setup({ venue: 'binance' });
    const events = record(port);
    await port.createOrder(market('buy', 43));
    const sl = stop('sell', 43, 0.21);
    await port.createOrder(sl);
    await port.createOrder(market('sell', 43, { reduceOnly: true }));
    clock.increment(0);
    const expired = ofType(events, 'order').find(
      (e) => e.report.clientOrderId === sl.clientOrderId && e.report.status === 'expired',
    );
    expect(expired?.report).toMatchObject({ filled: 0 });
    const position = ofType(events, 'position').at(-1);
    expect(position?.report.size).toBe(0);
    expect(events.indexOf(expired ?? events[0]!)).toBeGreaterThan(events.indexOf(position ?? events[0]!));
    expect(await port.fetchOpenOrders(AVL)).toEqual([]);
    expect(venue.position(MAIN, AVL).size).toBe(0);
  });

  it('keeps a reduce-only stop placed after the position closed: it lingers and closes the next position', async () => {
    const { venue, port } = setup({ venue: 'binance' });
    await port.createOrder(market('buy', 43));
    await port.createOrder(market('sell', 43, { reduceOnly: true }));
    const late = stop('sell', 43, 0.21);
    await port.createOrder(late);
    expect((await port.fetchOpenOrders(AVL)).map((o) => o.clientOrderId)).toEqual([late.clientOrderId]);
    await port.createOrder(market('buy', 43));
    venue.setPrice(AVL, 0.2);
    expect(await port.fetchOrder({ clientOrderId: late.clientOrderId }, AVL)).toMatchObject({
      status: 'filled',
      filled: 43,
    });
    expect(venue.position(MAIN, AVL).size).toBe(0);
  });

  it('on Bybit, keeps an untriggered reduce-only stop when its position closes (cancelled only if it triggers)', async () => {
    const { venue, port } = setup();
    await port.createOrder(market('buy', 43));
    const sl = stop('sell', 43, 0.21);
    await port.createOrder(sl);
    await port.createOrder(market('sell', 43, { reduceOnly: true }));
    expect(await port.fetchOrder({ clientOrderId: sl.clientOrderId }, AVL)).toMatchObject({ status: 'open' });
    venue.setPrice(AVL, 0.2);
    expect(await port.fetchOrder({ clientOrderId: sl.clientOrderId }, AVL)).toMatchObject({
      status: 'cancelled',
      filled: 0,
    });
  });
});

describe('market orders that do not fill whole', () => {
  it('ends a partly filled market order expired on Binance and cancelled on Bybit, each with its fill', async () => {
    for (const v of ['binance', 'bybit'] as const) {
      const { venue, port } = setup({ venue: v });
      venue.faults.set({ fault: { kind: 'partialFill', fraction: 0.5 }, when: { calls: 1 } });
      const outcome = await port.createOrder(market('buy', 43));
      const report = outcome.kind === 'accepted' ? outcome.value.report : undefined;
      expect(report).toMatchObject({ status: v === 'binance' ? 'expired' : 'cancelled', amount: 43, filled: 21 });
      expect(orderFate(report)).toBe('filled');
      expect(venue.position(MAIN, AVL).size).toBe(21);
    }
  });

  it('on Binance, refuses a market order its price protection stops (-4131) as a transient refusal: nothing reaches the book', async () => {
    const { venue, port } = setup({ venue: 'binance' });
    venue.faults.set({ fault: { kind: 'marketProtection' }, when: { calls: 1 } });
    const outcome = await port.createOrder(market('buy', 43));
    expect(outcome).toMatchObject({ kind: 'rejected', code: 'RATE_LIMITED', retryAfterMs: 1_000 });
    expect(isTransientRefusal(outcome)).toBe(true);
    expect(venue.requests({ method: 'createOrder' })).toMatchObject([
      { result: 'rejected', reachedEngine: false, code: 'PRICE_PROTECTION' },
    ]);
    expect(venue.position(MAIN, AVL).size).toBe(0);
  });

  it('on Bybit, fills a market order up to its slippage cap and cancels the rest (marketProtection)', async () => {
    const { venue, port } = setup();
    venue.faults.set({ fault: { kind: 'marketProtection', fraction: 0.3 }, when: { calls: 1 } });
    await port.createOrder(market('buy', 43));
    const close = market('sell', 43, { reduceOnly: true });
    venue.faults.set({ fault: { kind: 'marketProtection', fraction: 0.5 }, when: { calls: 1 } });
    const outcome = await port.createOrder(close);
    expect(outcome.kind === 'accepted' && outcome.value.report).toMatchObject({
      status: 'cancelled',
      amount: 12,
      filled: 6,
    });
    expect(venue.position(MAIN, AVL).size).toBe(6);
  });
});
