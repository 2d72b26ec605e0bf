/**
 * Mutant: the close's side taken from the entry's create reply, as the incident's bot did — an
 * ids-only reply has no side, the normaliser wrote 'unknown', and "the opposite of unknown" is
 * a buy. Substituted from here (vi.mock of the close planner), never switched in src.
 */
import { describe, expect, it, vi } from 'vitest';
import type * as ClosePlan from '../../../src/domain/close-plan.js';
import { firstViolation, invariantsOf } from '../fixed-seeds.js';

vi.mock('../../../src/domain/close-plan.js', async (importOriginal) => {
  const real = await importOriginal<typeof ClosePlan>();
  const replySide = 'unknown' as string; // what the ids-only create reply gave
  return {
    ...real,
    planClose: (...args: Parameters<typeof real.planClose>) => ({
      ...real.planClose(...args),
      side: replySide === 'buy' ? 'sell' : 'buy',
    }),
  };
});

describe('mutant: close side from the entry reply', () => {
  it('is caught within the fixed seeds', async () => {
    const found = await firstViolation();
    expect(found, 'no seed caught the mutant').toBeDefined();
    expect(invariantsOf(found).some((i) => ['closes-reduce-only', 'no-doubling'].includes(i))).toBe(true);
  }, 240_000);
});
