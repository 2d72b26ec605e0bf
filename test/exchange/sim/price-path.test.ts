import { describe, expect, it } from 'vitest';
import { isMultipleOf } from '../../../src/domain/decimal.js';
import { AVL, BTC, MAIN, limit, ofType, record, setup } from './helpers.js';

describe('simulated price path', () => {
  it('follows the same path for the same seed, on the price grid', () => {
    const a = setup({ seed: 7 }).venue;
    const b = setup({ seed: 7 }).venue;
    const c = setup({ seed: 8 }).venue;
    const path = (v: typeof a) =>
      Array.from({ length: 20 }, () => {
        v.tick();
        return v.markPrice(AVL);
      });
    const pathA = path(a);
    expect(path(b)).toEqual(pathA);
    expect(path(c)).not.toEqual(pathA);
    expect(pathA.every((p) => isMultipleOf(p, 0.0001) && p > 0)).toBe(true);
    expect(isMultipleOf(a.markPrice(BTC), 0.1)).toBe(true);
  });

  it('moves prices on the clock every priceTickMs and stops when closed', () => {
    const { clock, venue } = setup({ priceTickMs: 1_000 });
    const reference = setup().venue;
    clock.increment(5_000);
    reference.tick(5);
    expect(venue.markPrice(AVL)).toBe(reference.markPrice(AVL));
    venue.close();
    clock.increment(5_000);
    expect(venue.markPrice(AVL)).toBe(reference.markPrice(AVL));
  });

  it('matches resting orders as the path moves the price', async () => {
    const { venue, port } = setup({ seed: 3 });
    const order = limit('buy', 40, 0.2499);
    await port.createOrder(order);
    for (let i = 0; i < 500 && venue.position(MAIN, AVL).size === 0; i++) venue.tick();
    expect(venue.position(MAIN, AVL)).toMatchObject({ size: 40, entryPrice: 0.2499 });
  });

  it('delivers the stream events of a fill caused by a price tick within the same clock step', async () => {
    const { clock, venue, port } = setup({ seed: 3, priceTickMs: 1_000 });
    const events = record(port);
    await port.createOrder(limit('buy', 40, 0.2499));
    for (let i = 0; i < 500 && venue.position(MAIN, AVL).size === 0; i++) clock.increment(1_000);
    expect(venue.position(MAIN, AVL).size).toBe(40);
    expect(ofType(events, 'position').map((e) => [e.report.size, e.report.venueTime])).toEqual([[40, clock.now()]]);
  });
});
