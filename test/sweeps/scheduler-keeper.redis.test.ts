/**
 * The sweep schedules are posguard's: a job scheduler deleted in bull-board (here through
 * BullMQ's own call, as the board makes it) is upserted again within an interval and the
 * sweeps go on; a kind whose scheduled runs stop finishing is reported stale once. An error of
 * the scheduler's BullMQ queue (its Redis connection reset, say) goes to `onError`, the guard's
 * logger, never raw to stderr: BullMQ prints an `error` event nothing listens to with
 * `console.error`, outside the logger and its redaction (found by the wire variant of the
 * simulation, whose kills and outages printed dozens of raw `read ECONNRESET` stacks).
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { asAccountId, type AccountId } from '../../src/domain/ids.js';
import { BullmqSweepScheduler } from '../../src/sweeps/scheduler.js';
import type { SweepKind, SweepReport } from '../../src/sweeps/sweep.js';
import { eventually } from '../service/support.js';
import { REDIS_URL, redisForThisFile } from '../support/redis.js';

const db = redisForThisFile('keeper');
/** BullMQ's workers want a connection that retries forever. */
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

describe('the sweep schedules', () => {
  it('come back when one is deleted (as bull-board can), and the sweeps go on', async () => {
    const runs: SweepKind[] = [];
    const scheduler = new BullmqSweepScheduler(
      bull,
      `${db.prefix}a`,
      { orphanEveryMs: 300, reconcileEveryMs: 400 },
      () => {},
    );
    await scheduler.start(asAccountId('main'), async (kind) => {
      runs.push(kind);
      return report(kind);
    });
    const queue = new Queue(BullmqSweepScheduler.queueName(asAccountId('main')), {
      connection: bull,
      prefix: `${db.prefix}a`,
    });
    try {
      await eventually(() => runs.includes('orphans'), 10_000);
      expect(await queue.removeJobScheduler('orphans')).toBe(true);
      const afterRemoval = runs.filter((k) => k === 'orphans').length;
      await eventually(
        async () => (await queue.getJobSchedulers()).some((s) => s.key === 'orphans' || s.id === 'orphans'),
        10_000,
      );
      await eventually(() => runs.filter((k) => k === 'orphans').length > afterRemoval + 1, 10_000);
      // Job data names the account and nothing else.
      const jobs = await queue.getJobs(['completed', 'delayed', 'waiting']);
      expect(jobs.length).toBeGreaterThan(0);
      for (const j of jobs) expect(j.data).toEqual({ account: 'main' });
    } finally {
      await queue.close();
      await scheduler.close();
    }
  }, 30_000);

  it('report a kind stale once when its scheduled runs stop finishing', async () => {
    const stale: [string, SweepKind, number][] = [];
    let failures = 0;
    const scheduler = new BullmqSweepScheduler(
      bull,
      `${db.prefix}b`,
      { orphanEveryMs: 200, reconcileEveryMs: 60_000 },
      () => {},
      (a, k, ms) => stale.push([a, k, ms]),
    );
    await scheduler.start(asAccountId('main'), async (kind) => {
      if (kind === 'orphans') {
        failures += 1;
        throw new Error('the venue answers 503');
      }
      return report(kind);
    });
    try {
      await eventually(() => stale.length > 0, 10_000);
      expect(stale[0]?.[0]).toBe('main');
      expect(stale[0]?.[1]).toBe('orphans');
      expect(stale[0]?.[2]).toBeGreaterThan(400);
      // Once, not on every tick: three more failed runs later, still one report.
      const failed = failures;
      await eventually(() => failures >= failed + 3, 15_000);
      expect(stale).toHaveLength(1);
    } finally {
      await scheduler.close();
    }
  }, 30_000);
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
