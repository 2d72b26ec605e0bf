import { describe, expect, it } from 'vitest';
import { drawScenario } from '../../sim/scenario.js';
import { runScenario } from '../../sim/runner.js';

describe('the deterministic simulation', () => {
  it('runs one seed twice into two byte-identical trails (crashes, stalls and store faults included)', async () => {
    // Seeds whose scenarios kill, stall or take over a worker or fault the store, and some that do not.
    const seeds = Array.from({ length: 60 }, (_, i) => i + 1)
      .filter((s) =>
        drawScenario(s).steps.some((st) =>
          ['kill', 'killOnSend', 'stall', 'storeWipe', 'storeFailover', 'storeDown'].includes(st.kind),
        ),
      )
      .slice(0, 6);
    expect(seeds.length).toBeGreaterThanOrEqual(4);
    let sent = 0;
    for (const seed of [...seeds, 1, 2]) {
      const first = await runScenario(drawScenario(seed));
      const second = await runScenario(drawScenario(seed));
      sent += first.trail.filter((l) => l.includes('venue.request')).length;
      expect(second.trail.join('\n')).toBe(first.trail.join('\n'));
    }
    expect(sent).toBeGreaterThan(5); // the trails carry the venue's request record
  }, 60_000);

  it('runs a scenario the same from its JSON as from its seed', async () => {
    const scenario = drawScenario(11);
    const replayed = await runScenario(JSON.parse(JSON.stringify(scenario)) as typeof scenario);
    expect(replayed.trail.join('\n')).toBe((await runScenario(scenario)).trail.join('\n'));
  });

  it('two different seeds give two different trails', async () => {
    expect((await runScenario(drawScenario(3))).trail.join('\n')).not.toBe(
      (await runScenario(drawScenario(4))).trail.join('\n'),
    );
  });
});
