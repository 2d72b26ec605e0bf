import { describe, expect, it } from 'vitest';
import { AVL, T0, limit, market, ofType, record, setup } from './helpers.js';

describe('simulated private stream', () => {
  it('says up on subscribe and delivers order, fill and position events through the clock, never inside the call', async () => {
    const { clock, port } = setup();
    const events = record(port);
    await port.createOrder(market('buy', 43));
    expect(events).toEqual([]);
    clock.increment(0);
    expect(events.map((e) => e.type)).toEqual(['connection', 'order', 'order', 'fill', 'position']);
    expect(events[0]).toEqual({ type: 'connection', status: 'up' });
    expect(ofType(events, 'order').map((e) => e.report.status)).toEqual(['open', 'filled']);
    expect(ofType(events, 'fill')[0]?.report).toMatchObject({
      source: 'stream',
      side: 'buy',
      amount: 43,
      price: 0.25,
      venueTime: T0,
    });
    expect(ofType(events, 'position')[0]?.report).toMatchObject({
      source: 'stream',
      side: 'buy',
      size: 43,
      venueTime: T0,
      receivedAt: T0,
      venueSeq: 1,
    });
  });

  it('numbers position reports with an increasing venueSeq per account and symbol, shared with REST', async () => {
    const { clock, port } = setup();
    const events = record(port);
    await port.createOrder(market('buy', 43));
    clock.increment(100);
    await port.createOrder(market('sell', 20));
    clock.increment(100);
    await port.createOrder(market('sell', 23));
    clock.increment(100);
    const positions = ofType(events, 'position').map((e) => e.report);
    expect(positions.map((p) => [p.venueSeq, p.side, p.size])).toEqual([
      [1, 'buy', 43],
      [2, 'buy', 23],
      [3, undefined, 0],
    ]);
    expect(positions.map((p) => p.venueTime)).toEqual([T0, T0 + 100, T0 + 200]);
    expect(await port.fetchPositions()).toEqual([expect.objectContaining({ venueSeq: 3, size: 0, side: undefined })]);
  });

  it('delays events by streamDelay: the venue time stays, the receive time moves', async () => {
    const { clock, venue, port } = setup();
    const events = record(port);
    clock.increment(0);
    venue.faults.set({ fault: { kind: 'streamDelay', ms: 1_000 } });
    await port.createOrder(market('buy', 43));
    clock.increment(999);
    expect(ofType(events, 'position')).toEqual([]);
    clock.increment(1);
    expect(ofType(events, 'position')[0]?.report).toMatchObject({ venueTime: T0, receivedAt: T0 + 1_000 });
  });

  it('drops the next N events under streamDrop', async () => {
    const { clock, venue, port } = setup();
    const events = record(port);
    venue.faults.set({ fault: { kind: 'streamDrop' }, when: { calls: 3 } });
    await port.createOrder(market('buy', 43));
    clock.increment(0);
    expect(events.map((e) => e.type)).toEqual(['connection', 'position']);
  });

  it('delivers an event twice under streamDuplicate', async () => {
    const { clock, venue, port } = setup();
    const events = record(port);
    venue.faults.set({ fault: { kind: 'streamDuplicate' }, when: { calls: 1 } });
    await port.createOrder(market('buy', 43));
    clock.increment(0);
    expect(ofType(events, 'order').map((e) => e.report.status)).toEqual(['open', 'open', 'filled']);
  });

  it('delivers an event after the next one under streamReorder', async () => {
    const { clock, venue, port } = setup();
    const events = record(port);
    venue.faults.set({ fault: { kind: 'streamReorder' }, when: { calls: 1 } });
    await port.createOrder(market('buy', 43));
    clock.increment(0);
    expect(ofType(events, 'order').map((e) => e.report.status)).toEqual(['filled', 'open']);
  });

  it('releases a held event after holdMs when no later event overtakes it', async () => {
    const { clock, venue, port } = setup();
    const order = limit('buy', 40, 0.2);
    await port.createOrder(order);
    const events = record(port);
    clock.increment(0);
    venue.faults.set({ fault: { kind: 'streamReorder', holdMs: 300 }, when: { calls: 1 } });
    await port.cancelOrder({ clientOrderId: order.clientOrderId }, AVL);
    clock.increment(299);
    expect(ofType(events, 'order')).toEqual([]);
    clock.increment(1);
    expect(ofType(events, 'order').map((e) => e.report.status)).toEqual(['cancelled']);
  });

  it('loses events while disconnected for good, while REST still shows the position', async () => {
    const { clock, venue, port } = setup();
    const events = record(port);
    clock.increment(0);
    venue.faults.set({ fault: { kind: 'disconnect', reason: 'maintenance' }, when: { from: T0, until: T0 + 5_000 } });
    clock.increment(0);
    expect(events.at(-1)).toEqual({ type: 'connection', status: 'down', reason: 'maintenance' });
    await port.createOrder(market('buy', 43));
    clock.increment(4_999);
    expect(ofType(events, 'position')).toEqual([]);
    expect(await port.fetchPositions()).toEqual([expect.objectContaining({ side: 'buy', size: 43, venueSeq: 1 })]);
    clock.increment(1);
    expect(events.at(-1)).toEqual({ type: 'connection', status: 'up' });
    await port.createOrder(market('buy', 20));
    clock.increment(0);
    expect(ofType(events, 'position').map((e) => e.report.venueSeq)).toEqual([2]);
  });

  it('goes down when a future disconnect window opens, and up when it closes', async () => {
    const { clock, venue, port } = setup();
    const events = record(port);
    venue.faults.set({ fault: { kind: 'disconnect' }, when: { from: T0 + 1_000, until: T0 + 2_000 } });
    clock.increment(999);
    expect(ofType(events, 'connection').map((e) => e.status)).toEqual(['up']);
    clock.increment(1);
    expect(ofType(events, 'connection').map((e) => e.status)).toEqual(['up', 'down']);
    clock.increment(1_000);
    expect(ofType(events, 'connection').map((e) => e.status)).toEqual(['up', 'down', 'up']);
  });

  it('stays down for the next N events under a call-counted disconnect, then comes back', async () => {
    const { clock, venue, port } = setup();
    const events = record(port);
    venue.faults.set({ fault: { kind: 'disconnect' }, when: { calls: 4 } });
    await port.createOrder(market('buy', 43));
    clock.increment(0);
    expect(events.map((e) => (e.type === 'connection' ? e.status : e.type))).toEqual(['up', 'down', 'up']);
    await port.createOrder(market('buy', 20));
    clock.increment(0);
    expect(ofType(events, 'position').map((e) => e.report.venueSeq)).toEqual([2]);
  });

  it('delivers nothing after the subscription, the port or the venue is closed', async () => {
    const { clock, venue, port } = setup();
    const events: unknown[] = [];
    const sub = port.subscribe((e) => events.push(e));
    await sub.close();
    await port.createOrder(market('buy', 43));
    clock.increment(0);
    expect(events).toEqual([]);
    const more = record(port);
    venue.close();
    clock.increment(1_000);
    expect(more).toEqual([]);
    await port.close();
    await expect(port.fetchPositions()).rejects.toMatchObject({ code: 'SIM_PORT_CLOSED' });
  });
});
