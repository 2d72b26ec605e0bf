/**
 * What a worker does for an account it may no longer own (issue 11, suspected cases): a sweep
 * checks the lease in Redis before it acts on its local view; a cancel is fenced like a send;
 * a stored position whose market is no longer listed does not hold its symbol, so the orphan
 * sweep reports what the venue holds there.
 */
import { SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import { NotOwner } from '../../src/domain/errors.js';
import type { ExchangePort } from '../../src/exchange/port.js';
import { SimExchange, createSimPort } from '../../src/exchange/sim/index.js';
import { createGuard } from '../../src/guard/guard.js';
import { LeaseLost } from '../../src/persistence/redis-store.js';
import { MemoryJournal, type Journal } from '../../src/persistence/journal.js';
import { REDIS_URL, redisForThisFile } from '../support/redis.js';
import { driveUntil } from '../support/sim-drive.js';
import { T0 } from '../support/sim-harness.js';

const AVL = 'AVL/USDT:USDT';
const db = redisForThisFile('fencing');
const REAL = { realMsPerStep: 2 } as const;

function venue(seed: number): { clock: SimulatedClock; sim: SimExchange } {
  const clock = new SimulatedClock();
  clock.set(T0);
  const sim = new SimExchange({ clock, seed });
  sim.setPrice(AVL, 0.25);
  return { clock, sim };
}

describe('a worker that may no longer own its account', () => {
  it('runs no sweep once its lease is gone, even before it noticed', async () => {
    const { clock, sim } = venue(21);
    const prefix = `${db.prefix}a:`;
    const guard = await createGuard(
      { redis: REDIS_URL, accounts: [{ id: 'main', exchange: 'sim' }], sweeps: { orphanPolicy: 'flatten' } },
      {
        clock,
        sim,
        persistence: 'redis',
        redisPrefix: prefix,
        workerId: 'stale',
      },
    );
    try {
      sim.openExternalPosition('main', AVL, 'buy', 40);
      await db.redis.set(`${prefix}lease:main`, 'someone-else|99', 'PX', 60_000); // taken over meanwhile
      await expect(guard.sweep('orphans', 'main')).rejects.toBeInstanceOf(NotOwner);
      await driveUntil(clock, () => false, { ...REAL, maxMs: 500 }).catch(() => {});
      expect(sim.requests({ method: 'createOrder' })).toEqual([]);
    } finally {
      await guard.stop();
      sim.close();
    }
  });

  it('sends no cancel when the journal fences it out (a cancel is fenced like a send)', async () => {
    const { clock, sim } = venue(22);
    const inner = new MemoryJournal();
    let fenced = false;
    const journal: Journal = {
      recordIntent: (e) => inner.recordIntent(e),
      confirmIntent: (id) => inner.confirmIntent(id),
      claimSend: (id, cid, at) => inner.claimSend(id, cid, at),
      releaseClaim: (id, cid) => inner.releaseClaim(id, cid),
      fence: async (op) => {
        if (fenced) throw new LeaseLost('main', op);
      },
    };
    const guard = await createGuard(
      { accounts: [{ id: 'main', exchange: 'sim' }] },
      { clock, sim, persistence: 'memory', journal },
    );
    try {
      const pos = await guard.open({ account: 'main', symbol: AVL, side: 'buy', amount: 43, stopLoss: 0.21 });
      await driveUntil(clock, () => pos.state === 'open', { maxMs: 10_000 });
      fenced = true;
      await guard.close(pos.id);
      await driveUntil(clock, () => pos.state === 'orphanAlert' || pos.state === 'closed', { maxMs: 60_000 });
      expect(sim.requests({ method: 'cancelOrder' })).toEqual([]);
      expect(pos.state).toBe('orphanAlert'); // flat, but its stop could not be cancelled: a human is told
    } finally {
      await guard.stop();
      sim.close();
    }
  });

  it('a stored position whose market is no longer listed is alerted and does not hide the venue position from the orphan sweep', async () => {
    const { clock, sim } = venue(23);
    const prefix = `${db.prefix}c:`;
    const config = {
      redis: REDIS_URL,
      accounts: [{ id: 'main', exchange: 'sim' as const }],
      ownership: { leaseTtlMs: 2_000 },
    };
    const a = await createGuard(config, { clock, sim, persistence: 'redis', redisPrefix: prefix, workerId: 'a' });
    const pos = await a.open({ account: 'main', symbol: AVL, side: 'buy', amount: 43 });
    await driveUntil(clock, () => pos.state === 'open', { ...REAL, maxMs: 5_000 });
    await a.flushed();
    await a.stop();
    const inner = createSimPort(sim, 'main');
    const delisted: ExchangePort = Object.assign(Object.create(inner) as ExchangePort, {
      loadMarkets: async () => new Map([...(await inner.loadMarkets())].filter(([s]) => s !== AVL)),
    });
    const b = await createGuard(config, {
      clock,
      sim,
      persistence: 'redis',
      redisPrefix: prefix,
      workerId: 'b',
      ports: { main: delisted },
    });
    try {
      const alerts = await b.alerts();
      expect(alerts.find((x) => x.kind === 'mismatch' && x.positionId === pos.id)?.message).toMatch(/no longer lists/);
      expect(alerts.find((x) => x.kind === 'orphan')?.symbol).toBe(AVL); // the first orphan sweep saw the venue's 43
    } finally {
      await b.stop();
      sim.close();
    }
  });
});
