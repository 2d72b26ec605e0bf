/**
 * The fixed seeds of `npm test` and the hunt the mutants run over them: seeds 1–500, each a
 * whole scenario of the deterministic simulation (sim/), judged by the invariant checker.
 */
import { drawScenario, type DrawOptions } from '../../sim/scenario.js';
import { runScenario, type FoundViolation, type RunResult } from '../../sim/runner.js';
import { printViolations } from '../../sim/report.js';

export const FIXED_SEEDS: readonly number[] = Array.from({ length: 500 }, (_, i) => i + 1);

/** The fixed seeds drawn with the incident's weather around one intent (`npm run sim -- --bursts`). */
export const BURSTS: DrawOptions = { incidentBursts: true };

/** Runs the fixed seeds until one breaks an invariant; answers that seed's result, or `undefined`. */
export async function firstViolation(
  seeds: readonly number[] = FIXED_SEEDS,
  options: DrawOptions = {},
): Promise<RunResult | undefined> {
  for (const seed of seeds) {
    const result = await runScenario(drawScenario(seed, options));
    if (result.violations.length > 0) return result;
  }
  return undefined;
}

/** A readable account of a run's violations (seed, step, invariant, trail, replay). */
export function describeViolations(r: RunResult): string {
  const lines: string[] = [];
  printViolations(r, (l) => lines.push(l));
  return lines.join('\n');
}

export const invariantsOf = (r: RunResult | undefined): FoundViolation['invariant'][] => [
  ...new Set(r?.violations.map((v) => v.invariant) ?? []),
];
