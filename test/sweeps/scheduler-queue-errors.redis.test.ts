/**
 * An error of the sweep scheduler's BullMQ queue (its Redis connection reset, say) goes where
 * the worker's go — `onError`, the guard's logger — never raw to stderr: BullMQ prints an
 * `error` event nothing listens to with `console.error`, outside the logger and its redaction.
 * Found by the wire variant of the simulation, whose kills and outages printed dozens of raw
 * `read ECONNRESET` stacks.
 */
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { asAccountId, type AccountId } from '../../src/domain/ids.js';
import { BullmqSweepScheduler } from '../../src/sweeps/scheduler.js';
import type { SweepKind, SweepReport } from '../../src/sweeps/sweep.js';
import { REDIS_URL, redisForThisFile } from '../support/redis.js';

const db = redisForThisFile('scheduler-queue-errors');
let bull: Redis;
beforeAll(() => {
  bull = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
});
afterAll(() => {
  bull.disconnect();
});

const report = (kind: SweepKind): SweepReport => ({
  id: `${kind}-1`,
  account: asAccountId('main'),
  kind,
  worker: 'w',
  startedAt: 0,
  finishedAt: 0,
  findings: [],
  actions: [],
});

describe("the sweep scheduler's queue", () => {
  it('hands its errors to onError and prints nothing raw', async () => {
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
    const errors: unknown[] = [];
    const scheduler = new BullmqSweepScheduler(
      bull,
      `${db.prefix}q`,
      { orphanEveryMs: 60_000, reconcileEveryMs: 60_000 },
      (e) => errors.push(e),
    );
    await scheduler.start(asAccountId('main'), async (kind) => report(kind));
    try {
      // What BullMQ does when its connection is reset: the queue emits `error`.
      const running = (scheduler as unknown as { running: Map<AccountId, { queue: Queue }> }).running;
      running.get(asAccountId('main'))?.queue.emit('error', new Error('read ECONNRESET'));
      expect(printed).not.toHaveBeenCalled();
      expect(errors).toEqual([new Error('read ECONNRESET')]);
    } finally {
      printed.mockRestore();
      await scheduler.close();
    }
  }, 20_000);
});
