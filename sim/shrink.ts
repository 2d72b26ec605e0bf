/**
 * Shrinking a failing scenario (see docs/architecture.md, Invariants): steps are taken out one
 * at a time, and a removal is kept when the scenario still breaks the same invariant, until no
 * single step can go; then the end is brought forward as far as it still fails. The result is
 * the minimal scenario a regression test is written from.
 *
 * @example
 * const minimal = await shrinkScenario(drawScenario(145), 'alerts-true');
 * console.log(JSON.stringify(minimal));
 */
import type { InvariantName } from './checker.js';
import { runScenario, type RunOptions } from './runner.js';
import type { Scenario } from './scenario.js';

async function breaks(scenario: Scenario, invariant: InvariantName, options: RunOptions): Promise<boolean> {
  return (await runScenario(scenario, options)).violations.some((v) => v.invariant === invariant);
}

/** The smallest scenario found that still breaks `invariant` (the scenario itself if it does not). */
export async function shrinkScenario(
  scenario: Scenario,
  invariant: InvariantName,
  options: RunOptions = {},
): Promise<Scenario> {
  if (!(await breaks(scenario, invariant, options))) return scenario;
  let current = scenario;
  for (let progress = true; progress;) {
    progress = false;
    for (let i = current.steps.length - 1; i >= 0; i--) {
      const candidate = { ...current, steps: current.steps.filter((_, j) => j !== i) };
      if (await breaks(candidate, invariant, options)) {
        current = candidate;
        progress = true;
      }
    }
  }
  const lastStep = Math.max(1, ...current.steps.map((s) => s.at + 1));
  if (lastStep < current.endsAt && (await breaks({ ...current, endsAt: lastStep }, invariant, options)))
    current = { ...current, endsAt: lastStep };
  const accounts = [
    ...new Set(
      current.steps.flatMap((s) =>
        'account' in s ? [s.account] : 'rule' in s && s.rule.account !== undefined ? [s.rule.account] : [],
      ),
    ),
  ];
  if (
    accounts.length > 0 &&
    accounts.length < current.accounts.length &&
    (await breaks({ ...current, accounts }, invariant, options))
  )
    current = { ...current, accounts };
  return current;
}
