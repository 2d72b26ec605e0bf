import { SimulatedClock } from 'xstate';
import { afterEach, describe, expect, it } from 'vitest';
import { SimExchange, createSimPort } from '../../src/exchange/sim/index.js';
import type { SimMarketSpec } from '../../src/exchange/sim/markets.js';
import { createGuard, type Guard, type PositionHandle } from '../../src/guard/guard.js';
import { EvidencePoller } from '../../src/budget/evidence-poller.js';
import { asClientOrderId } from '../../src/domain/ids.js';
import { T0 } from '../support/sim-harness.js';

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** `n` synthetic linear perpetuals priced at 1 (a position of 10 is worth 10). */
export function syntheticMarkets(n: number): SimMarketSpec[] {
  return Array.from({ length: n }, (_, i) => ({
    symbol: `S${i}/USDT:USDT`,
    amountStep: 1,
    priceStep: 0.0001,
    minAmount: 1,
    minNotional: 5,
    contractSize: 1,
    initialPrice: 1,
    volatility: 0,
  }));
}

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

async function openAll(
  n: number,
): Promise<{ clock: SimulatedClock; sim: SimExchange; guard: Guard; advance: (ms: number) => Promise<void> }> {
  const clock = new SimulatedClock();
  clock.set(T0);
  const sim = new SimExchange({ clock, seed: 3, markets: syntheticMarkets(n) });
  const guard = await createGuard(
    { accounts: [{ id: 'main', exchange: 'sim' }] },
    { persistence: 'memory', clock, sim, ports: { main: createSimPort(sim, 'main') } },
  );
  stop = async () => {
    await guard.stop();
    sim.close();
  };
  const advance = async (ms: number): Promise<void> => {
    for (let t = 0; t < ms; t += 50) {
      clock.increment(50);
      await flush();
    }
  };
  await advance(6_000);
  const positions: PositionHandle[] = [];
  for (let i = 0; i < n; i += 1)
    positions.push(
      await guard.open({ account: 'main', symbol: `S${i}/USDT:USDT`, side: 'buy', amount: 10, stopLoss: 0.5 }),
    );
  for (let t = 0; t < 60_000 && positions.some((p) => p.state !== 'open'); t += 50) await advance(50);
  expect(positions.map((p) => p.state)).toEqual(positions.map(() => 'open'));
  return { clock, sim, guard, advance };
}

describe('one poller per account', () => {
  it('with the stream down, asks the venue per poll for all positions at once: requests grow with pages, not positions', async () => {
    const n = 20;
    const { sim, advance, clock } = await openAll(n);
    sim.faults.set({ fault: { kind: 'disconnect' } });
    await advance(15_000); // the feed is reported down, the positions settle into polling
    const from = clock.now();
    await advance(10_000);
    const seen = sim.requests({ account: 'main', since: from });
    const perSecond = seen.length / 10;
    const byMethod = Object.fromEntries(
      ['fetchPositions', 'fetchOpenOrders', 'fetchOrder'].map((m) => [
        m,
        seen.filter((r) => r.method === m).length / 10,
      ]),
    );
    // One position list and one open-orders list per poll (every second at most), never one per position.
    expect(byMethod, JSON.stringify(byMethod)).toMatchObject({ fetchOrder: 0 });
    expect(perSecond).toBeLessThanOrEqual(2 * 2);
    expect(perSecond).toBeLessThan(n);
  });
});

describe('the evidence poller', () => {
  it('asks once for a batch, and drops an ask withdrawn before its batch leaves (the stream answered it): no request for it', async () => {
    const clock = new SimulatedClock();
    clock.set(T0);
    const sim = new SimExchange({ clock, seed: 3, markets: syntheticMarkets(3) });
    const poller = new EvidencePoller(createSimPort(sim, 'main'), clock, 200);
    const withdrawn = new AbortController();
    const order = { clientOrderId: asClientOrderId('pg-x-e'), venueOrderId: undefined };
    const first = poller.ask({ symbol: 'S0/USDT:USDT', order, position: false }, withdrawn.signal);
    withdrawn.abort();
    expect(await first).toMatchObject({ failures: ['no longer asked'] });
    clock.increment(200);
    await flush();
    expect(sim.requests({ account: 'main' })).toHaveLength(0);
    const asks = ['S0', 'S1', 'S2'].map((s) =>
      poller.ask({ symbol: `${s}/USDT:USDT`, order: undefined, position: true }),
    );
    clock.increment(200);
    const answers = await Promise.all(asks);
    expect(answers.every((a) => a.failures.length === 0)).toBe(true);
    // One list for the three symbols, and one query of its own for each flat symbol the list omits.
    expect(sim.requests({ account: 'main', method: 'fetchPositions' }).length).toBeLessThanOrEqual(1 + 3);
    sim.close();
  });
});
