/** Mutant: every order sent without `reduceOnly` (closes and stops included). Substituted from here, never switched in src. */
import { describe, expect, it, vi } from 'vitest';
import type * as PositionSteps from '../../../src/machines/position.steps.js';
import { firstViolation, invariantsOf } from '../fixed-seeds.js';

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

describe('mutant: reduceOnly dropped', () => {
  it('is caught within the fixed seeds', async () => {
    const found = await firstViolation();
    expect(found, 'no seed caught the mutant').toBeDefined();
    expect(invariantsOf(found)).toContain('closes-reduce-only');
  }, 240_000);
});
