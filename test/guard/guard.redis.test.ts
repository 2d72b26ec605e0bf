import { Queue } from 'bullmq';
import { SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import { asAccountId } from '../../src/domain/ids.js';
import { SimExchange } from '../../src/exchange/sim/index.js';
import { createGuard } from '../../src/guard/guard.js';
import { BullmqSweepScheduler } from '../../src/sweeps/scheduler.js';
import { REDIS_URL, redisForThisFile } from '../support/redis.js';
import { T0 } from '../support/sim-harness.js';
import { driveUntil } from '../support/sim-drive.js';

const AVL = 'AVL/USDT:USDT';
const db = redisForThisFile('guard');
const prefix = db.prefix;

// Simulated time for the machines, but Redis answers in real time: each step waits a little.
const advanceUntil = (clock: SimulatedClock, done: () => boolean, maxMs: number) =>
  driveUntil(clock, done, { maxMs, realMsPerStep: 2 });

describe('the guard on Redis', () => {
  it('rehydrates a position a stopped worker left in verifying, which then ends open with one entry order', async () => {
    const clock = new SimulatedClock();
    clock.set(T0);
    const sim = new SimExchange({ clock, seed: 9 });
    sim.setPrice(AVL, 0.25);
    const config = {
      redis: REDIS_URL,
      accounts: [{ id: 'main', exchange: 'sim' as const }],
      ownership: { leaseTtlMs: 2_000 },
    };
    const options = { clock, sim, persistence: 'redis' as const, redisPrefix: prefix };
    sim.faults.set({ fault: { kind: 'minimalCreateReply' } });
    sim.faults.set({ fault: { kind: 'orderIndexDelay', ms: 3_000 } });
    sim.faults.set({ fault: { kind: 'restLag', ms: 3_000 } });
    sim.faults.set({ fault: { kind: 'disconnect' }, when: { from: T0, until: T0 + 6_000 } });
    const a = await createGuard(config, { ...options, workerId: 'worker-a' });
    // A keyed entry looks itself up first, and REST lags behind the moment this worker took the
    // account: it waits until a look-up shows a state since then (docs/architecture.md, Evidence and freshness).
    let opened: Awaited<ReturnType<typeof a.open>> | undefined;
    void a
      .open({ account: 'main', symbol: AVL, side: 'buy', amount: 43, stopLoss: 0.21, idempotencyKey: 'bot-1' })
      .then((p) => (opened = p));
    await advanceUntil(clock, () => opened !== undefined, 10_000);
    const pos = opened!;
    await advanceUntil(clock, () => pos.state !== 'pending', 2_000);
    expect(pos.state).toBe('verifying');
    await a.stop();

    const b = await createGuard(config, { ...options, workerId: 'worker-b' });
    const rows = await b.positions();
    expect(rows.map((r) => [r.id, r.state])).toEqual([[pos.id, 'verifying']]);
    // The same idempotency key still answers the same position after the restart.
    expect((await b.open({ account: 'main', symbol: AVL, side: 'buy', amount: 43, idempotencyKey: 'bot-1' })).id).toBe(
      pos.id,
    );
    await advanceUntil(clock, () => b.position(pos.id).state === 'open', 10_000);
    expect(b.position(pos.id).state).toBe('open');
    const creates = sim
      .requests({ method: 'createOrder' })
      .map((r) => (r.params as { clientOrderId: string }).clientOrderId);
    expect(creates).toEqual([`pg-${pos.id}-e`, `pg-${pos.id}-s1`]);
    await b.flushed();
    const stored = await db.redis.hget(`${prefix}pos:${pos.id}`, 'state');
    expect(stored).toBe('open');
    const history = await db.redis.xrange(`${prefix}pos:${pos.id}:history`, '-', '+');
    expect(history.length).toBeGreaterThanOrEqual(3);

    // The sweeps are scheduled per account with BullMQ job schedulers.
    const queue = new Queue(BullmqSweepScheduler.queueName(asAccountId('main')), {
      connection: db.redis,
      prefix: `${prefix}bull`,
    });
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers.map((s) => s.key).sort()).toEqual(['orphans', 'reconcile']);
    await queue.close();
    await b.stop();
    sim.close();
  }, 20_000);
});
