/**
 * A stale-sweep alert is about an account, so it is fenced by the account's lease like every
 * alert of it: the BullMQ scheduler's keeper hands it to the account's worker, never straight to
 * the alert sink. Found by the wire variant of the simulation (seed 55): a worker stalled past its
 * lease woke up to sweeps that had not run meanwhile and raised `sweepStale` about accounts
 * another worker had taken over.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/config.js';
import type { AlertDraft } from '../../src/domain/alert.js';
import { asAccountId } from '../../src/domain/ids.js';
import type { GuardAlertSink } from '../../src/guard/alert-wiring.js';
import { sweepWiring } from '../../src/guard/sweep-wiring.js';
import { silentLogger } from '../../src/log/logger.js';
import { eventually } from '../service/support.js';
import { REDIS_URL, redisForThisFile } from '../support/redis.js';

const db = redisForThisFile('stale-fenced');
let bull: Redis;
beforeAll(() => {
  bull = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
});
afterAll(() => {
  bull.disconnect();
});

describe('a stale sweep', () => {
  it("is alerted through the account's worker (fenced by its lease), not straight into the alert sink", async () => {
    const direct: AlertDraft[] = [];
    const fenced: AlertDraft[] = [];
    const config = parseConfig({
      redis: REDIS_URL,
      accounts: [{ id: 'main', exchange: 'sim' }],
      sweeps: { orphanEveryMs: 200, reconcileEveryMs: 60_000 },
    });
    const wiring = sweepWiring(config, {
      bullConnection: bull,
      prefix: db.prefix,
      alerts: { raise: (draft: AlertDraft) => direct.push(draft) } as unknown as GuardAlertSink,
      clock: systemClock,
      store: undefined,
      onEvent: () => {},
      log: silentLogger(),
      raiseFenced: (draft) => fenced.push(draft),
    });
    // Sweeps that do not finish until the end: the keeper finds the orphan sweep stale after two intervals.
    const held: (() => void)[] = [];
    await wiring.scheduler.start(
      asAccountId('main'),
      () => new Promise((resolve) => held.push(() => resolve({} as never))),
    );
    try {
      await eventually(() => fenced.length + direct.length > 0, 10_000);
      expect(fenced.map((d) => d.kind)).toEqual(['sweepStale']);
      expect(direct).toEqual([]);
    } finally {
      for (const release of held) release();
      await wiring.scheduler.close();
    }
  }, 20_000);
});
