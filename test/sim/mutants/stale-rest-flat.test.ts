/** Mutant: a flat report counts as proof however stale (a lagging REST list trusted). Substituted from here, never switched in src. */
import { describe, expect, it, vi } from 'vitest';
import type * as Freshness from '../../../src/domain/freshness.js';
import { BURSTS, FIXED_SEEDS, firstViolation } from '../fixed-seeds.js';

vi.mock('../../../src/domain/freshness.js', async (importOriginal) => {
  const real = await importOriginal<typeof Freshness>();
  return { ...real, judgeFlatReport: () => ({ counts: true }) };
});

describe('mutant: a stale REST flat accepted as proof', () => {
  // Caught only where no newer report of the position exists yet: an entry proven by its create
  // reply alone while REST lags beyond restLagMs and the stream is down, on a symbol whose earlier
  // position closed shortly before (so the lagging list shows it flat, not absent) — the incident
  // bursts' complete-reply kind (sim/scenario.ts, `provenByReply`; first caught at bursts seed
  // 322, no-false-rollback: the position called itself closed). Elsewhere every report of the
  // simulated venue carries the venue time of the state it shows, so a stale flat read never
  // replaces a newer non-flat report as the position's live report (`fresherReport` in
  // position.context.ts), and this mutant only weakens the second line behind it.
  it('is caught within the fixed seeds with the incident bursts', async () => {
    const found = await firstViolation(FIXED_SEEDS, BURSTS);
    expect(found, 'no seed caught the mutant').toBeDefined();
  }, 240_000);
});
