/**
 * A leftover stop on a flat symbol that the venue's list of positions leaves out (Bybit and
 * Binance list held positions only): the reconciliation asks for that symbol, gets a positive
 * flat report, and cancels the stop. Through the real ccxt against the wire simulator (the
 * in-process port lists every symbol ever traded, flat ones too, so the simulation's in-process
 * seeds could not see this).
 * Found by the wire variant of the simulation (seed 102): a worker restarted after a store fault
 * left a quarantined position's stop resting on a flat symbol, alerted at every sweep, never cancelled.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { asAccountId, asClientOrderId } from '../../src/domain/ids.js';
import type { CcxtPort } from '../../src/exchange/ccxt/index.js';
import { runSweep } from '../../src/sweeps/sweep.js';
import { AVL, wireHarness, type WireHarness, type WireVenue } from '../support/wire-harness.js';

let h: WireHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const POS = 'pg-01JD0000000000000000000000';

async function sweepLeftover(port: CcxtPort): Promise<{ findings: string[]; actions: readonly string[] }> {
  const report = await runSweep('reconcile', {
    account: asAccountId('main'),
    port,
    now: () => Date.now(),
    local: () => ({ positions: [], tracked: [] }),
    known: () => new Map(),
    settings: { stuckAfterMs: 300_000, restLagMs: 500, ignoreClientOrderIdPrefixes: [], sizeTolerance: 1 },
    policy: 'alert',
    actions: {
      raise: () => {},
      adopt: () => Promise.reject(new Error('not in this test')),
      flatten: () => Promise.reject(new Error('not in this test')),
      tell: () => {},
      cancelStop: async (symbol, clientOrderId) =>
        (await port.cancelOrder({ clientOrderId: asClientOrderId(clientOrderId) }, symbol)).kind,
    },
    runId: () => 'run-1',
    worker: 'w1',
  });
  return { findings: report.findings.map((f) => f.kind), actions: report.actions };
}

// Bybit only: the simulated Binance cancels a reduce-only order itself when its position closes.
describe.each<WireVenue>(['bybit'])('the reconciliation on the %s wire', (venue) => {
  it('cancels a leftover stop on a flat symbol the list of positions leaves out, after a positive flat report', async () => {
    h = await wireHarness();
    const port = await h.port(venue);
    // A position of posguard's with its stop, then closed by another program: the stop is left over.
    h.venue.openExternalPosition('main', AVL, 'buy', 43);
    const stop = await port.createOrder({
      symbol: AVL,
      side: 'sell',
      type: 'stop-market',
      amount: 43,
      triggerPrice: 0.21,
      clientOrderId: asClientOrderId(`${POS}-s1`),
      reduceOnly: true,
    });
    expect(stop.kind).toBe('accepted');
    h.venue.openExternalPosition('main', AVL, 'sell', 43);
    expect(h.venue.position('main', AVL).size).toBe(0);
    expect((await port.fetchPositions()).map((p) => p.symbol)).not.toContain(AVL); // the list leaves it out
    expect((await port.fetchOpenOrders()).map((o) => o.clientOrderId)).toEqual([`${POS}-s1`]);

    const swept = await sweepLeftover(port);
    expect(swept.findings).toEqual(['leftoverStop']);
    expect(swept.actions).toEqual(['accepted']);
    expect(h.venue.orders('main').find((o) => o.clientOrderId === `${POS}-s1`)?.status).toBe('canceled');
  }, 20_000);
});
