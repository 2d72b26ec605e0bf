import { describe, expect, it } from 'vitest';
import { FAULT_KINDS, OTHER_ACTIONS, WORKER_EVENTS, drawScenario } from '../../sim/scenario.js';
import { runScenario } from '../../sim/runner.js';
import { FIXED_SEEDS, describeViolations } from './fixed-seeds.js';

describe('the fixed seeds of the deterministic simulation', () => {
  it("draw every venue fault kind, every other program's action and every crash or store fault at least once", () => {
    const drawn = new Set<string>();
    for (const seed of FIXED_SEEDS) {
      for (const s of drawScenario(seed).steps) {
        if (s.kind === 'fault') drawn.add(s.fault);
        else if (s.kind === 'other') drawn.add(`other:${s.action}`);
        else drawn.add(s.kind);
      }
    }
    const wanted = [
      ...FAULT_KINDS,
      ...OTHER_ACTIONS.map((a) => `other:${a}`),
      ...WORKER_EVENTS.filter((e) => e !== 'takeover'),
      'restart',
      'halt',
      'resume',
      'gap',
      'close',
      'actorCrash',
    ];
    expect(wanted.filter((k) => !drawn.has(k))).toEqual([]);
    expect(new Set(FIXED_SEEDS.map((s) => drawScenario(s).orphanPolicy))).toEqual(
      new Set(['alert', 'adopt', 'flatten']),
    );
  });

  it('keep every invariant on all 500 seeds', async () => {
    const failures: string[] = [];
    for (const seed of FIXED_SEEDS) {
      const result = await runScenario(drawScenario(seed));
      if (result.violations.length > 0) failures.push(describeViolations(result));
    }
    expect(failures.join('\n\n')).toBe('');
  }, 240_000);
});
