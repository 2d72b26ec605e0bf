/** Mutant: a flat report counts as proof however stale (a lagging REST list trusted). Substituted from here, never switched in src. */
import { describe, expect, it, vi } from 'vitest';
import type * as Freshness from '../../../src/domain/freshness.js';
import { firstViolation } from '../fixed-seeds.js';

vi.mock('../../../src/domain/freshness.js', async (importOriginal) => {
  const real = await importOriginal<typeof Freshness>();
  return { ...real, judgeFlatReport: () => ({ counts: true }) };
});

describe('mutant: a stale REST flat accepted as proof', () => {
  // Not caught yet. Hunted on seeds 1–2500 drawn with the incident bursts: the only seeds that
  // broke an invariant under this mutant broke it unmutated too (819 and 906, now fixed and in
  // test/sim/regressions.test.ts; 1442, unfixed, skipped there). Why it survives: every report of
  // the simulated venue carries the venue time of the state it shows, so a stale flat read never
  // replaces a newer non-flat report as the position's live report (the fold's own freshness
  // rule, `fresherReport` in position.context.ts), and this mutant only weakens the second line
  // behind it. Catching it needs a scenario where no newer report exists yet — an entry proven by
  // its create reply while REST lags beyond restLagMs and the stream is down — which the seeds do
  // not draw together (the bursts make the entry's reply ids-only).
  it.skip('is caught within the fixed seeds (not yet: see above)', async () => {
    const found = await firstViolation();
    expect(found, 'no seed caught the mutant').toBeDefined();
  }, 240_000);
});
