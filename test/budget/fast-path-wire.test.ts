/**
 * The entry fast path through the real ccxt on the wire simulator (see docs/architecture.md,
 * Request budget): the ccxt port's `watchTicker` (Bybit `tickers.{symbol}`, Binance
 * `@markPrice`) stamps each tick with the venue's time, and a guard whose feed is live opens its
 * second entry on a symbol with no venue call before the entry leaves, counted on the venue.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { PriceTick } from '../../src/domain/entry-fast-path.js';
import { buildExchange } from '../../src/exchange/ccxt/exchange-factory.js';
import { AVL, streamUp, wireGuard, wireHarness, type WireHarness } from '../support/wire-harness.js';

let h: WireHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const withStop = { account: 'main', symbol: AVL, side: 'buy' as const, amount: 43, stopLoss: 0.21 };

/** Sets the price until a tick of it arrives (Binance sends nothing on subscribing), at most 3 s. */
async function tickArrives(hh: WireHarness, ticks: PriceTick[], price: number): Promise<PriceTick> {
  for (let i = 0; i < 30; i += 1) {
    hh.venue.setPrice(AVL, price);
    await sleep(100);
    const got = ticks.find((t) => t.mark === price);
    if (got !== undefined) return got;
  }
  throw new Error(`no tick at ${price} within 3 s`);
}

describe("the ccxt port's ticker watch", () => {
  it.each(['bybit', 'binanceusdm'] as const)(
    '%s: each tick carries its mark and the venue time of the price, a held-back tick its old time',
    async (venue) => {
      h = await wireHarness();
      const port = await h.port(venue);
      await port.loadMarkets();
      const ticks: PriceTick[] = [];
      const sub = port.watchTicker(AVL, (t) => ticks.push(t));
      const first = await tickArrives(h, ticks, 0.26);
      expect(first).toMatchObject({ symbol: AVL, mark: 0.26 });
      if (venue === 'bybit') expect(first.last).toBe(0.26);
      expect(Math.abs(first.venueTime - first.receivedAt)).toBeLessThan(1_000);
      h.venue.faults.set({ fault: { kind: 'tickerDelay', ms: 1_500 } });
      const held = await tickArrives(h, ticks, 0.27);
      expect(held.receivedAt - held.venueTime).toBeGreaterThanOrEqual(1_400);
      await sub.close();
    },
    20_000,
  );

  it('is off for a Bybit account whose private stream points elsewhere without its public one (its ticks would come from another venue)', async () => {
    h = await wireHarness();
    const account = h.account('bybit');
    const without = buildExchange({ ...account, urls: { rest: account.urls?.rest, ws: account.urls?.ws } });
    const withPublic = buildExchange(account);
    const plain = buildExchange({ ...account, urls: undefined });
    try {
      expect([without.publicStream, withPublic.publicStream, plain.publicStream]).toEqual([false, true, true]);
    } finally {
      for (const b of [without, withPublic, plain]) {
        await b.exchange.close();
        b.dispose();
      }
    }
  });
});

describe('the entry fast path through ccxt', () => {
  it.each(['bybit', 'binanceusdm'] as const)(
    '%s: the second entry on a symbol leaves with no venue call before it, and opens protected',
    async (venue) => {
      h = await wireHarness();
      const w = await wireGuard(h, venue);
      try {
        await streamUp(w);
        await sleep(300);
        // The first entry: nothing known of the symbol, no tick yet (the careful path); its ticker is watched from now on.
        const first = await w.guard.open(withStop);
        expect(await w.until(first)).toBe('open');
        await w.guard.close(first.id);
        expect(await w.until(first, ['closed'])).toBe('closed');
        // Past restLagMs (500 ms here) after the flat proof, with a fresh tick.
        await sleep(600);
        const seen: PriceTick[] = [];
        const watch = w.port.watchTicker(AVL, (t) => seen.push(t));
        await tickArrives(h, seen, 0.25);
        await watch.close();
        const since = Date.now();
        const pos = await w.guard.open(withStop);
        expect(await w.until(pos)).toBe('open');
        const calls = h.venue.requests({ account: 'main', since });
        const entry = calls.findIndex((r) => r.method === 'createOrder');
        expect(calls.slice(0, entry).map((r) => r.method)).toEqual([]);
        expect(h.venue.position('main', AVL).size).toBe(43);
        expect(h.venue.orders('main').filter((o) => o.status === 'open' && o.reduceOnly === true)).toHaveLength(1);
      } finally {
        await w.guard.stop();
      }
    },
    30_000,
  );
});
