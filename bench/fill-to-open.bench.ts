/**
 * Section "fill → open": how long posguard takes, in real time, from the moment the first
 * evidence of an entry's fill reaches it to the position actor's `open` transition, with
 * thousands of positions live in one `createGuard` on the in-process simulator.
 *
 * Runs (each a fresh venue and guard on `systemClock`, see `fill-to-open.measure.ts`):
 * - Bybit-like (the incident's faults, stream on time): the create reply carries only the
 *   ids and REST answers 5 s in the past, so the private stream is the only evidence —
 *   "stream fill event → open".
 * - No faults, in bursts and one intent at a time: the full create reply (Binance-like)
 *   already proves the fill; the stream's fill arrives after the position is open.
 * Also: the heap per live position (first run) and the cost of `wirePositionMachine()`.
 *
 * Touches: its own venues and guards; prints to the report.
 */
import type { FaultRule } from '../src/exchange/sim/index.js';
import { ACCOUNTS, runFillToOpen, type RunResult } from './fill-to-open.measure.js';
import { replayedVenueBytes, type HeapFigures } from './heap.js';
import type { BenchContext, BenchSection } from './section.js';
import type { Summary } from './stats.js';
import { fmtBytes, fmtInt, fmtMs, formatTable } from './table.js';
import { measureWiring, type WiringCost } from './wiring-cost.js';

const POSITIONS = Number(process.env.BENCH_POSITIONS ?? 10_000);
const NO_FAULT_POSITIONS = Number(process.env.BENCH_NO_FAULT_POSITIONS ?? 1_000);
/** Intents submitted at once (a burst); the next burst starts when every position of this one is settled. */
const BURST = 100;
const SEQUENTIAL_POSITIONS = 500;

const BYBIT_LIKE: readonly FaultRule[] = [
  { fault: { kind: 'minimalCreateReply' } },
  { fault: { kind: 'restLag', ms: 5_000 } },
];

function print(
  ctx: BenchContext,
  results: readonly RunResult[],
  wiring: WiringCost,
  heap: HeapFigures | undefined,
): void {
  const { out } = ctx;
  for (const r of results) {
    ctx.record({
      figure: `${r.spec.evidence} → open, ${r.spec.label}, ${fmtInt(r.spec.positions)} positions (p50)`,
      unit: 'ms',
      posguard: r.reaction.p50,
    });
  }
  const row = (label: string, metric: string, m: Summary) => [
    label,
    metric,
    fmtMs(m.p50),
    fmtMs(m.p99),
    fmtMs(m.max),
    fmtMs(m.mean),
    fmtInt(m.n),
  ];
  out(
    formatTable(
      ['run', 'latency', 'p50 ms', 'p99 ms', 'max ms', 'mean ms', 'samples'],
      results.flatMap((r) => [
        row(`${r.spec.label} (${fmtInt(r.spec.positions)})`, `${r.spec.evidence} → open`, r.reaction),
        row('', '  same, first tenth opened', r.reactionFirstTenth),
        row('', '  same, last tenth opened', r.reactionLastTenth),
        row('', 'venue fill → open (in process)', r.endToEnd),
      ]),
    ),
  );
  out('');
  out(
    formatTable(
      ['run', 'first evidence', 'not open', 'orders', 'createGuard ms', 'wall s', 'opens/s', '1st tenth', 'last tenth'],
      results.map((r) => {
        const perSec = (count: number, ms: number) => fmtInt(Math.round(count / (ms / 1000)));
        const tenth = Math.max(1, Math.floor(r.spec.positions / 10));
        return [
          r.spec.label,
          [...r.firstEvidence].map(([k, v]) => `${k} ${fmtInt(v)}`).join(', '),
          fmtInt(r.notOpen + r.reaction.missing),
          fmtInt(r.createOrders),
          fmtMs(r.createGuardMs),
          (r.wallMs / 1000).toFixed(1),
          perSec(r.spec.positions, r.wallMs),
          perSec(tenth, r.firstTenthMs),
          perSec(tenth, r.lastTenthMs),
        ];
      }),
    ),
  );
  for (const r of results) {
    if (r.lateObserved > 0)
      out(
        `! ${r.spec.label}: ${r.lateObserved} positions were open before their handle came back (open time is a late bound)`,
      );
    if (r.streamAfterOpen.n > 0) {
      out(
        `${r.spec.label}: the stream's first fill evidence came ${fmtMs(r.streamAfterOpen.p50)} ms (p50; max ${fmtMs(r.streamAfterOpen.max)}) ` +
          `after \`open\` for ${fmtInt(r.streamAfterOpen.n)} positions: the full create reply had proved the fill.`,
      );
    }
  }
  out(
    'How: performance.now() on the real clock (systemClock; the guard, the venue and the stream run on real timers).',
  );
  out(
    "  evidence time: a probe port hands the create reply back to the wiring, or a stream event to the guard's router;",
  );
  out(
    '  open time: right after the router returns (a stream-triggered open is synchronous), else the microtask after the',
  );
  out('  transition (PositionHandle.settled()); venue fill: the sim matches a market order inside the create call.');
  out(
    `  Bybit-like = minimalCreateReply + restLag 5 s (stream delay 0): the stream is the only evidence. Layout: ${ACCOUNTS} accounts x`,
  );
  out(
    `  positions/${ACCOUNTS} symbols; intents in bursts of ${BURST} (or one at a time), the next once all are open; all stay live.`,
  );
  out(
    '  "venue fill → open" adds the wait behind the rest of the burst (event loop) and the sim\'s 1 ms stream timer.',
  );
  out(
    `wirePositionMachine() alone: ${fmtMs(wiring.msPerCall)} ms CPU per call; guard.open() calls it once per position.`,
  );
  out('');
  if (ctx.gc === undefined) {
    out('heap per live position: not measured (gc is not exposed; run node with --expose-gc, as `npm run bench` does)');
    return;
  }
  if (heap === undefined) return;
  out(
    formatTable(
      [`heap used after gc, per live open position (${results[0]?.spec.label ?? ''} run)`, 'per position'],
      [
        ['guard + venue state', fmtBytes(heap.totalPerPosition)],
        ["venue state alone (the run's requests replayed on a fresh venue)", fmtBytes(heap.venuePerPosition)],
        [
          'posguard: actor, its wired machine, registry row, journal, handle',
          fmtBytes(heap.totalPerPosition - heap.venuePerPosition),
        ],
        [
          '  of which the machine wirePositionMachine() builds (measured alone)',
          fmtBytes(wiring.bytesPerCall ?? Number.NaN),
        ],
      ],
    ),
  );
}

export const fillToOpen: BenchSection = {
  title: 'fill → open (real clock, performance.now())',
  async run(ctx) {
    // Warm-up (not reported): the first few hundred opens run cold code (JIT) and would skew the first run.
    await runFillToOpen(
      { label: 'warm-up', evidence: '', positions: 300, faults: BYBIT_LIKE, burst: BURST, heap: false },
      ctx,
    );
    const results = [
      await runFillToOpen(
        {
          label: 'Bybit-like',
          evidence: 'stream fill event',
          positions: POSITIONS,
          faults: BYBIT_LIKE,
          burst: BURST,
          heap: true,
        },
        ctx,
      ),
      await runFillToOpen(
        {
          label: 'no faults',
          evidence: 'create reply',
          positions: NO_FAULT_POSITIONS,
          faults: [],
          burst: BURST,
          heap: false,
        },
        ctx,
      ),
      await runFillToOpen(
        {
          label: 'no faults, one at a time',
          evidence: 'create reply',
          positions: SEQUENTIAL_POSITIONS,
          faults: [],
          burst: 1,
          heap: false,
        },
        ctx,
      ),
    ];
    const first = results[0];
    let heap: HeapFigures | undefined;
    if (ctx.gc !== undefined && first?.heap !== undefined) {
      const h = first.heap;
      const venueBytes = replayedVenueBytes(ctx.gc, h.requests, h.faults, h.markets);
      heap = {
        totalPerPosition: h.totalBytes / first.spec.positions,
        venuePerPosition: venueBytes / first.spec.positions,
      };
    }
    print(ctx, results, measureWiring(ctx.gc, 1_000), heap);
  },
};
