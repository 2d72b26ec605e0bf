/**
 * `npm run sim -- --seeds N [--from S] [--trail]`: runs N seeded scenarios of the deterministic
 * simulation (see docs/architecture.md, Invariants) and prints scenarios per second, outcomes and
 * faults drawn by kind, and every violation with its seed, step, invariant, the end of its
 * trail and the command that replays it; exits 1 on any violation, 2 on bad arguments.
 * `--shrink` prints each failing scenario shrunk to a minimal one (`shrink.ts`), as JSON for a
 * regression test. `--bursts` adds the incident's weather around one intent (`DrawOptions`). `--naive` runs the incident's algorithm on the same seeds beside posguard (`naive.ts`).
 * `--per-position-polling` runs posguard with each position polling on its own instead of the
 * account's poller (the baseline the shared poller is judged against; `GuardOptions.perPositionPolling`).
 * `--wire` runs the seeds' wire scenarios (`wire-profile.ts`) on real Redis and the real ccxt over
 * the wire simulator (`wire-world.ts`), `--concurrency K` at a time (4 by default).
 */
import { drawScenario } from './scenario.js';
import { drawWireScenario } from './wire-profile.js';
import { runScenario } from './runner.js';
import { printViolations } from './report.js';
import { runNaive } from './naive.js';
import { shrinkScenario } from './shrink.js';

interface Args {
  readonly seeds: number;
  readonly from: number;
  readonly trail: boolean;
  readonly naive: boolean;
  readonly shrink: boolean;
  readonly bursts: boolean;
  readonly perPositionPolling: boolean;
  readonly wire: boolean;
  readonly concurrency: number;
}

function parseArgs(argv: readonly string[]): Args | string {
  let seeds = 100;
  let from = 1;
  let trail = false;
  let naive = false;
  let shrink = false;
  let bursts = false;
  let perPositionPolling = false;
  let wire = false;
  let concurrency: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): number | undefined => {
      const n = Number(argv[++i]);
      return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
    };
    if (arg === '--seeds') {
      const n = value();
      if (n === undefined || n < 1) return `--seeds wants a positive whole number, got ${argv[i]}`;
      seeds = n;
    } else if (arg === '--from') {
      const n = value();
      if (n === undefined) return `--from wants a whole number, got ${argv[i]}`;
      from = n;
    } else if (arg === '--trail') trail = true;
    else if (arg === '--naive') naive = true;
    else if (arg === '--shrink') shrink = true;
    else if (arg === '--bursts') bursts = true;
    else if (arg === '--per-position-polling') perPositionPolling = true;
    else if (arg === '--wire') wire = true;
    else if (arg === '--concurrency') {
      const n = value();
      if (n === undefined || n < 1) return `--concurrency wants a positive whole number, got ${argv[i]}`;
      concurrency = n;
    } else
      return `unknown argument ${arg}; usage: npm run sim -- --seeds N [--from S] [--trail] [--naive] [--shrink] [--bursts] [--per-position-polling] [--wire [--concurrency K]]`;
  }
  if (naive && wire) return '--naive runs in-process only; leave out --wire';
  return {
    seeds,
    from,
    trail,
    naive,
    shrink,
    bursts,
    perPositionPolling,
    wire,
    // The wire runs on real time, mostly waiting: a few seeds at once (each its own simulator and prefix).
    concurrency: concurrency ?? (wire ? 4 : 1),
  };
}

const count = (into: Map<string, number>, key: string, n = 1) => into.set(key, (into.get(key) ?? 0) + n);
const table = (m: Map<string, number>) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (typeof args === 'string') {
    console.error(args);
    return 2;
  }
  const outcomes = new Map<string, number>();
  const faults = new Map<string, number>();
  const byInvariant = new Map<string, number>();
  const naiveByInvariant = new Map<string, number>();
  let failed = 0;
  const started = performance.now();
  let done = 0;
  const one = async (seed: number): Promise<void> => {
    const scenario = args.wire
      ? drawWireScenario(seed, { incidentBursts: args.bursts })
      : drawScenario(seed, { incidentBursts: args.bursts });
    const result = await runScenario(scenario, { perPositionPolling: args.perPositionPolling });
    for (const [k, v] of Object.entries(result.outcomes)) count(outcomes, k, v);
    for (const f of result.faults) count(faults, f);
    for (const v of result.violations) count(byInvariant, v.invariant);
    if (result.violations.length > 0) {
      failed += 1;
      printViolations(result, (l) => console.log(l));
      const first = result.violations[0];
      if (args.shrink && first !== undefined)
        console.log(`  shrunk: ${JSON.stringify(await shrinkScenario(scenario, first.invariant))}`);
    }
    if (args.trail) console.log(result.trail.join('\n'));
    if (args.naive) for (const v of await runNaive(scenario)) count(naiveByInvariant, v);
    done += 1;
    if (done % (args.wire ? 5 : 1000) === 0) console.log(`… ${done} seeds, ${failed} with violations`);
  };
  // `concurrency` seeds at a time (the wire's); one after the other in-process, as before.
  let next = args.from;
  await Promise.all(
    Array.from({ length: Math.min(args.concurrency, args.seeds) }, async () => {
      while (next < args.from + args.seeds) await one(next++);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${args.seeds} scenarios (seeds ${args.from}–${args.from + args.seeds - 1}) in ${seconds.toFixed(1)} s: ${(args.seeds / seconds).toFixed(1)} scenarios/s`,
  );
  console.log(`outcomes: ${table(outcomes)}`);
  console.log(`faults drawn: ${table(faults)}`);
  console.log(
    `violations: posguard ${failed === 0 ? 'none' : table(byInvariant)}${args.naive ? `; the naive baseline: ${naiveByInvariant.size === 0 ? 'none' : table(naiveByInvariant)}` : ''}`,
  );
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`the simulation itself failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(3);
  },
);
