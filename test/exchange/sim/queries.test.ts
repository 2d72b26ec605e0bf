import { describe, expect, it } from 'vitest';
import { QueryFailed } from '../../../src/exchange/port.js';
import { AVL, MAIN, T0, limit, market, setup } from './helpers.js';

describe('simulated order and position queries', () => {
  it('finds an order by venue id and by client id, and returns undefined for an unknown one', async () => {
    const { port } = setup();
    const order = limit('buy', 40, 0.2);
    const outcome = await port.createOrder(order);
    if (outcome.kind !== 'accepted') throw new Error('expected accepted');
    const byVenue = await port.fetchOrder({ venueOrderId: outcome.value.venueOrderId }, AVL);
    const byClient = await port.fetchOrder({ clientOrderId: order.clientOrderId }, AVL);
    expect(byVenue).toEqual(byClient);
    expect(byVenue).toMatchObject({ source: 'order-query', venueTime: T0, status: 'open', side: 'buy', type: 'limit' });
    expect(await port.fetchOrder({ clientOrderId: market('buy', 1).clientOrderId }, AVL)).toBeUndefined();
  });

  it('keeps an accepted order out of order queries for the index delay, then shows it', async () => {
    const { clock, venue, port } = setup();
    venue.faults.set({ fault: { kind: 'orderIndexDelay', ms: 2_000 }, when: { calls: 1 } });
    const order = limit('buy', 40, 0.2);
    expect(await port.createOrder(order)).toMatchObject({ kind: 'accepted' });
    expect(await port.fetchOrder({ clientOrderId: order.clientOrderId }, AVL)).toBeUndefined();
    expect(await port.fetchOpenOrders(AVL)).toEqual([]);
    clock.increment(2_000);
    expect(await port.fetchOrder({ clientOrderId: order.clientOrderId }, AVL)).toMatchObject({ status: 'open' });
    expect(await port.fetchOpenOrders(AVL)).toHaveLength(1);
  });

  it('answers REST queries from the state of restLag ago: a new position is not shown yet', async () => {
    const { clock, venue, port } = setup();
    venue.faults.set({ fault: { kind: 'restLag', ms: 5_000 } });
    const order = market('buy', 43);
    await port.createOrder(order);
    clock.increment(4_000);
    expect(await port.fetchPositions()).toEqual([]);
    expect(await port.fetchOrder({ clientOrderId: order.clientOrderId }, AVL)).toBeUndefined();
    clock.increment(1_000);
    expect(await port.fetchPositions()).toEqual([
      expect.objectContaining({ side: 'buy', size: 43, venueTime: T0, venueSeq: 1 }),
    ]);
  });

  it('says how old its "not found" is: the lagging view\'s time, or just before an order not indexed yet was created', async () => {
    const { clock, venue, port } = setup();
    venue.faults.set({ fault: { kind: 'restLag', ms: 5_000 }, when: { calls: 1 } });
    const lagging = market('buy', 43);
    await port.createOrder(lagging);
    clock.increment(4_000);
    expect(await port.lookUpOrder({ clientOrderId: lagging.clientOrderId }, AVL)).toEqual({
      order: undefined,
      absence: { source: 'order-query', venueTime: T0 - 1_000, receivedAt: T0 + 4_000 },
    });
    expect(await port.lookUpOrder({ clientOrderId: lagging.clientOrderId }, AVL)).toMatchObject({
      order: { clientOrderId: lagging.clientOrderId, status: 'filled' },
    });
    venue.faults.set({ fault: { kind: 'orderIndexDelay', ms: 2_000 }, when: { calls: 1 } });
    const unindexed = limit('buy', 40, 0.2);
    await port.createOrder(unindexed);
    clock.increment(1_000);
    expect(await port.lookUpOrder({ clientOrderId: unindexed.clientOrderId }, AVL)).toEqual({
      order: undefined,
      absence: { source: 'order-query', venueTime: T0 + 4_000 - 1, receivedAt: T0 + 5_000 },
    });
  });

  it('shows under restLag the open position that is already flat, with its older seq', async () => {
    const { clock, venue, port } = setup();
    await port.createOrder(market('buy', 43));
    clock.increment(1_000);
    await port.createOrder(market('sell', 43));
    venue.faults.set({ fault: { kind: 'restLag', ms: 500 }, when: { calls: 1 } });
    expect(await port.fetchPositions()).toEqual([expect.objectContaining({ size: 43, venueSeq: 1 })]);
    expect(await port.fetchPositions()).toEqual([
      expect.objectContaining({ size: 0, side: undefined, venueSeq: 2, venueTime: T0 + 1_000 }),
    ]);
  });

  it('shows under restLag a filled order as still open', async () => {
    const { clock, venue, port } = setup();
    const order = limit('buy', 40, 0.24);
    await port.createOrder(order);
    clock.increment(1_000);
    venue.setPrice(AVL, 0.24);
    venue.faults.set({ fault: { kind: 'restLag', ms: 500 }, when: { calls: 2 } });
    expect(await port.fetchOrder({ clientOrderId: order.clientOrderId }, AVL)).toMatchObject({
      status: 'open',
      filled: 0,
    });
    expect(await port.fetchOpenOrders()).toHaveLength(1);
    expect(await port.fetchOpenOrders()).toHaveLength(0);
  });

  it('throws QueryFailed with retryAfterMs on 429 and QueryFailed on 5xx, never "not found"', async () => {
    const { venue, port } = setup();
    venue.faults.set({ fault: { kind: 'rateLimited', retryAfterMs: 750 }, when: { calls: 1 } });
    venue.faults.set({ fault: { kind: 'serverError' }, when: { calls: 1 } });
    const limited = await port.fetchPositions().catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(QueryFailed);
    expect(limited).toMatchObject({ code: 'QUERY_FAILED', retryAfterMs: 750 });
    const broken = await port
      .fetchOrder({ clientOrderId: market('buy', 1).clientOrderId }, AVL)
      .catch((e: unknown) => e);
    expect(broken).toBeInstanceOf(QueryFailed);
    expect(broken).toMatchObject({ retryAfterMs: undefined });
    expect(await port.fetchPositions()).toEqual([]);
    expect(venue.requests({ account: MAIN }).map((r) => r.result)).toEqual(['error', 'error', 'ok']);
  });

  it('fails only the methods a fault names', async () => {
    const { venue, port } = setup();
    venue.faults.set({ fault: { kind: 'serverError', methods: ['fetchMarkPrice'] } });
    expect(await port.createOrder(market('buy', 43))).toMatchObject({ kind: 'accepted' });
    await expect(port.fetchMarkPrice(AVL)).rejects.toBeInstanceOf(QueryFailed);
    await expect(port.loadMarkets()).resolves.toBeInstanceOf(Map);
  });

  it('fails every call inside a fault window [from, until) on the venue clock, and none outside', async () => {
    const { clock, venue, port } = setup();
    venue.faults.set({ fault: { kind: 'rateLimited' }, when: { from: T0 + 1_000, until: T0 + 2_000 } });
    await expect(port.fetchPositions()).resolves.toEqual([]);
    clock.increment(1_000);
    await expect(port.fetchPositions()).rejects.toBeInstanceOf(QueryFailed);
    expect(await port.createOrder(market('buy', 43))).toMatchObject({ kind: 'rejected', code: 'RATE_LIMITED' });
    clock.increment(1_000);
    await expect(port.fetchPositions()).resolves.toEqual([]);
  });

  it('shows a position opened by another program, which posguard never sent', async () => {
    const { venue, port } = setup();
    venue.openExternalPosition(MAIN, AVL, 'sell', 100);
    expect(await port.fetchPositions()).toEqual([expect.objectContaining({ symbol: AVL, side: 'sell', size: 100 })]);
    expect(venue.requests({ method: 'createOrder' })).toEqual([]);
  });
});
