/**
 * The simulated venue's public ticker stream: each price set reaches the symbol's subscribers
 * as a tick (mark and last, venue time of the change); `tickerDelay` holds ticks back by its
 * `ms`, the tick keeping the time of its change.
 */
import { describe, expect, it } from 'vitest';
import type { Tick } from '../../../src/exchange/sim/index.js';
import { AVL, BTC, setup } from './helpers.js';

describe('the public ticker stream', () => {
  it('sends a tick of mark and last to the subscribers of that symbol only, on the next clock turn', () => {
    const { clock, venue } = setup();
    const avl: Tick[] = [];
    const every: Tick[] = [];
    venue.subscribeTickers([AVL], (t) => avl.push(t));
    venue.subscribeTickers(undefined, (t) => every.push(t));
    const at = clock.now();
    venue.setPrices(AVL, { mark: 0.26, last: 0.27 });
    venue.setPrice(BTC, 90_000);
    clock.increment(1);
    expect(avl).toEqual([{ symbol: AVL, mark: 0.26, last: 0.27, at }]);
    expect(every.map((t) => t.symbol)).toEqual([AVL, BTC]);
    venue.close();
  });

  it("holds ticks back for tickerDelay's ms, then delivers them with the time of the change", () => {
    const { clock, venue } = setup();
    const ticks: Tick[] = [];
    venue.subscribeTickers([AVL], (t) => ticks.push(t));
    venue.faults.set({ fault: { kind: 'tickerDelay', ms: 2_000 }, when: { calls: 1 } });
    const at = clock.now();
    venue.setPrice(AVL, 0.3);
    clock.increment(1_999);
    expect(ticks).toEqual([]);
    clock.increment(1);
    expect(ticks).toEqual([{ symbol: AVL, mark: 0.3, last: 0.3, at }]);
    venue.setPrice(AVL, 0.31); // the rule was spent on one tick
    clock.increment(1);
    expect(ticks.map((t) => t.mark)).toEqual([0.3, 0.31]);
    venue.close();
  });

  it('stops sending after the subscription closes', () => {
    const { clock, venue } = setup();
    const ticks: Tick[] = [];
    const sub = venue.subscribeTickers([AVL], (t) => ticks.push(t));
    sub.close();
    venue.setPrice(AVL, 0.3);
    clock.increment(10);
    expect(ticks).toEqual([]);
    venue.close();
  });
});
