import { describe, expect, it } from 'vitest';
import { DUPLICATE_CLIENT_ORDER_ID } from '../../../src/domain/outcome.js';
import { AVL, MAIN, limit, market, setup, stop } from './helpers.js';

describe('simulated createOrder outcomes', () => {
  it('records exactly one createOrder with what was sent', async () => {
    const { venue, port } = setup();
    const order = market('buy', 43);
    await port.createOrder(order);
    await port.fetchPositions();
    const creates = venue.requests({ account: MAIN, method: 'createOrder' });
    expect(creates).toHaveLength(1);
    expect(creates[0]).toMatchObject({
      method: 'createOrder',
      result: 'accepted',
      reachedEngine: true,
      params: { clientOrderId: order.clientOrderId, side: 'buy', amount: 43, reduceOnly: false, type: 'market' },
    });
    expect(venue.requests({ account: MAIN }).map((r) => r.method)).toEqual(['createOrder', 'fetchPositions']);
  });

  it('answers a reused client order id with Unknown and DUPLICATE_CLIENT_ORDER_ID, sending nothing twice', async () => {
    const { venue, port } = setup();
    const order = market('buy', 43);
    await port.createOrder(order);
    const again = await port.createOrder(order);
    expect(again).toMatchObject({ kind: 'unknown', code: DUPLICATE_CLIENT_ORDER_ID });
    expect(venue.position(MAIN, AVL).size).toBe(43);
    expect(venue.requests({ method: 'createOrder' }).map((r) => [r.result, r.reachedEngine])).toEqual([
      ['accepted', true],
      ['unknown', false],
    ]);
  });

  it('keeps a client order id used forever, even after its order finished', async () => {
    const { port } = setup();
    const order = limit('buy', 40, 0.2);
    await port.createOrder(order);
    await port.cancelOrder({ clientOrderId: order.clientOrderId }, AVL);
    expect(await port.createOrder(order)).toMatchObject({ kind: 'unknown', code: DUPLICATE_CLIENT_ORDER_ID });
  });

  it('returns the full report when the reply is complete', async () => {
    const { port } = setup();
    const order = market('buy', 43);
    const outcome = await port.createOrder(order);
    expect(outcome).toMatchObject({
      kind: 'accepted',
      value: { clientOrderId: order.clientOrderId, report: { source: 'order-query', side: 'buy', amount: 43 } },
    });
  });

  it('accepts a minimal (ids only) create reply with report undefined, never a guessed side', async () => {
    const { venue, port } = setup();
    venue.faults.set({ fault: { kind: 'minimalCreateReply' }, when: { calls: 1 } });
    const order = market('buy', 43);
    const outcome = await port.createOrder(order);
    expect(outcome.kind).toBe('accepted');
    if (outcome.kind !== 'accepted') return;
    expect(outcome.value.report).toBeUndefined();
    expect(outcome.value.clientOrderId).toBe(order.clientOrderId);
    expect(await port.fetchOrder({ venueOrderId: outcome.value.venueOrderId }, AVL)).toMatchObject({
      side: 'buy',
      status: 'filled',
    });
    expect(venue.position(MAIN, AVL).size).toBe(43);
  });

  it('rejects with the reason and code of a reject fault, and nothing reaches the book', async () => {
    const { venue, port } = setup();
    venue.faults.set({
      fault: { kind: 'reject', reason: 'insufficient margin', code: 'INSUFFICIENT_MARGIN' },
      when: { calls: 1 },
    });
    expect(await port.createOrder(market('buy', 43))).toEqual({
      kind: 'rejected',
      reason: 'insufficient margin',
      code: 'INSUFFICIENT_MARGIN',
    });
    expect(venue.position(MAIN, AVL).size).toBe(0);
    expect(venue.requests({ method: 'createOrder' })[0]).toMatchObject({
      result: 'rejected',
      code: 'INSUFFICIENT_MARGIN',
      reachedEngine: false,
    });
    expect(await port.createOrder(market('buy', 43))).toMatchObject({ kind: 'accepted' });
  });

  it('rejects only the order types a reject fault names (a refused stop, an accepted entry)', async () => {
    const { venue, port } = setup();
    venue.setPrice(AVL, 0.25);
    venue.faults.set({
      fault: { kind: 'reject', reason: 'trigger price invalid', code: 'TRIGGER', orderTypes: ['stop-market'] },
    });
    expect(await port.createOrder(market('buy', 43))).toMatchObject({ kind: 'accepted' });
    expect(await port.createOrder(stop('sell', 43, 0.21))).toEqual({
      kind: 'rejected',
      reason: 'trigger price invalid',
      code: 'TRIGGER',
    });
    expect(venue.orders(MAIN).filter((o) => o.status === 'open')).toHaveLength(0);
  });

  it('rejects on 429 with RATE_LIMITED: the venue did not take the order', async () => {
    const { venue, port } = setup();
    venue.faults.set({ fault: { kind: 'rateLimited', retryAfterMs: 500 }, when: { calls: 1 } });
    const order = market('buy', 43);
    expect(await port.createOrder(order)).toMatchObject({ kind: 'rejected', code: 'RATE_LIMITED' });
    expect(venue.position(MAIN, AVL).size).toBe(0);
    expect(venue.requests({ method: 'createOrder' })[0]).toMatchObject({ result: 'rejected', reachedEngine: false });
    expect(await port.createOrder(order)).toMatchObject({ kind: 'accepted' });
  });

  it('answers a 5xx with Unknown; the order never reached the engine', async () => {
    const { venue, port } = setup();
    venue.faults.set({ fault: { kind: 'serverError', status: 502 }, when: { calls: 1 } });
    const order = market('buy', 43);
    expect(await port.createOrder(order)).toMatchObject({ kind: 'unknown', code: 'SERVER_ERROR' });
    expect(await port.fetchOrder({ clientOrderId: order.clientOrderId }, AVL)).toBeUndefined();
    expect(venue.requests({ method: 'createOrder' })[0]).toMatchObject({ result: 'unknown', reachedEngine: false });
  });

  it('answers a timeout after acceptance with Unknown while the order fills on the venue', async () => {
    const { venue, port } = setup();
    venue.faults.set({ fault: { kind: 'timeoutAfterAccept' }, when: { calls: 1 } });
    const order = market('buy', 43);
    expect(await port.createOrder(order)).toMatchObject({ kind: 'unknown', reason: 'timeout', code: 'TIMEOUT' });
    expect(venue.position(MAIN, AVL).size).toBe(43);
    expect(await port.fetchOrder({ clientOrderId: order.clientOrderId }, AVL)).toMatchObject({
      status: 'filled',
      filled: 43,
    });
    expect(venue.requests({ method: 'createOrder' })[0]).toMatchObject({
      result: 'unknown',
      code: 'TIMEOUT',
      reachedEngine: true,
    });
  });

  it('answers a cancel that timed out after acceptance with Unknown while the order is cancelled', async () => {
    const { venue, port } = setup();
    const order = limit('buy', 40, 0.2);
    await port.createOrder(order);
    venue.faults.set({ fault: { kind: 'timeoutAfterAccept', methods: ['cancelOrder'] }, when: { calls: 1 } });
    expect(await port.cancelOrder({ clientOrderId: order.clientOrderId }, AVL)).toMatchObject({
      kind: 'unknown',
      reason: 'timeout',
    });
    expect(await port.fetchOrder({ clientOrderId: order.clientOrderId }, AVL)).toMatchObject({ status: 'cancelled' });
  });

  it('fills only a fraction of a market order under partialFill and cancels the rest (IOC)', async () => {
    const { venue, port } = setup();
    venue.faults.set({ fault: { kind: 'partialFill', fraction: 0.5 }, when: { calls: 1 } });
    const outcome = await port.createOrder(market('buy', 43));
    expect(outcome.kind === 'accepted' && outcome.value.report).toMatchObject({
      status: 'cancelled',
      amount: 43,
      filled: 21,
    });
    expect(venue.position(MAIN, AVL).size).toBe(21);
  });

  it('partially fills a triggered stop too, since it executes as a market order', async () => {
    const { venue, port } = setup();
    await port.createOrder(market('buy', 43));
    const sl = {
      symbol: AVL,
      side: 'sell' as const,
      type: 'stop-market' as const,
      amount: 43,
      triggerPrice: 0.21,
      reduceOnly: true,
      clientOrderId: market('sell', 1).clientOrderId,
    };
    await port.createOrder(sl);
    venue.faults.set({ fault: { kind: 'partialFill', fraction: 0.25 }, when: { calls: 1 } });
    venue.setPrice(AVL, 0.2);
    expect(await port.fetchOrder({ clientOrderId: sl.clientOrderId }, AVL)).toMatchObject({
      status: 'cancelled',
      filled: 10,
    });
    expect(venue.position(MAIN, AVL).size).toBe(33);
  });
});
