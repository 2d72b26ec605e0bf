/**
 * Scenario 1 (docs/architecture.md, The promise) run twice on the simulator with the same faults — a
 * minimal create reply and REST positions 5 s behind a stream that shows the fill at once:
 * the naive baseline (test/support/naive-bot.ts) doubles the position, posguard does not.
 */
import { SimulatedClock } from 'xstate';
import { afterEach, describe, expect, it } from 'vitest';
import { asAccountId, asClientOrderId } from '../../src/domain/ids.js';
import type { PositionStatusReport } from '../../src/domain/reports.js';
import { SimExchange, createSimPort } from '../../src/exchange/sim/index.js';
import { runNaiveBot } from '../support/naive-bot.js';
import { simHarness, T0, type Harness } from '../support/sim-harness.js';
import { driveUntilSettled } from '../support/sim-drive.js';

const AVL = 'AVL/USDT:USDT';

function incidentFaults(sim: SimExchange): void {
  sim.faults.set({ fault: { kind: 'minimalCreateReply' } });
  sim.faults.set({ fault: { kind: 'restLag', ms: 5_000 } });
}

let h: Harness | undefined;
let venue: SimExchange | undefined;
afterEach(async () => {
  await h?.guard.stop();
  h?.sim.close();
  venue?.close();
  h = undefined;
  venue = undefined;
});

describe('scenario 1: the naive baseline against posguard', () => {
  it('the naive baseline concludes "did not open", rolls back with a second buy and leaves 86 long', async () => {
    const clock = new SimulatedClock();
    clock.set(T0);
    venue = new SimExchange({ clock, seed: 7 });
    venue.setPrice(AVL, 0.25);
    incidentFaults(venue);
    const streamed: PositionStatusReport[] = [];
    venue.subscribe(asAccountId('naive'), (e) => {
      if (e.type === 'position') streamed.push(e.report);
    });
    const port = createSimPort(venue, 'naive');

    const result = await driveUntilSettled(
      clock,
      runNaiveBot(port, clock, { symbol: AVL, side: 'buy', amount: 43, clientOrderId: asClientOrderId('naive-1') }),
    );

    expect(result.verdict).toBe('rolled-back');
    expect(result.entrySide).toBe('unknown');
    expect(result.rollbackSide).toBe('buy');
    expect(result.elapsedMs).toBeGreaterThanOrEqual(4_000);
    // The stream showed the 43 long at once, long before the REST query that missed it.
    expect(streamed[0]).toMatchObject({ side: 'buy', size: 43 });
    expect(streamed[0]?.receivedAt).toBeLessThan(T0 + 4_000);
    expect(venue.position('naive', AVL).size).toBe(86);
    const creates = venue.requests({ account: 'naive', method: 'createOrder' });
    expect(creates.map((c) => c.params)).toMatchObject([
      { side: 'buy', amount: 43, reduceOnly: false },
      { side: 'buy', amount: 43, reduceOnly: false },
    ]);
  });

  it('posguard on the same faults ends open at 43 with exactly one order sent', async () => {
    h = await simHarness();
    incidentFaults(h.sim);
    const pos = await h.guard.open({ account: 'main', symbol: AVL, side: 'buy', amount: 43 });
    expect(await h.until(pos)).toBe('open');
    await h.advance(6_000); // past the naive bot's 4 s and the 5 s REST lag: nothing more happens
    expect(pos.state).toBe('open');
    expect(h.sim.position('main', AVL).size).toBe(43);
    expect(h.sim.requests({ account: 'main', method: 'createOrder' })).toHaveLength(1);
    const row = (await h.guard.positions()).find((r) => r.id === pos.id);
    expect(row).toMatchObject({ state: 'open', size: 43 });
  });
});
