/**
 * A stop whose trigger fired and whose order is in the matching engine but not filled (the
 * `triggeredStop` fault): reported `triggered` — executing, neither filled nor lost — until it
 * fills, or until the engine cancels it (lost when nothing filled, filled when part did).
 */
import { describe, expect, it } from 'vitest';
import { orderFate } from '../../../src/domain/order-fate.js';
import { AVL, MAIN, market, ofType, record, setup, stop } from './helpers.js';

async function triggeredStop(outcome: 'fill' | 'cancel', fraction?: number) {
  const s = setup();
  await s.port.createOrder(market('buy', 43));
  const sl = stop('sell', 43, 0.21);
  await s.port.createOrder(sl);
  s.venue.faults.set({
    fault: { kind: 'triggeredStop', holdMs: 2_000, outcome, ...(fraction === undefined ? {} : { fraction }) },
    when: { calls: 1 },
  });
  const events = record(s.port);
  s.venue.setPrice(AVL, 0.2);
  return { ...s, sl, events };
}

describe('a triggered stop that does not fill at once', () => {
  it('is reported triggered (executing) with nothing filled while its order waits in the engine, then filled', async () => {
    const { clock, venue, port, sl, events } = await triggeredStop('fill');
    const triggered = await port.fetchOrder({ clientOrderId: sl.clientOrderId }, AVL);
    expect(triggered).toMatchObject({ status: 'triggered', filled: 0, type: 'stop-market' });
    expect(orderFate(triggered)).toBe('executing');
    expect(venue.position(MAIN, AVL).size).toBe(43);
    expect((await port.fetchOpenOrders(AVL)).map((o) => o.status)).toEqual(['triggered']);
    clock.increment(2_000);
    const done = await port.fetchOrder({ clientOrderId: sl.clientOrderId }, AVL);
    expect(done).toMatchObject({ status: 'filled', filled: 43 });
    expect(venue.position(MAIN, AVL).size).toBe(0);
    clock.increment(0);
    expect(
      ofType(events, 'order')
        .filter((e) => e.report.clientOrderId === sl.clientOrderId)
        .map((e) => e.report.status),
    ).toEqual(['triggered', 'filled']);
  });

  it('is lost when the engine cancels it with nothing filled, and the position stays', async () => {
    const { clock, venue, port, sl } = await triggeredStop('cancel');
    clock.increment(2_000);
    const report = await port.fetchOrder({ clientOrderId: sl.clientOrderId }, AVL);
    expect(report).toMatchObject({ status: 'cancelled', filled: 0 });
    expect(orderFate(report)).toBe('lost');
    expect(venue.position(MAIN, AVL).size).toBe(43);
  });

  it('is filled (in part) when the engine cancels it after a partial execution', async () => {
    const { clock, venue, port, sl } = await triggeredStop('cancel', 0.5);
    clock.increment(2_000);
    const report = await port.fetchOrder({ clientOrderId: sl.clientOrderId }, AVL);
    expect(report).toMatchObject({ status: 'cancelled', filled: 21 });
    expect(orderFate(report)).toBe('filled');
    expect(venue.position(MAIN, AVL).size).toBe(22);
  });

  it('can be cancelled by the client while it waits in the engine', async () => {
    const { clock, venue, port, sl } = await triggeredStop('fill');
    expect(await port.cancelOrder({ clientOrderId: sl.clientOrderId }, AVL)).toMatchObject({ kind: 'accepted' });
    clock.increment(2_000);
    expect(await port.fetchOrder({ clientOrderId: sl.clientOrderId }, AVL)).toMatchObject({
      status: 'cancelled',
      filled: 0,
    });
    expect(venue.position(MAIN, AVL).size).toBe(43);
  });
});
