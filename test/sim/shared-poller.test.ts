/**
 * The evidence each position gets from the account's shared poller, judged on the simulation's
 * seeds (issue 14; docs/architecture.md, Request budget and Invariants): each seed runs twice,
 * with the poller and with each position polling on its own (`perPositionPolling`, the
 * baseline), and both runs must keep every invariant and end the same — by the venue's truth
 * (every account's net position per symbol, and posguard's orders still open there) and in the
 * state each intent's position ends in.
 *
 * The two runs are not the same run: their requests differ (that is the point of the poller),
 * so replies arrive at other simulated moments and trails differ. What must not differ is
 * what the venue ends up holding and how each position ends; the first 50 fixed seeds draw
 * stream outages, REST lag, index delays, lost replies, rate limits and crashes, and ended the
 * same both ways when this test was written. The last check proves the baseline really polls
 * per position (its query counts differ), so the comparison cannot pass by running one mode twice.
 */
import { describe, expect, it } from 'vitest';
import { drawScenario } from '../../sim/scenario.js';
import { runScenario } from '../../sim/runner.js';
import { describeViolations } from './fixed-seeds.js';

const SEEDS = Array.from({ length: 50 }, (_, i) => i + 1);

describe("the shared poller against per-position polling on the simulation's seeds", () => {
  it('keeps every invariant and ends the same, by the venue and by each position, on 50 seeds', async () => {
    const failures: string[] = [];
    const differences: string[] = [];
    let queriesDiffer = 0;
    for (const seed of SEEDS) {
      const poller = await runScenario(drawScenario(seed));
      const baseline = await runScenario(drawScenario(seed), { perPositionPolling: true });
      for (const r of [poller, baseline]) if (r.violations.length > 0) failures.push(describeViolations(r));
      if (JSON.stringify(poller.venueEnd) !== JSON.stringify(baseline.venueEnd))
        differences.push(
          `seed ${seed} venue: ${JSON.stringify(poller.venueEnd)} vs ${JSON.stringify(baseline.venueEnd)}`,
        );
      if (JSON.stringify(poller.ends) !== JSON.stringify(baseline.ends))
        differences.push(`seed ${seed} positions: ${JSON.stringify(poller.ends)} vs ${JSON.stringify(baseline.ends)}`);
      const queries = (r: typeof poller) =>
        ['fetchPositions', 'fetchOpenOrders', 'fetchOrder'].map((m) => r.requests[m] ?? 0).join('/');
      if (queries(poller) !== queries(baseline)) queriesDiffer += 1;
    }
    expect(failures.join('\n\n')).toBe('');
    expect(differences).toEqual([]);
    expect(queriesDiffer).toBeGreaterThanOrEqual(SEEDS.length / 2);
  }, 120_000);
});
