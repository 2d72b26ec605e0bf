import { SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import type { ExchangePort } from '../../src/exchange/port.js';
import { SimExchange, createSimPort } from '../../src/exchange/sim/index.js';
import { FEED_START_GRACE_MS } from '../../src/guard/account.js';
import { createGuard } from '../../src/guard/guard.js';
import { REDIS_URL, redisForThisFile } from '../support/redis.js';
import { driveFor, driveUntil } from '../support/sim-drive.js';
import { T0 } from '../support/sim-harness.js';

const AVL = 'AVL/USDT:USDT';
const db = redisForThisFile('feedstart');
/** Simulated time for the machines, but Redis answers in real time: each step waits a little. */
const REAL = { realMsPerStep: 2 } as const;

/** The port, with a private stream that never connects and never says so. */
function silentStream(inner: ExchangePort): ExchangePort {
  return Object.assign(Object.create(inner) as ExchangePort, { subscribe: () => ({ close: async () => {} }) });
}

describe('a feed that never comes up after a restart', () => {
  it('is reported down to the restored positions after the grace time, and they verify by polling', async () => {
    const clock = new SimulatedClock();
    clock.set(T0);
    const sim = new SimExchange({ clock, seed: 11 });
    sim.setPrice(AVL, 0.25);
    const config = { redis: REDIS_URL, accounts: [{ id: 'main', exchange: 'sim' as const }] };
    const options = { clock, sim, persistence: 'redis' as const, redisPrefix: db.prefix };
    const a = await createGuard(config, { ...options, workerId: 'first' });
    const pos = await a.open({ account: 'main', symbol: AVL, side: 'buy', amount: 43 });
    await driveUntil(clock, () => pos.state === 'open', { ...REAL, maxMs: 2_000 });
    // Past the re-check that follows the feed coming up (restLagMs), so that the position rests.
    await driveFor(clock, 6_000, REAL);
    await a.flushed();
    await a.stop(); // its snapshot says the feed was up

    const b = await createGuard(config, {
      ...options,
      workerId: 'second',
      ports: { main: silentStream(createSimPort(sim, 'main')) },
    });
    try {
      const queries = () => sim.requests({ method: 'fetchPositions' }).length;
      const atStart = queries();
      await driveFor(clock, FEED_START_GRACE_MS - 100, REAL);
      expect(queries()).toBe(atStart); // within the grace time the restored position trusts the feed
      await driveFor(clock, 3_000, REAL);
      expect(queries()).toBeGreaterThan(atStart + 1); // then it asks REST, every feedDownPollMs
      expect(b.position(pos.id).state).toBe('open');
    } finally {
      await b.stop();
      sim.close();
    }
  });
});
