/**
 * Two guards (two workers) on one Redis and one venue: only the holder of the account's lease
 * runs its sweeps, one run per slot; the other runs none until it takes the lease over.
 */
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { SimExchange } from '../../src/exchange/sim/index.js';
import { createGuard } from '../../src/guard/guard.js';
import { REDIS_URL, redisForThisFile } from '../support/redis.js';

const db = redisForThisFile('sweep-workers');
const prefix = db.prefix;

describe('sweeps with two workers', () => {
  it('runs each slot once, on the lease holder only; the orphan is alerted once', async () => {
    const sim = new SimExchange({ clock: systemClock, seed: 4 });
    sim.setPrice('AVL/USDT:USDT', 0.25);
    const config = {
      redis: REDIS_URL,
      accounts: [{ id: 'main', exchange: 'sim' as const }],
      ownership: { leaseTtlMs: 5_000 },
      sweeps: {
        orphanEveryMs: 300,
        reconcileEveryMs: 60_000,
        orphanPolicy: 'alert' as const,
        stuckAfterMs: 300_000,
        ignoreClientOrderIdPrefixes: [],
      },
    };
    const options = { sim, persistence: 'redis' as const, redisPrefix: prefix };
    const a = await createGuard(config, { ...options, workerId: 'worker-a' });
    const b = await createGuard(config, { ...options, workerId: 'worker-b' });
    try {
      sim.openExternalPosition('main', 'AVL/USDT:USDT', 'buy', 40);
      await new Promise((r) => setTimeout(r, 2_000));
      const reports = (await a.sweeps('main')).filter((r) => r.kind === 'orphans');
      expect(reports.length).toBeGreaterThanOrEqual(3);
      expect(new Set(reports.map((r) => r.worker))).toEqual(new Set(['worker-a']));
      // One run per 300 ms slot at most (the first one ran when worker A took the account).
      expect(reports.length).toBeLessThanOrEqual(Math.ceil(2_000 / 300) + 2);
      expect(new Set(reports.map((r) => r.id)).size).toBe(reports.length);
      const orphans = (await b.alerts()).filter((x) => x.kind === 'orphan');
      expect(orphans).toHaveLength(1);
      expect(orphans[0]?.count).toBeGreaterThanOrEqual(2); // later sweeps grouped into it, not sent again
    } finally {
      await b.stop();
      await a.stop();
      sim.close();
    }
  }, 20_000);
});
