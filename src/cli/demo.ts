/**
 * `posguard demo`: replays the AVLUSDT incident (docs/architecture.md, The promise) on the simulated exchange,
 * on simulated time, and prints each step: what the venue did, what posguard concluded, and
 * what the venue holds at the end. Two acts: the incident itself, then a refused stop.
 */
import { SimulatedClock } from 'xstate';
import { SimExchange } from '../exchange/sim/index.js';
import { createGuard, type Guard, type GuardEvent, type PositionHandle } from '../guard/guard.js';

const AVL = 'AVL/USDT:USDT';
const SETTLED = ['open', 'closed', 'failed', 'orphanAlert'];

type Out = (line: string) => void;

interface Stage {
  readonly clock: SimulatedClock;
  readonly sim: SimExchange;
  readonly guard: Guard;
}

async function stage(out: Out, t0: number): Promise<Stage> {
  const clock = new SimulatedClock();
  clock.set(t0);
  const sim = new SimExchange({ clock, seed: 42 });
  sim.setPrice(AVL, 0.25);
  const at = () => `[+${((clock.now() - t0) / 1000).toFixed(3)}s]`;
  const onEvent = (e: GuardEvent) => {
    if (e.type === 'alert') out(`${at()}   ALERT ${e.alert.kind}: ${e.alert.message}`);
    else if (e.type === 'transition')
      out(`${at()}   ${e.from} → ${e.row.state}${e.row.reason === undefined ? '' : `  (${e.row.reason})`}`);
  };
  const guard = await createGuard(
    { accounts: [{ id: 'demo', exchange: 'sim' }], verification: { restLagMs: 5_000 } },
    { clock, sim, onEvent, persistence: 'memory' },
  );
  return { clock, sim, guard };
}

async function runUntil(s: Stage, pos: PositionHandle, states: readonly string[], maxMs = 120_000): Promise<void> {
  for (let t = 0; t < maxMs && !states.includes(pos.state); t += 50) {
    s.clock.increment(50);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

function venueRecord(out: Out, s: Stage): void {
  out('  what the venue received:');
  for (const r of s.sim.requests({ method: 'createOrder' })) {
    const p = r.params as { side: string; amount: number; type: string; reduceOnly: boolean; clientOrderId: string };
    out(
      `    createOrder ${p.side} ${p.amount} ${p.type}${p.reduceOnly ? ' reduce-only' : ''} (${p.clientOrderId}) → ${r.result}`,
    );
  }
  const held = s.sim.position('demo', AVL).size;
  out(`  the venue holds: ${held === 0 ? 'nothing (flat)' : `${Math.abs(held)} ${held > 0 ? 'long' : 'short'}`}`);
}

export async function demoCommand(out: Out = (line) => process.stdout.write(`${line}\n`)): Promise<number> {
  out('posguard demo: the AVLUSDT incident, replayed on the simulated exchange (simulated time)\n');
  out('Act 1. Bybit answers the create with ids only; REST positions lag the private stream by 5 s.');
  out('       The original bot read "no side" as \'unknown\', saw an empty REST list after 4 s, and');
  out('       "rolled back" with a second BUY of 43: 86 long, untracked.\n');
  const one = await stage(out, 1_764_000_000_000);
  one.sim.faults.set({ fault: { kind: 'minimalCreateReply' } });
  one.sim.faults.set({ fault: { kind: 'restLag', ms: 5_000 } });
  out('[+0.000s]   intent: buy 43 AVL/USDT:USDT (no stop)');
  const p1 = await one.guard.open({ account: 'demo', symbol: AVL, side: 'buy', amount: 43 });
  await runUntil(one, p1, SETTLED);
  out(
    `  posguard's verdict: ${p1.state} — the side came from the intent, the fill from the stream and the order itself`,
  );
  venueRecord(out, one);
  await one.guard.stop();
  one.sim.close();

  out('\nAct 2. The same entry with a stop at 0.21, and the venue refuses the stop.');
  out('       posguard rolls back: the close is sided and sized from the live position, reduce-only.\n');
  const two = await stage(out, 1_764_000_100_000);
  two.sim.faults.set({ fault: { kind: 'minimalCreateReply' } });
  two.sim.faults.set({
    fault: { kind: 'reject', reason: 'trigger price invalid', code: '110092', orderTypes: ['stop-market'] },
  });
  out('[+0.000s]   intent: buy 43 AVL/USDT:USDT, stop 0.21');
  const p2 = await two.guard.open({ account: 'demo', symbol: AVL, side: 'buy', amount: 43, stopLoss: 0.21 });
  await runUntil(two, p2, ['closed', 'failed', 'orphanAlert']);
  out(`  posguard's verdict: ${p2.state} — proven flat by a fresh report, not by a missing one`);
  venueRecord(out, two);
  await two.guard.stop();
  two.sim.close();
  return p1.state === 'open' && p2.state === 'closed' ? 0 : 1;
}
