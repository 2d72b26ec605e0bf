/**
 * `npm run bench`: runs the benchmark sections in order and prints a readable report to
 * stdout. Not a test: it asserts nothing, prints figures and ratios, and exits 0 (1 if a
 * section throws). Sections are modules (`*.bench.ts`) listed below; add new ones at the end.
 *
 * Knobs (environment): BENCH_POSITIONS (10000), BENCH_NO_FAULT_POSITIONS (2000),
 * BENCH_INCIDENT_RUNS (1000), BENCH_FEED_POSITIONS (10000), BENCH_FEED_REPORTS (1000000),
 * BENCH_FEED_PART_REPORTS (50000), BENCH_PERSIST_POSITIONS (5000), BENCH_REHYDRATE_POSITIONS
 * (10000), BENCH_REDIS_URL (redis://127.0.0.1:6379/0; keys under a random `pgbench:` prefix),
 * BENCH_BUDGET_SIZES (1,20,200,500), BENCH_ONLY (run only the sections whose title contains this text, e.g. `feed routing`).
 * Heap figures need `node --expose-gc` (the npm script sets it).
 *
 * Ends with one summary table of the sections' headline figures (figure, posguard, the
 * reference measured in the same run, ratio, goal) and writes it to `bench/results.json`
 * with the machine it was measured on. When BENCH_ONLY picks sections, the file is left alone
 * unless BENCH_WRITE=1: then the picked sections' figures replace theirs in it, each with a
 * `measured` field (when, on what machine); the other sections' figures stay as they were.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fillToOpen } from './fill-to-open.bench.js';
import { feedRouting } from './feed-routing.bench.js';
import { incident } from './incident.bench.js';
import { persistence } from './persistence.bench.js';
import { reconcileBench } from './reconcile.bench.js';
import { budgetBench } from './budget.bench.js';
import type { BenchContext, BenchFigure, BenchSection } from './section.js';
import { formatTable } from './table.js';

const SECTIONS: readonly BenchSection[] = [fillToOpen, incident, feedRouting, persistence, reconcileBench, budgetBench];

async function main(): Promise<number> {
  const figures: (BenchFigure & { readonly section: string })[] = [];
  let current = '';
  const ctx: BenchContext = {
    out: (line = '') => console.log(line),
    gc: globalThis.gc,
    record: (f) => figures.push({ section: current, ...f }),
  };
  const cpu = cpus();
  const machine = `node ${process.version}, ${cpu.length} x ${cpu[0]?.model.trim() ?? 'unknown cpu'}, load average ${(loadavg()[0] ?? 0).toFixed(1)} at the start`;
  ctx.out(`posguard bench — ${machine}, gc ${ctx.gc === undefined ? 'not exposed' : 'exposed'}`);
  const started = performance.now();
  const only = process.env.BENCH_ONLY;
  for (const [i, section] of SECTIONS.entries()) {
    if (only !== undefined && !section.title.includes(only)) continue;
    ctx.out('');
    ctx.out(`== ${i + 1}. ${section.title}`);
    current = section.title;
    const t = performance.now();
    try {
      await section.run(ctx);
    } catch (error) {
      console.error(`section "${section.title}" failed:`, error);
      return 1;
    }
    ctx.out(`(section took ${((performance.now() - t) / 1000).toFixed(1)} s)`);
  }
  ctx.out('');
  ctx.out('== summary (posguard beside the reference measured in the same run)');
  ctx.out(summaryTable(figures));
  const at = new Date().toISOString();
  const results = new URL('./results.json', import.meta.url);
  if (only === undefined) {
    writeFileSync(results, `${JSON.stringify({ at, machine, figures }, null, 2)}\n`);
    ctx.out('written to bench/results.json');
  } else if (process.env.BENCH_WRITE === '1' && figures.length > 0) {
    // The sections picked replace their own figures, each saying when and where it was measured.
    const file = JSON.parse(readFileSync(results, 'utf8')) as { figures: { section: string }[] };
    const ran = new Set(figures.map((f) => f.section));
    const kept = file.figures.filter((f) => !ran.has(f.section));
    const fresh = figures.map((f) => ({ ...f, measured: { at, machine } }));
    const order = SECTIONS.map((s) => s.title);
    const merged = [...kept, ...fresh].sort((a, b) => order.indexOf(a.section) - order.indexOf(b.section));
    writeFileSync(results, `${JSON.stringify({ ...file, figures: merged }, null, 2)}\n`);
    ctx.out(`the figures of ${[...ran].join('; ')} written to bench/results.json`);
  }
  ctx.out(`total ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return 0;
}

/** The headline figures as one table: figure, posguard, reference, ratio, goal, met. */
function summaryTable(figures: readonly BenchFigure[]): string {
  const num = (v: number) =>
    Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : String(Number(v.toPrecision(3)));
  return formatTable(
    ['figure', 'posguard', 'reference (same run)', 'ratio', 'goal', 'met'],
    figures.map((f) => [
      f.figure,
      `${num(f.posguard)} ${f.unit}`,
      f.reference === undefined ? '—' : `${num(f.reference.value)} ${f.unit} (${f.reference.label})`,
      f.ratio === undefined ? '—' : f.ratio.toFixed(2),
      f.goal ?? '—',
      f.met === undefined ? '—' : f.met ? 'yes' : 'no',
    ]),
  );
}

// Exit explicitly: a leftover real timer of a stopped guard must not keep the report waiting.
process.exit(await main());
