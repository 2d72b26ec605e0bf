/**
 * Section "feed routing" (issue 5): N position actors (10,000) under one account supervisor
 * and M stream reports (1,000,000) routed through ONE feed actor, against the same reports
 * sent straight to bare XState actors of a 5-state machine in the same run; the heap per live
 * position actor with its registry row. Goals: ≥ 0.6 of bare XState; ≤ 8 KB per position.
 *
 * How (see `feed-routing.rig.ts`, `report-mix.ts`, `bare-xstate.ts`): the positions are
 * restored, as the guard rehydrates them, from clones of a real persisted snapshot of an
 * open, protected position; a scripted port's stream hands the feed the reports in
 * synchronous batches of 10,000; only the emission is timed.
 *
 * Touches: its own actors; prints to the report.
 */
import { cpus, loadavg } from 'node:os';
import { startBareActors, sendBare, stopBareActors, type BareActor } from './bare-xstate.js';
import { heapAfterGc } from './heap.js';
import { startRig, type Rig } from './feed-routing.rig.js';
import { heapParts, timeParts, type HeapParts, type PartTiming, type PartTimings } from './feed-routing.parts.js';
import { openTemplate, T0, type OpenTemplate } from './open-template.js';
import { MIX_LABEL, ReportMix } from './report-mix.js';
import type { BenchContext, BenchSection } from './section.js';
import { fmtBytes, fmtInt, formatTable } from './table.js';

const POSITIONS = Number(process.env.BENCH_FEED_POSITIONS ?? 10_000);
const REPORTS = Number(process.env.BENCH_FEED_REPORTS ?? 1_000_000);
/** Reports per part in "where the time goes". */
const PART_REPORTS = Number(process.env.BENCH_FEED_PART_REPORTS ?? 50_000);
const BATCH = 10_000;
/** Untimed reports before each timed run (JIT warm-up). */
const WARM_UP = 20_000;
/** Items per heap part (the per-item figure needs no more). */
const HEAP_PART_ITEMS = 5_000;
const RATIO_GOAL = 0.6;
const HEAP_GOAL_BYTES = 8 * 1024;

const flush = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));
const perSec = (t: PartTiming): number => t.reports / (t.ms / 1000);
const usPer = (t: PartTiming): string => ((t.ms * 1000) / t.reports).toFixed(2);
const verdict = (met: boolean): string => (met ? 'met' : 'NOT MET');

interface Check {
  readonly open: number;
  readonly latestSeq: number;
  readonly orders: number;
}

/**
 * Sends `count` reports (after `warm` untimed ones) to posguard and to the bare actors,
 * batch by batch, alternating (so that both see the same machine load on a shared host);
 * a minor gc before each timed batch leaves each side to pay for its own garbage.
 */
async function race(
  rig: Rig,
  bare: readonly BareActor[],
  warm: number,
  count: number,
  minorGc: () => void,
): Promise<{ guard: PartTiming; bare: PartTiming; mix: ReportMix }> {
  const guardMix = new ReportMix(rig.positions, T0);
  const bareMix = new ReportMix(rig.positions, T0); // the same sequence of reports, to the same indexes
  let guardMs = 0;
  let bareMs = 0;
  for (let done = 0; done < warm + count; done += BATCH) {
    const n = Math.min(BATCH, warm + count - done);
    const forGuard = guardMix.next(n).events;
    const forBare = bareMix.next(n);
    minorGc();
    const t = performance.now();
    rig.port.emit(forGuard);
    const g = performance.now() - t;
    minorGc();
    const b = sendBare(bare, forBare);
    if (done >= warm) {
      guardMs += g;
      bareMs += b;
    }
    await flush();
  }
  return { guard: { reports: count, ms: guardMs }, bare: { reports: count, ms: bareMs }, mix: guardMix };
}

/** After the run: how many positions are still open, hold the latest venueSeq sent to them, and how many orders went out. */
function check(rig: Rig, mix: ReportMix): Check {
  let open = 0;
  let latestSeq = 0;
  rig.ids.forEach((id, p) => {
    const snap = rig.runtime.actors.get(id)?.getSnapshot();
    if (snap === undefined) return;
    if (snap.matches('open')) open++;
    if (snap.context.live?.venueSeq === mix.venueSeqOf(p)) latestSeq++;
  });
  return { open, latestSeq, orders: rig.port.stateChangingCalls };
}

interface Results {
  readonly load: number;
  readonly template: OpenTemplate;
  readonly rig: Rig;
  readonly guard: PartTiming;
  readonly bare: PartTiming;
  readonly checked: Check;
  readonly counts: ReadonlyMap<string, number>;
  readonly parts: PartTimings;
  readonly heapAfterRun: number | undefined;
  readonly heap: (HeapParts & { readonly bareActor: number }) | undefined;
}

function print({ out, record }: BenchContext, r: Results): void {
  const ratio = perSec(r.guard) / perSec(r.bare);
  record({
    figure: `stream reports routed to ${fmtInt(POSITIONS)} positions`,
    unit: 'reports/s',
    posguard: perSec(r.guard),
    reference: { label: 'bare XState actors', value: perSec(r.bare) },
    ratio,
    goal: `ratio ≥ ${RATIO_GOAL}`,
    met: ratio >= RATIO_GOAL,
  });
  out(
    `${fmtInt(POSITIONS)} open positions with a resting stop (restored from a real persisted snapshot, ${fmtInt(r.template.json.length)} B of JSON each),`,
  );
  out(
    `${fmtInt(REPORTS)} stream reports, ${BATCH / 1000}k per synchronous batch, round-robin over the positions; after ${fmtInt(WARM_UP)} untimed reports each.`,
  );
  out(
    'One account as the guard runs it: AccountRuntime, PositionRegistry, one Supervisor (feed permanent, positions via positionChild),',
  );
  out(
    "one wirePositionMachine() for all; persistence 'memory' (Redis writes are measured in the persistence section).",
  );
  out(
    `Host load average (1 min) at the start: ${r.load.toFixed(1)} on ${cpus().length} cores; posguard and bare batches alternate, so both see the same load.`,
  );
  out(`mix: ${MIX_LABEL} (sent, warm-up included: ${[...r.counts].map(([k, v]) => `${k} ${fmtInt(v)}`).join(', ')})`);
  out(
    formatTable(
      ['path', 'reports', 'wall s', 'reports/s', 'µs/report'],
      [
        [
          'posguard: stream → feed actor → AccountRuntime.route → position actors (+ registry)',
          fmtInt(r.guard.reports),
          (r.guard.ms / 1000).toFixed(1),
          fmtInt(Math.round(perSec(r.guard))),
          usPer(r.guard),
        ],
        [
          'bare XState: the same reports to actors of a 5-state machine',
          fmtInt(r.bare.reports),
          (r.bare.ms / 1000).toFixed(1),
          fmtInt(Math.round(perSec(r.bare))),
          usPer(r.bare),
        ],
      ],
    ),
  );
  out(`ratio posguard / bare XState: ${ratio.toFixed(2)} — goal ≥ ${RATIO_GOAL}: ${verdict(ratio >= RATIO_GOAL)}`);
  const c = r.checked;
  out(
    `after the run: ${fmtInt(c.open)}/${fmtInt(POSITIONS)} positions open, ${fmtInt(c.latestSeq)}/${fmtInt(POSITIONS)} hold the latest venueSeq sent to them, ` +
      `${fmtInt(c.orders)} orders sent; restoring and starting the ${fmtInt(POSITIONS)} actors took ${(r.rig.startMs / 1000).toFixed(2)} s.`,
  );
  out('');
  const p = r.parts;
  const us = (t: PartTiming): number => (t.ms * 1000) / t.reports;
  // The feed machine is not on a report's path (its stream callback routes reports itself):
  // shown for reference, left out of the sum.
  const partsUs = us(p.filter) + us(p.route);
  out(
    `where the time goes (the same kind of reports, ${fmtInt(PART_REPORTS)} per part, timed apart, the filter on twice as many; the repeat filter's window of ${fmtInt(p.window)} keys full):`,
  );
  out(
    formatTable(
      ['part', 'reports/s', 'µs/report'],
      [
        [
          '(reference) the feed machine, were reports sent through it (they are not: its stream callback routes them)',
          fmtInt(Math.round(perSec(p.feed))),
          usPer(p.feed),
        ],
        [
          'RepeatFilter.fresh alone (feed.wiring.ts; window full)',
          fmtInt(Math.round(perSec(p.filter))),
          usPer(p.filter),
        ],
        [
          'AccountRuntime.route → position actors + registry (no feed)',
          fmtInt(Math.round(perSec(p.route))),
          usPer(p.route),
        ],
        [
          "  filter + routing (the report's path but for the port's callback)",
          fmtInt(Math.round(1e6 / partsUs)),
          partsUs.toFixed(2),
        ],
        ['full path (above)', fmtInt(Math.round(perSec(r.guard))), usPer(r.guard)],
        ['bare XState (above)', fmtInt(Math.round(perSec(r.bare))), usPer(r.bare)],
      ],
    ),
  );
  out('');
  if (r.rig.bytesPerPosition === undefined || r.heap === undefined) {
    out('heap per live position: not measured (gc is not exposed; run node with --expose-gc, as `npm run bench` does)');
    return;
  }
  const perPosition = r.rig.bytesPerPosition;
  out(
    formatTable(
      ['heap used after gc, per live position', 'per position'],
      [
        [
          'posguard: restored position actor + registry row + directory entries + supervisor child',
          fmtBytes(perPosition),
        ],
        [
          "  the restored actor alone (on the account's shared XState system; no observer, no supervisor, no registry)",
          fmtBytes(r.heap.actorAlone),
        ],
        [
          "  + as a supervised child (actorChild: its subscription; the supervisor's entry)",
          fmtBytes(r.heap.supervised - r.heap.actorAlone),
        ],
        ['  + its registry row (open, 2 history entries)', fmtBytes(r.heap.registryRow)],
        [
          "  + the rest: positionChild's record, directory entries (less what the parts above count twice: each of their actors has a market of its own)",
          fmtBytes(perPosition - r.heap.supervised - r.heap.registryRow),
        ],
        [
          "after the reports (adds the feed's repeat-filter window, one per account)",
          fmtBytes(r.heapAfterRun ?? Number.NaN),
        ],
        ['bare 5-state XState actor (reference)', fmtBytes(r.heap.bareActor)],
      ],
    ),
  );
  const after = r.heapAfterRun ?? Number.NaN;
  record({
    figure: 'heap per live position (actor, registry row, supervisor child)',
    unit: 'B',
    posguard: Math.max(perPosition, after),
    reference: { label: 'bare 5-state actor', value: r.heap.bareActor },
    ratio: Math.max(perPosition, after) / r.heap.bareActor,
    goal: `≤ ${fmtBytes(HEAP_GOAL_BYTES)}`,
    met: perPosition <= HEAP_GOAL_BYTES && after <= HEAP_GOAL_BYTES,
  });
  out(
    `heap per live position actor with its registry row: ${fmtBytes(perPosition)} once restored, ${fmtBytes(after)} after the reports` +
      ` — goal ≤ ${fmtBytes(HEAP_GOAL_BYTES)}: ${verdict(perPosition <= HEAP_GOAL_BYTES && after <= HEAP_GOAL_BYTES)}`,
  );
}

export const feedRouting: BenchSection = {
  title: `feed routing: ${fmtInt(POSITIONS)} position actors, ${fmtInt(REPORTS)} stream reports through one feed actor`,
  async run(ctx) {
    const { gc } = ctx;
    const load = loadavg()[0] ?? 0;
    const template = await openTemplate();
    const rig = await startRig(template, POSITIONS, gc);
    const heapBefore = gc === undefined ? 0 : heapAfterGc(gc);
    const bareActors = startBareActors(POSITIONS);
    const bareBytes = gc === undefined ? undefined : (heapAfterGc(gc) - heapBefore) / POSITIONS;
    const heapBeforeRun = gc === undefined ? 0 : heapAfterGc(gc);
    const minorGc = gc === undefined ? () => {} : () => globalThis.gc?.({ type: 'minor' });
    const { guard, bare, mix } = await race(rig, bareActors, WARM_UP, REPORTS, minorGc);
    const checked = check(rig, mix);
    const counts = new Map(mix.counts);
    const heapAfterRun =
      gc === undefined || rig.bytesPerPosition === undefined
        ? undefined
        : rig.bytesPerPosition + (heapAfterGc(gc) - heapBeforeRun) / POSITIONS;
    stopBareActors(bareActors);
    const parts = await timeParts(rig, mix, PART_REPORTS);
    const heap =
      gc === undefined || bareBytes === undefined
        ? undefined
        : {
            ...(await heapParts(template, rig.machine, Math.min(POSITIONS, HEAP_PART_ITEMS), gc)),
            bareActor: bareBytes,
          };
    await rig.stop();
    print(ctx, { load, template, rig, guard, bare, checked, counts, parts, heapAfterRun, heap });
  },
};
