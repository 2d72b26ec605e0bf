/**
 * The entry fast path (see docs/architecture.md, Request budget), on the in-process venue with
 * a simulated clock, counted from the venue's own request record: with a live feed whose view
 * of the symbol is proven fresh and a fresh tick of the public ticker stream, the entry leaves
 * with no venue call before it; when one of those does not hold, the read it stands in for is
 * made, as the careful path always did. Each careful case first shows the fast path taken in the
 * same setting, then breaks one condition.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { PositionHandle } from '../../src/guard/guard.js';
import { simHarness, type Harness } from '../support/sim-harness.js';

const AVL = 'AVL/USDT:USDT';
const withStop = { account: 'main', symbol: AVL, side: 'buy' as const, amount: 43, stopLoss: 0.21 };

let h: Harness | undefined;
afterEach(async () => {
  await h?.guard.stop();
  h?.sim.close();
  h = undefined;
});

/** The venue calls of account main from `from` until the entry's create, and the position. */
async function openCounting(hh: Harness): Promise<{ before: string[]; pos: PositionHandle }> {
  const from = hh.sim.requests({ account: 'main' }).length;
  const pos = await hh.guard.open(withStop);
  expect(await hh.until(pos)).toBe('open');
  const calls = hh.sim.requests({ account: 'main' }).slice(from);
  const entry = calls.findIndex((r) => r.method === 'createOrder');
  expect(entry).toBeGreaterThanOrEqual(0);
  return { before: calls.slice(0, entry).map((r) => r.method), pos };
}

async function closeAndWait(hh: Harness, pos: PositionHandle): Promise<void> {
  await hh.guard.close(pos.id);
  expect(await hh.until(pos, ['closed'])).toBe('closed');
}

/**
 * A guard whose feed is live and which has traded AVL once (the careful path: nothing known of
 * the symbol yet, no tick), so that the feed knows the symbol flat from the stream and its
 * ticker is watched.
 */
async function primed(): Promise<Harness> {
  const hh = await simHarness();
  await hh.advance(1_000);
  const first = await openCounting(hh);
  expect(first.before.sort()).toEqual(['fetchMarkPrice', 'fetchPositions']);
  await closeAndWait(hh, first.pos);
  return hh;
}

/** Opens on the fast path (a fresh tick first), proves it took no venue call, and closes. */
async function fastRoundTrip(hh: Harness): Promise<void> {
  hh.sim.setPrice(AVL, 0.25);
  await hh.advance(100);
  const { before, pos } = await openCounting(hh);
  expect(before).toEqual([]);
  await closeAndWait(hh, pos);
}

describe('the entry fast path', () => {
  it('is taken with a live feed, a fresh view of the symbol and a fresh tick: no venue call before the entry leaves, and the position is opened and protected as on the careful path', async () => {
    h = await primed();
    h.sim.setPrice(AVL, 0.25);
    await h.advance(100);
    const { before, pos } = await openCounting(h);
    expect(before).toEqual([]);
    // The venue's truth: the entry filled once, and its stop rests there.
    expect(h.sim.position('main', AVL).size).toBe(43);
    const stops = h.sim.orders('main').filter((o) => o.status === 'open' && o.reduceOnly === true);
    expect(stops).toHaveLength(1);
    expect(stops[0]).toMatchObject({ side: 'sell', amount: 43 });
    await closeAndWait(h, pos);
    expect(h.sim.position('main', AVL).size).toBe(0);
    expect(h.sim.orders('main').filter((o) => o.status === 'open')).toHaveLength(0);
  });

  it('counts a position another program holds, as the stream reported it, in the baseline: no over-fill is seen, nothing is reduced', async () => {
    h = await primed();
    h.sim.openExternalPosition('main', AVL, 'buy', 30);
    h.sim.setPrice(AVL, 0.25);
    await h.advance(200);
    const from = h.clock.now();
    const { before } = await openCounting(h);
    expect(before).toEqual([]);
    // Past the over-fill rule's restLagMs: a baseline of 0 would see 30 too many and reduce them.
    await h.advance(15_000);
    expect(h.sim.position('main', AVL).size).toBe(73);
    const creates = h.sim.requests({ account: 'main', method: 'createOrder', since: from });
    expect(creates.map((r) => r.params.type)).toEqual(['market', 'stop-market']);
    expect((await h.guard.alerts()).filter((a) => a.kind === 'mismatch')).toEqual([]);
  });

  it('refuses an intent only on a fetched price: a stop the ticker refuses (a tick lagging a move) is checked again on a fetch', async () => {
    h = await primed();
    // A fresh tick at 0.2 (a long's stop at 0.21 is on the wrong side of it), then the price moves
    // back to 0.25 with its tick held back on the way.
    h.sim.setPrice(AVL, 0.2);
    await h.advance(100);
    h.sim.faults.set({ fault: { kind: 'tickerDelay', ms: 5_000 } });
    h.sim.setPrice(AVL, 0.25);
    await h.advance(100);
    const { before } = await openCounting(h);
    expect(before).toEqual(['fetchMarkPrice']);
  });

  it('refuses a stop that the fetched price refuses too, after checking it there', async () => {
    h = await primed();
    h.sim.setPrice(AVL, 0.2);
    await h.advance(100);
    const from = h.sim.requests({ account: 'main' }).length;
    await expect(h.guard.open(withStop)).rejects.toThrow(
      /stopLoss.*0\.21 must be below the mark price 0\.2 for a long/,
    );
    expect(
      h.sim
        .requests({ account: 'main' })
        .slice(from)
        .map((r) => r.method),
    ).toEqual(['fetchMarkPrice']);
  });

  it('is not taken while the feed is down: the baseline is read from REST', async () => {
    h = await primed();
    await fastRoundTrip(h);
    h.sim.faults.set({ fault: { kind: 'disconnect' } });
    await h.advance(1_000);
    h.sim.setPrice(AVL, 0.25);
    await h.advance(100);
    const { before } = await openCounting(h);
    expect(before.sort()).toEqual(['fetchMarkPrice', 'fetchPositions']);
  });

  it("is not taken when the feed's view of the symbol is stale (a REST read received less than restLagMs after the stream came up)", async () => {
    h = await primed();
    await fastRoundTrip(h);
    // A gap in the stream during which another program trades the symbol and closes again: the
    // resync's read (received as the stream came back) shows a later state than the stream's last report.
    const now = h.clock.now();
    h.sim.faults.set({ fault: { kind: 'disconnect' }, when: { from: now, until: now + 2_000 } });
    await h.advance(500);
    h.sim.openExternalPosition('main', AVL, 'buy', 30);
    h.sim.openExternalPosition('main', AVL, 'sell', 30);
    await h.advance(2_000);
    h.sim.setPrice(AVL, 0.25);
    await h.advance(100);
    const { before } = await openCounting(h);
    expect(before).toEqual(['fetchPositions']);
  });

  it('is not taken when the cached trigger price is older than reportStaleMs by venue time: the price is fetched (a tick held back on the way)', async () => {
    h = await primed();
    await fastRoundTrip(h);
    h.sim.faults.set({ fault: { kind: 'tickerDelay', ms: 3_000 } });
    h.sim.setPrice(AVL, 0.25);
    // The tick arrives 3 s after the price it carries: fresh by arrival, 3 s old by venue time.
    await h.advance(3_100);
    const { before } = await openCounting(h);
    expect(before).toEqual(['fetchMarkPrice']);
  });
});
