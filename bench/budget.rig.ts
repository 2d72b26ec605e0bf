/**
 * The request budget benchmark's rig: a guard on the simulated exchange (its clock simulated,
 * persistence in memory) with `n` open positions on synthetic markets, the account's poller on
 * or off (`perPositionPolling`: the baseline). Counts are the venue's own request record.
 */
import { SimulatedClock } from 'xstate';
import { SimExchange, createSimPort } from '../src/exchange/sim/index.js';
import type { SimMarketSpec } from '../src/exchange/sim/markets.js';
import { createGuard, type Guard, type PositionHandle } from '../src/guard/guard.js';

export const T0 = 1_764_000_000_000;
const flush = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/** `n` synthetic linear perpetuals priced at 1. */
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

export interface Fleet {
  readonly clock: SimulatedClock;
  readonly sim: SimExchange;
  readonly guard: Guard;
  readonly positions: PositionHandle[];
  advance(ms: number): Promise<void>;
  /** Venue requests of the account since `from` (simulated ms). */
  requestsSince(from: number): number;
  stop(): Promise<void>;
}

export async function fleet(n: number, perPositionPolling: boolean, markets = Math.max(n, 1)): Promise<Fleet> {
  const clock = new SimulatedClock();
  clock.set(T0);
  const sim = new SimExchange({ clock, seed: 3, markets: syntheticMarkets(markets) });
  const guard = await createGuard(
    { accounts: [{ id: 'main', exchange: 'sim' }] },
    {
      persistence: 'memory',
      clock,
      sim,
      ports: { main: createSimPort(sim, 'main') },
      perPositionPolling,
    },
  );
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
  for (let t = 0; t < 120_000 && positions.some((p) => p.state !== 'open'); t += 50) await advance(50);
  const notOpen = positions.filter((p) => p.state !== 'open').length;
  if (notOpen > 0) throw new Error(`${notOpen} of ${n} positions did not open within 120 s of simulated time`);
  return {
    clock,
    sim,
    guard,
    positions,
    advance,
    requestsSince: (from) => sim.requests({ account: 'main', since: from }).length,
    stop: async () => {
      await guard.stop();
      sim.close();
    },
  };
}
