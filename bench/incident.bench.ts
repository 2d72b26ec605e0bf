/**
 * Section "incident: naive baseline vs posguard": scenario 1 of docs/architecture.md, The promise (minimal
 * create reply, REST positions 5 s behind a stream that shows the fill at once), run many
 * times on the simulator with a `SimulatedClock`, once with the naive baseline of the
 * incident (test/support/naive-bot.ts) and once with posguard. Times are simulated time,
 * from sending the intent to a verdict (`opened`/`rolled-back`) or to `open`.
 *
 * Touches: its own venues and guards; prints to the report.
 */
import { SimulatedClock } from 'xstate';
import { asClientOrderId } from '../src/domain/ids.js';
import { SimExchange, createSimPort } from '../src/exchange/sim/index.js';
import { NAIVE_WAIT_MS, runNaiveBot } from '../test/support/naive-bot.js';
import { driveUntil, driveUntilSettled } from '../test/support/sim-drive.js';
import { simHarness, T0 } from '../test/support/sim-harness.js';
import type { BenchSection } from './section.js';
import { summarize } from './stats.js';
import { fmtInt, fmtMs, formatTable } from './table.js';

const RUNS = Number(process.env.BENCH_INCIDENT_RUNS ?? 1_000);
const AVL = 'AVL/USDT:USDT';
const AMOUNT = 43;

function incidentFaults(venue: SimExchange): void {
  venue.faults.set({ fault: { kind: 'minimalCreateReply' } });
  venue.faults.set({ fault: { kind: 'restLag', ms: 5_000 } });
}

interface Tally {
  readonly times: Float64Array;
  /** Runs whose venue position ended above the intent's 43 (86: doubled). */
  doubled: number;
  /** Runs that sent more than one order. */
  extraOrders: number;
  readonly verdicts: Map<string, number>;
  /** Naive runs only: what the bot made of the create reply's side, and the side of its rollback. */
  readonly sides: Map<string, number>;
  wallMs: number;
}

const tally = (): Tally => ({
  times: new Float64Array(RUNS).fill(Number.NaN),
  doubled: 0,
  extraOrders: 0,
  verdicts: new Map(),
  sides: new Map(),
  wallMs: 0,
});

async function naiveRuns(): Promise<Tally> {
  const t = tally();
  const started = performance.now();
  for (let i = 0; i < RUNS; i++) {
    const clock = new SimulatedClock();
    clock.set(T0);
    const venue = new SimExchange({ clock, seed: i + 1 });
    venue.setPrice(AVL, 0.25);
    incidentFaults(venue);
    const port = createSimPort(venue, 'naive');
    const result = await driveUntilSettled(
      clock,
      runNaiveBot(port, clock, {
        symbol: AVL,
        side: 'buy',
        amount: AMOUNT,
        clientOrderId: asClientOrderId(`naive-${i}`),
      }),
    );
    t.times[i] = result.elapsedMs;
    t.verdicts.set(result.verdict, (t.verdicts.get(result.verdict) ?? 0) + 1);
    const rollback = venue.requests({ method: 'createOrder' })[1]?.params;
    const sides = `entry side '${result.entrySide}' → rollback ${rollback === undefined ? 'none' : `${rollback.side}${rollback.reduceOnly ? ' reduce-only' : ' (not reduce-only)'}`}`;
    t.sides.set(sides, (t.sides.get(sides) ?? 0) + 1);
    if (venue.position('naive', AVL).size > AMOUNT) t.doubled++;
    if (venue.requests({ method: 'createOrder' }).length > 1) t.extraOrders++;
    await port.close();
    venue.close();
  }
  t.wallMs = performance.now() - started;
  return t;
}

async function posguardRuns(): Promise<Tally> {
  const t = tally();
  const started = performance.now();
  for (let i = 0; i < RUNS; i++) {
    const h = await simHarness({}, i + 1);
    incidentFaults(h.sim);
    const sentAt = h.clock.now();
    const pos = await h.guard.open({ account: 'main', symbol: AVL, side: 'buy', amount: AMOUNT });
    await driveUntil(h.clock, () => pos.state !== 'pending' && pos.state !== 'verifying', { stepMs: 1, maxMs: 60_000 });
    t.times[i] = h.clock.now() - sentAt;
    // Past the baseline's 4 s wait and the 5 s REST lag: posguard must not act on the stale REST view.
    await h.advance(NAIVE_WAIT_MS + 2_000, 500);
    t.verdicts.set(pos.state, (t.verdicts.get(pos.state) ?? 0) + 1);
    if (h.sim.position('main', AVL).size > AMOUNT) t.doubled++;
    if (h.sim.requests({ method: 'createOrder' }).length > 1) t.extraOrders++;
    await h.guard.stop();
    h.sim.close();
  }
  t.wallMs = performance.now() - started;
  return t;
}

export const incident: BenchSection = {
  title: 'incident scenario: naive baseline vs posguard (simulated time)',
  async run({ out, record }) {
    const naive = await naiveRuns();
    const guard = await posguardRuns();
    const n = summarize(naive.times);
    const g = summarize(guard.times);
    const verdicts = (t: Tally) => [...t.verdicts].map(([k, v]) => `${k} ${fmtInt(v)}`).join(', ');
    out(
      formatTable(
        ['', 'runs', 'p50 ms', 'p99 ms', 'max ms', 'outcome', 'doubled (86 long)', '>1 order', 'wall s'],
        [
          [
            'naive baseline: time to verdict',
            fmtInt(RUNS),
            fmtMs(n.p50),
            fmtMs(n.p99),
            fmtMs(n.max),
            verdicts(naive),
            fmtInt(naive.doubled),
            fmtInt(naive.extraOrders),
            (naive.wallMs / 1000).toFixed(1),
          ],
          [
            'posguard: time to open',
            fmtInt(RUNS),
            fmtMs(g.p50),
            fmtMs(g.p99),
            fmtMs(g.max),
            verdicts(guard),
            fmtInt(guard.doubled),
            fmtInt(guard.extraOrders),
            (guard.wallMs / 1000).toFixed(1),
          ],
        ],
      ),
    );
    const ratio =
      g.p50 > 0
        ? `${(n.p50 / g.p50).toFixed(0)}x`
        : `unbounded: posguard opens in the same simulated instant as the fill (0 ms; the clock steps by 1 ms, so > ${fmtInt(n.p50)}x)`;
    out(`time ratio naive / posguard (p50): ${ratio}`);
    out(`naive: ${[...naive.sides].map(([k, v]) => `${k}: ${fmtInt(v)} runs`).join('; ')}`);
    out(
      `doubled positions: naive ${fmtInt(naive.doubled)}/${fmtInt(RUNS)}, posguard ${fmtInt(guard.doubled)}/${fmtInt(RUNS)}`,
    );
    record({
      figure: `incident runs that double the position (of ${fmtInt(RUNS)})`,
      unit: 'runs',
      posguard: guard.doubled,
      reference: { label: 'naive baseline', value: naive.doubled },
      goal: '0',
      met: guard.doubled === 0,
    });
    out(
      'Simulated time on a SimulatedClock (naive: 50 ms steps, it waits 4 s by design; posguard: 1 ms steps, then 6 s more',
    );
    out('to prove it does not act on the stale REST view). Wall time includes building a venue (and a guard) per run.');
  },
};
