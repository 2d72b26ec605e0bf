/** Mutant: a flat report counts as proof however stale (a lagging REST list trusted). Substituted from here, never switched in src. */
import { describe, expect, it, vi } from 'vitest';
import type * as Freshness from '../../../src/domain/freshness.js';
import { firstViolation } from '../fixed-seeds.js';

vi.mock('../../../src/domain/freshness.js', async (importOriginal) => {
  const real = await importOriginal<typeof Freshness>();
  return { ...real, judgeFlatReport: () => ({ counts: true }) };
});

describe('mutant: a stale REST flat accepted as proof', () => {
  // Not caught by the fixed seeds as drawn now: their faults rarely hide a fill or a position
  // past timeoutMs. With the incident bursts (drawScenario(seed, { incidentBursts: true }))
  // it is caught (unknown-to-rejected at seed 29 by no-false-rollback), but those seeds also
  // expose unfixed findings (seeds 59, 259: test/sim/regressions.test.ts), so a violation there
  // does not prove the mutant. Un-skip once those are fixed and the bursts are in the fixed seeds.
  it.skip('is caught within the fixed seeds (needs the incident bursts: see above)', async () => {
    const found = await firstViolation();
    expect(found, 'no seed caught the mutant').toBeDefined();
  }, 240_000);
});
