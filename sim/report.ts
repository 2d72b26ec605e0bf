/**
 * How a run's violations are printed (`npm run sim`, the tests): seed, step, invariant, the
 * trail up to the first violation, and the command that replays it.
 */
import type { RunResult } from './runner.js';

export function printViolations(r: RunResult, out: (line: string) => void, trailLines = 30): void {
  for (const v of r.violations) {
    out(`VIOLATION seed ${r.seed} step ${v.step} at ${v.at} ms: ${v.invariant}: ${v.detail}`);
  }
  if (r.violations.length === 0) return;
  const first = r.violations[0];
  const upTo = r.trail.findIndex((l) => Number(l.split(' ')[0]) > (first?.at ?? 0));
  const shown = r.trail.slice(
    Math.max(0, (upTo < 0 ? r.trail.length : upTo) - trailLines),
    upTo < 0 ? undefined : upTo,
  );
  out(`  trail (up to the first violation):\n${shown.map((l) => `    ${l}`).join('\n')}`);
  out(`  replay: npm run sim -- --seeds 1 --from ${r.seed} --trail${r.profile === 'wire' ? ' --wire' : ''}`);
}
