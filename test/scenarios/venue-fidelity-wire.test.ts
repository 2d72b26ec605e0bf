/**
 * Venue behaviours that change what posguard believes about a live position, end to end: the
 * guard on the wire simulator through the real ccxt (Bybit v5 and Binance USD-M formats).
 * An entry a venue ends part-filled (Bybit `Cancelled` with `cumExecQty`, Binance `EXPIRED`)
 * is a position of the filled size with its stop sized to it; a stop that fills is told the way
 * each venue tells it and the position ends closed; a stop that triggered but has not filled is
 * not replaced; a close refused by Binance's price protection (-4131) is tried again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  AVL,
  streamUp,
  wireGuard,
  wireHarness,
  type WireGuard,
  type WireHarness,
  type WireVenue,
} from '../support/wire-harness.js';

let h: WireHarness | undefined;
let g: WireGuard | undefined;
afterEach(async () => {
  await g?.guard.stop();
  await h?.close();
  g = undefined;
  h = undefined;
});

async function guardOn(venue: WireVenue): Promise<{ h: WireHarness; g: WireGuard }> {
  h = await wireHarness();
  g = await wireGuard(h, venue, { protection: { triggerBy: 'mark' } });
  await streamUp(g);
  return { h, g };
}

const stops = (w: WireHarness) =>
  w.venue.requests({ account: 'main', method: 'createOrder' }).filter((r) => r.params.type === 'stop-market');

describe.each<WireVenue>(['bybit', 'binanceusdm'])('on the %s wire', (venue) => {
  it('makes an entry the venue ended part-filled a position of the filled size, its stop sized to it', async () => {
    const { h, g } = await guardOn(venue);
    h.venue.faults.set({ fault: { kind: 'partialFill', fraction: 0.5 }, when: { calls: 1 } });
    const pos = await g.guard.open({ account: 'main', symbol: AVL, side: 'buy', amount: 43, stopLoss: 0.21 });
    expect(await g.until(pos)).toBe('open');
    expect(h.venue.position('main', AVL).size).toBe(21);
    expect((await g.guard.positions()).find((r) => r.id === pos.id)?.size).toBe(21);
    expect(stops(h).map((r) => r.params)).toEqual([
      expect.objectContaining({ side: 'sell', amount: 21, reduceOnly: true, triggerPrice: 0.21, triggerBy: 'mark' }),
    ]);
  }, 20_000);

  it('ends closed when its stop fills on the venue, without placing another stop', async () => {
    const { h, g } = await guardOn(venue);
    const pos = await g.guard.open({ account: 'main', symbol: AVL, side: 'buy', amount: 43, stopLoss: 0.21 });
    expect(await g.until(pos)).toBe('open');
    h.venue.setPrice(AVL, 0.2);
    expect(await g.until(pos, ['closed', 'orphanAlert'], 20_000)).toBe('closed');
    expect(h.venue.position('main', AVL).size).toBe(0);
    expect(stops(h)).toHaveLength(1);
  }, 30_000);

  it('does not replace a stop that triggered and waits in the matching engine; it ends closed when it fills', async () => {
    const { h, g } = await guardOn(venue);
    const pos = await g.guard.open({ account: 'main', symbol: AVL, side: 'buy', amount: 43, stopLoss: 0.21 });
    expect(await g.until(pos)).toBe('open');
    h.venue.faults.set({ fault: { kind: 'triggeredStop', holdMs: 1_500, outcome: 'fill' }, when: { calls: 1 } });
    h.venue.setPrice(AVL, 0.2);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(stops(h)).toHaveLength(1);
    expect(h.venue.position('main', AVL).size).toBe(43);
    expect(await g.until(pos, ['closed', 'orphanAlert'], 20_000)).toBe('closed');
    expect(stops(h)).toHaveLength(1);
  }, 30_000);
});

describe.each<WireVenue>(['bybit', 'binanceusdm'])('stops ending on the %s wire', (venue) => {
  it('replaces a stop the matching engine cancelled unfilled while the position stays live, and keeps one working stop', async () => {
    const { h, g } = await guardOn(venue);
    const pos = await g.guard.open({ account: 'main', symbol: AVL, side: 'buy', amount: 43, stopLoss: 0.21 });
    expect(await g.until(pos)).toBe('open');
    h.venue.faults.set({ fault: { kind: 'triggeredStop', holdMs: 200, outcome: 'cancel' }, when: { calls: 1 } });
    h.venue.setPrice(AVL, 0.2);
    await new Promise((r) => setTimeout(r, 400));
    h.venue.setPrice(AVL, 0.25);
    for (const start = Date.now(); stops(h).length < 2 && Date.now() - start < 10_000;)
      await new Promise((r) => setTimeout(r, 50));
    expect(stops(h).map((r) => r.result)).toEqual(['accepted', 'accepted']);
    expect(await g.until(pos)).toBe('open'); // the replacement confirmed (it is 'protecting' until a report shows it)
    expect(h.venue.position('main', AVL).size).toBe(43);
    expect(h.venue.orders('main').filter((o) => o.status === 'open' && o.triggerPrice !== undefined)).toHaveLength(1);
  }, 30_000);

  it('closes on a user close and leaves no stop working behind (Binance expires it; posguard cancels and verifies)', async () => {
    const { h, g } = await guardOn(venue);
    const pos = await g.guard.open({ account: 'main', symbol: AVL, side: 'buy', amount: 43, stopLoss: 0.21 });
    expect(await g.until(pos)).toBe('open');
    await g.guard.close(pos.id);
    expect(await g.until(pos, ['closed', 'orphanAlert'], 20_000)).toBe('closed');
    expect(h.venue.position('main', AVL).size).toBe(0);
    const stop = h.venue.orders('main').find((o) => o.triggerPrice !== undefined);
    expect(stop?.status).toBe(venue === 'binanceusdm' ? 'expired' : 'canceled');
  }, 30_000);
});

describe('on the binanceusdm wire', () => {
  it("tries a close again that the venue's price protection refused (-4131, a transient refusal), and ends closed", async () => {
    const { h, g } = await guardOn('binanceusdm');
    const pos = await g.guard.open({ account: 'main', symbol: AVL, side: 'buy', amount: 43 });
    expect(await g.until(pos)).toBe('open');
    h.venue.faults.set({ fault: { kind: 'marketProtection' }, when: { calls: 1 } });
    await g.guard.close(pos.id);
    expect(await g.until(pos, ['closed', 'orphanAlert'], 20_000)).toBe('closed');
    const closes = h.venue.requests({ account: 'main', method: 'createOrder' }).slice(1);
    expect(closes.map((r) => [r.result, r.params.reduceOnly])).toEqual([
      ['rejected', true],
      ['accepted', true],
    ]);
    expect(h.venue.position('main', AVL).size).toBe(0);
  }, 30_000);
});

describe('on the bybit wire', () => {
  it('follows a close cut at the slippage cap with another reduce-only close of the proven remainder', async () => {
    const { h, g } = await guardOn('bybit');
    const pos = await g.guard.open({ account: 'main', symbol: AVL, side: 'buy', amount: 43 });
    expect(await g.until(pos)).toBe('open');
    h.venue.faults.set({ fault: { kind: 'marketProtection', fraction: 0.5 }, when: { calls: 1 } });
    await g.guard.close(pos.id);
    expect(await g.until(pos, ['closed', 'orphanAlert'], 20_000)).toBe('closed');
    const closes = h.venue
      .requests({ account: 'main', method: 'createOrder' })
      .slice(1)
      .map((r) => r.params);
    expect(closes).toEqual([
      expect.objectContaining({ side: 'sell', amount: 43, reduceOnly: true }),
      expect.objectContaining({ side: 'sell', amount: 22, reduceOnly: true }),
    ]);
    expect(h.venue.position('main', AVL).size).toBe(0);
  }, 30_000);
});
