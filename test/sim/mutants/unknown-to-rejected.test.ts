/**
 * Mutant: a timer turns Unknown into Rejected — at the verification deadline an entry not yet
 * proven is called dead (`failed`) instead of `unknown`. The machine is rebuilt from its own
 * config with that one transition changed, from here; never switched in src.
 */
import { describe, expect, it, vi } from 'vitest';
import type * as PositionMachineModule from '../../../src/machines/position.machine.js';
import { BURSTS, FIXED_SEEDS, firstViolation, invariantsOf } from '../fixed-seeds.js';

vi.mock('../../../src/machines/position.machine.js', async (importOriginal) => {
  const real = await importOriginal<typeof PositionMachineModule>();
  const { positionSetup } = await import('../../../src/machines/position.setup.js');
  const config = real.positionMachine.config as unknown as { states: Record<string, Record<string, unknown>> };
  const verifying = config.states.verifying ?? {};
  const mutated = {
    ...config,
    states: { ...config.states, verifying: { ...verifying, after: { untilDeadline: [{ target: 'failed' }] } } },
  };
  return { ...real, positionMachine: positionSetup.createMachine(mutated as never) };
});

describe('mutant: a timer turns Unknown into Rejected', () => {
  // Caught only with the incident's weather (an ids-only reply, REST far behind, the stream
  // down), which hides a fill or a position past timeoutMs: hunted on the fixed seeds drawn with
  // the bursts, which keep every invariant unmutated (test/sim/seeds.test.ts).
  it('is caught within the fixed seeds with the incident bursts', async () => {
    const found = await firstViolation(FIXED_SEEDS, BURSTS);
    expect(found, 'no seed caught the mutant').toBeDefined();
    // Seed 29: a filled entry hidden past the deadline is called dead (`failed`).
    expect(invariantsOf(found)).toContain('no-false-rollback');
  }, 480_000);
});
