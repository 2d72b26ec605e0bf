/**
 * Mutant on the wire: every order sent without `reduceOnly` (closes and stops included), run on
 * real Redis and the real ccxt over the wire simulator (`sim/wire-world.ts`). The wire variant
 * can fail: the checker, reading the venue behind the wire, catches it on one seed. Substituted
 * from here, never switched in src.
 */
import { describe, expect, it, vi } from 'vitest';
import type * as PositionSteps from '../../../src/machines/position.steps.js';
import { runScenario } from '../../../sim/runner.js';
import { drawWireScenario } from '../../../sim/wire-profile.js';
import { invariantsOf } from '../fixed-seeds.js';

vi.mock('../../../src/machines/position.steps.js', async (importOriginal) => {
  const real = await importOriginal<typeof PositionSteps>();
  return {
    ...real,
    orderRequestOf: (...args: Parameters<typeof real.orderRequestOf>) => ({
      ...real.orderRequestOf(...args),
      reduceOnly: false,
    }),
  };
});

describe('mutant on the wire: reduceOnly dropped', () => {
  // Seed 1 opens a position with a stop: the stop goes out through ccxt without reduce-only.
  it('is caught on one wire seed', async () => {
    const result = await runScenario(drawWireScenario(1));
    expect(invariantsOf(result)).toContain('closes-reduce-only');
  }, 120_000);
});
