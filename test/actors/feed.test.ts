import { SimulatedClock, createActor } from 'xstate';
import { afterEach, describe, expect, it } from 'vitest';
import type { FeedReport } from '../../src/machines/feed.machine.js';
import { RepeatFilter, wireFeedMachine, type FeedDirectory } from '../../src/actors/feed.wiring.js';
import { asClientOrderId } from '../../src/domain/ids.js';
import { SimExchange, createSimPort } from '../../src/exchange/sim/index.js';
import { T0, simHarness, type Harness } from '../support/sim-harness.js';

const AVL = 'AVL/USDT:USDT';
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A directory that records what the feed delivers, in order. */
function recorder(tracked: FeedDirectory['trackedOrders'] = () => []) {
  const log: string[] = [];
  const directory: FeedDirectory = {
    route: (r: FeedReport) => log.push(`${r.type}:${r.report.source}`),
    broadcast: (up) => log.push(up ? 'UP' : 'DOWN'),
    trackedOrders: tracked,
    trackedSymbols: () => [AVL],
  };
  return { log, directory };
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.guard.stop();
  h?.sim.close();
  h = undefined;
});

describe('the feed actor', () => {
  it('resynchronises from REST after a reconnect before it reports itself up', async () => {
    const clock = new SimulatedClock();
    clock.set(T0);
    const sim = new SimExchange({ clock, seed: 3 });
    sim.setPrice(AVL, 0.25);
    const port = createSimPort(sim, 'main');
    sim.faults.set({ fault: { kind: 'disconnect' }, when: { from: T0 + 1_000, until: T0 + 2_000 } });
    const cid = asClientOrderId('pg-feedtest-e');
    const { log, directory } = recorder(() => [{ symbol: AVL, clientOrderId: cid }]);
    const feed = createActor(wireFeedMachine(port, directory), { clock });
    feed.start();
    clock.increment(10);
    await flush();
    expect(feed.getSnapshot().value).toBe('live');
    clock.increment(1_000);
    await flush();
    expect(feed.getSnapshot().value).toBe('down');
    // A fill during the gap: the stream loses it for good.
    await port.createOrder({
      symbol: AVL,
      side: 'buy',
      type: 'market',
      amount: 43,
      clientOrderId: cid,
      reduceOnly: false,
    });
    log.length = 0;
    clock.increment(1_000);
    await flush();
    clock.increment(10);
    await flush();
    expect(feed.getSnapshot().value).toBe('live');
    const up = log.indexOf('UP');
    expect(up).toBeGreaterThan(0);
    // Before UP: the REST position showing the fill and the order looked up by client id.
    expect(log.slice(0, up)).toEqual(expect.arrayContaining(['position:position-query', 'order:order-query']));
    expect(log.slice(0, up).every((e) => !e.endsWith(':stream'))).toBe(true);
    feed.stop();
    sim.close();
  });

  it('drops stream reports it has already routed, but never REST reports', () => {
    const filter = new RepeatFilter();
    const base = {
      venueTime: 1,
      receivedAt: 1,
      tradeId: 't1',
      venueOrderId: '1',
      clientOrderId: undefined,
      symbol: AVL,
      side: 'buy',
      amount: 1,
      price: 1,
    } as const;
    const fill = { type: 'fill', report: { ...base, source: 'stream' } } as unknown as FeedReport;
    const rest = { type: 'fill', report: { ...base, source: 'order-query' } } as unknown as FeedReport;
    expect([filter.fresh(fill), filter.fresh(fill), filter.fresh(rest), filter.fresh(rest)]).toEqual([
      true,
      false,
      true,
      true,
    ]);
  });

  it('drops an order or position report that repeats the last one of its order or symbol, and passes any that differs', () => {
    const filter = new RepeatFilter();
    const order = (status: string, filled: number, venueTime: number) =>
      ({
        type: 'order',
        report: {
          source: 'stream',
          receivedAt: venueTime + 5,
          venueTime,
          venueOrderId: '7',
          clientOrderId: undefined,
          symbol: AVL,
          side: 'sell',
          type: 'stop-market',
          amount: 43,
          filled,
          averagePrice: undefined,
          status,
          reduceOnly: true,
          triggerPrice: 0.21,
        },
      }) as unknown as FeedReport;
    const position = (venueSeq: number, size: number) =>
      ({
        type: 'position',
        // A new object each time, with a new receive time: a repeat is known by what it says.
        report: {
          source: 'stream',
          receivedAt: Math.random(),
          venueTime: 100 + venueSeq,
          venueSeq,
          symbol: AVL,
          side: 'buy',
          size,
          entryPrice: 0.25,
          markPrice: 0.25,
        },
      }) as unknown as FeedReport;
    expect([
      filter.fresh(order('open', 0, 1)),
      filter.fresh(order('open', 0, 1)), // a repeat
      filter.fresh(order('open', 0, 2)), // a later update of the same order
      filter.fresh(order('filled', 43, 3)),
      filter.fresh(position(1, 43)),
      filter.fresh(position(1, 43)), // a repeat
      filter.fresh(position(2, 43)),
      filter.fresh(position(3, 0)),
      // A repeat of an older report is not the last one: it reaches the position, which never
      // lets an older report overrule a newer one.
      filter.fresh(position(2, 43)),
    ]).toEqual([true, false, true, true, true, false, true, true, true]);
  });
});

describe('positions and their feed', () => {
  it('a disconnect mid-verification with the fill in the gap ends open, the fill counted once', async () => {
    h = await simHarness();
    h.sim.faults.set({ fault: { kind: 'minimalCreateReply' } });
    h.sim.faults.set({ fault: { kind: 'disconnect' }, when: { from: T0, until: T0 + 3_000 } });
    h.sim.faults.set({ fault: { kind: 'restLag', ms: 2_500 } });
    const pos = await h.guard.open({ account: 'main', symbol: AVL, side: 'buy', amount: 43 });
    await h.advance(500);
    expect(pos.state).toBe('verifying');
    expect(await h.until(pos)).toBe('open');
    await h.advance(5_000);
    const row = (await h.guard.positions())[0];
    expect(row?.size).toBe(43);
    expect(h.sim.requests({ method: 'createOrder' })).toHaveLength(1);
  });

  it('duplicated and reordered stream events change nothing', async () => {
    h = await simHarness();
    h.sim.faults.set({ fault: { kind: 'streamDuplicate' } });
    h.sim.faults.set({ fault: { kind: 'streamReorder', holdMs: 300 } });
    const pos = await h.guard.open({ account: 'main', symbol: AVL, side: 'buy', amount: 43, stopLoss: 0.21 });
    expect(await h.until(pos)).toBe('open');
    await h.advance(2_000);
    expect(pos.state).toBe('open');
    expect((await h.guard.positions())[0]?.size).toBe(43);
    await h.guard.close(pos.id);
    expect(await h.until(pos, ['closed', 'orphanAlert'], 60_000)).toBe('closed');
    const creates = h.sim.requests({ method: 'createOrder' }).map((r) => r.params);
    expect(creates).toHaveLength(3); // entry, stop, one close
    expect(creates[2]).toMatchObject({ side: 'sell', amount: 43, reduceOnly: true });
    expect(h.sim.position('main', AVL).size).toBe(0);
    expect(await h.guard.alerts()).toEqual([]);
  });

  it('with a feed that never connects, positions verify, track and close through queries', async () => {
    h = await simHarness();
    h.sim.faults.set({ fault: { kind: 'disconnect' } });
    h.sim.faults.set({ fault: { kind: 'minimalCreateReply' } });
    const pos = await h.guard.open({ account: 'main', symbol: AVL, side: 'buy', amount: 43 });
    expect(await h.until(pos)).toBe('open');
    h.sim.openExternalPosition('main', AVL, 'sell', 43); // closed by hand: only REST can tell
    expect(await h.until(pos, ['closed'], 30_000)).toBe('closed');
  });

  it('raises one feedDown alert when the stream stays down longer than the verification timeout', async () => {
    h = await simHarness();
    h.sim.faults.set({ fault: { kind: 'disconnect' } });
    await h.advance(29_000);
    expect((await h.guard.alerts()).filter((a) => a.kind === 'feedDown')).toEqual([]);
    await h.advance(2_000);
    const down = (await h.guard.alerts()).filter((a) => a.kind === 'feedDown');
    expect(down).toHaveLength(1);
    expect(down[0]?.message).toMatch(/private stream of account main has been down for 30 s/);
  });

  it('gives the all-clear once a stream told down is live again, and neither alert for a short drop', async () => {
    h = await simHarness();
    const blip = h.sim.faults.set({ fault: { kind: 'disconnect' } });
    await h.advance(5_000);
    h.sim.faults.clear(blip);
    await h.advance(30_000);
    expect((await h.guard.alerts()).map((a) => a.kind).filter((k) => k.startsWith('feed'))).toEqual([]);

    const outage = h.sim.faults.set({ fault: { kind: 'disconnect' } });
    await h.advance(31_000);
    h.sim.faults.clear(outage);
    await h.advance(30_000);
    const kinds = (await h.guard.alerts()).map((a) => a.kind).filter((k) => k.startsWith('feed'));
    expect(kinds).toEqual(['feedRecovered', 'feedDown']);
    expect((await h.guard.alerts()).find((a) => a.kind === 'feedRecovered')?.message).toMatch(
      /account main is live again after \d+ s down/,
    );
  });
});
