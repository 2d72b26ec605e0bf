import { afterEach, describe, expect, it } from 'vitest';
import { AVL, streamUp, wireGuard, wireHarness, type WireHarness } from '../support/wire-harness.js';

let h: WireHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const withStop = { account: 'main', symbol: AVL, side: 'buy' as const, amount: 43, stopLoss: 0.21 };

describe("Bybit's ids-only create reply", () => {
  it('is not looked up when the stream reports the order first: an open with a stop costs no order query', async () => {
    h = await wireHarness();
    const w = await wireGuard(h, 'bybit');
    try {
      await streamUp(w);
      await new Promise((r) => setTimeout(r, 300));
      const since = Date.now();
      const pos = await w.guard.open(withStop);
      expect(await w.until(pos)).toBe('open');
      expect(h.venue.position('main', AVL).size).toBe(43);
      expect(h.venue.requests({ account: 'main', method: 'fetchOrder', since })).toHaveLength(0);
      expect(h.venue.requests({ account: 'main', method: 'createOrder', since })).toHaveLength(2);
    } finally {
      await w.guard.stop();
    }
  }, 20_000);

  it('is still looked up when the stream does not report it: the entry and its stop proven by queries', async () => {
    h = await wireHarness();
    const w = await wireGuard(h, 'bybit');
    try {
      await streamUp(w);
      h.venue.faults.set({ fault: { kind: 'streamDrop' } });
      const since = Date.now();
      const pos = await w.guard.open(withStop);
      expect(await w.until(pos)).toBe('open');
      expect(h.venue.position('main', AVL).size).toBe(43);
      expect(h.venue.requests({ account: 'main', method: 'fetchOrder', since }).length).toBeGreaterThan(0);
    } finally {
      await w.guard.stop();
    }
  }, 20_000);
});
