/** Mutant: a flat report counts as proof however stale (a lagging REST list trusted). Substituted from here, never switched in src. */
import { describe, expect, it, vi } from 'vitest';
import type * as Freshness from '../../../src/domain/freshness.js';
import { firstViolation } from '../fixed-seeds.js';

vi.mock('../../../src/domain/freshness.js', async (importOriginal) => {
  const real = await importOriginal<typeof Freshness>();
  return { ...real, judgeFlatReport: () => ({ counts: true }) };
});

describe('mutant: a stale REST flat accepted as proof', () => {
  it('is caught within the fixed seeds', async () => {
    const found = await firstViolation();
    expect(found, 'no seed caught the mutant').toBeDefined();
  }, 240_000);
});
