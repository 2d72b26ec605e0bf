/**
 * `connectGuard`, the library's fleet client (see docs/architecture.md, The fleet): a bot that
 * runs no worker submits an intent and a close to a worker OS process on the wire simulator
 * through Redis alone, follows the position with `settled()`, lists it, hears its transitions
 * on the event stream, and is told clearly when no worker owns an account. The venue is the
 * judge of what happened.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { connectGuard } from '../../src/fleet/connect-guard.js';
import { NoOwner } from '../../src/fleet/errors.js';
import type { LoggedEvent } from '../../src/service/events/event-log.js';
import { connect, deletePrefix, REDIS_URL, testPrefix } from '../support/redis.js';
import { killAllWorkers, spawnWorker } from '../support/worker-driver.js';
import {
  AVL,
  leaseHeld,
  sentOrders,
  sentTwice,
  wireVenueFixture,
  type WireVenueFixture,
} from '../support/worker-fixtures.js';

const prefix = testPrefix('connect');
let fx: WireVenueFixture;
let redis: Redis;

beforeAll(async () => {
  fx = await wireVenueFixture(2);
  redis = connect();
});
afterAll(async () => {
  await killAllWorkers();
  await fx?.close();
  await deletePrefix(redis, prefix);
  await redis.quit();
});

describe('connectGuard', () => {
  it('opens and closes a position through the worker that owns the account, reading it and its events from Redis', async () => {
    const account = fx.nextAccount();
    const settings = fx.settings({
      accounts: [{ account, exchange: 'bybit' }],
      redisPrefix: prefix,
      workerId: `${account}-owner`,
      redisUrl: REDIS_URL,
      leaseTtlMs: 10_000,
    });
    const owner = spawnWorker(settings);
    await owner.ready(60_000);
    await leaseHeld(redis, prefix, account, owner.name, 10_000);
    const client = await connectGuard(settings.config, { redisPrefix: prefix });
    const seen: LoggedEvent[] = [];
    const following = (async () => {
      for await (const e of client.events()) seen.push(e);
    })();
    try {
      const pos = await client.open({
        account,
        symbol: AVL,
        side: 'buy',
        amount: 43,
        stopLoss: 0.21,
        idempotencyKey: 'bot-1',
      });
      expect(await pos.settled({ timeoutMs: 30_000 })).toBe('open');
      expect(fx.venue.position(account, AVL).size).toBe(43);
      expect((await owner.reaches(pos.id, ['open'], 5_000)).state).toBe('open'); // carried out by the worker process
      // The same key again is the same position, nothing new sent.
      expect(
        (await client.open({ account, symbol: AVL, side: 'buy', amount: 43, stopLoss: 0.21, idempotencyKey: 'bot-1' }))
          .id,
      ).toBe(pos.id);
      expect((await client.positions()).map((r) => [r.id, r.state, r.size])).toEqual([[pos.id, 'open', 43]]);

      expect(await client.close(pos.id)).toMatchObject({ id: pos.id, result: 'requested' });
      expect(await (await client.position(pos.id)).settled({ timeoutMs: 30_000 })).toBe('closed');
      // A string that is no position id is refused as an unknown position before Redis is asked: a
      // position's key with a suffix (another of its keys) once reached Redis and failed there.
      await expect(client.position(`${pos.id}:history`)).rejects.toMatchObject({ code: 'UNKNOWN_POSITION' });
      await expect(client.close(`${pos.id}:history`)).rejects.toMatchObject({ code: 'UNKNOWN_POSITION' });
      expect(fx.venue.position(account, AVL).size).toBe(0);
      expect(sentOrders(fx.venue, account).filter((o) => o.role === 'entry')).toHaveLength(1);
      expect(sentTwice(sentOrders(fx.venue, account))).toEqual([]);
      expect(await client.positions('closed')).toEqual([expect.objectContaining({ id: pos.id, state: 'closed' })]);
      for (let i = 0; i < 50 && !seen.some((e) => e.event.type === 'transition' && e.event.to === 'closed'); i++)
        await new Promise((r) => setTimeout(r, 100));
      const mine = seen
        .filter((e) => e.event.type === 'transition' && e.event.positionId === pos.id)
        .map((e) => (e.event.type === 'transition' ? e.event.to : ''));
      expect(mine).toContain('open');
      expect(mine.at(-1)).toBe('closed');
      expect(Array.isArray(await client.alerts())).toBe(true);
    } finally {
      await client.stop();
      await following;
      await owner.stop();
    }
  }, 120_000);

  it('says which account no worker owns, and sends nothing', async () => {
    const account = fx.nextAccount();
    const settings = fx.settings({
      accounts: [{ account, exchange: 'bybit' }],
      redisPrefix: prefix,
      workerId: 'none',
      redisUrl: REDIS_URL,
      leaseTtlMs: 10_000,
    });
    const client = await connectGuard(settings.config, { redisPrefix: prefix });
    try {
      const refused = await client.open({ account, symbol: AVL, side: 'buy', amount: 43 }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(NoOwner);
      expect((refused as NoOwner).code).toBe('NOT_OWNER');
      expect((refused as Error).message).toContain(`no posguard worker owns account ${account}`);
      await expect(client.open({ account: 'elsewhere', symbol: AVL, side: 'buy', amount: 43 })).rejects.toMatchObject({
        code: 'UNKNOWN_ACCOUNT',
      });
      expect(sentOrders(fx.venue, account)).toEqual([]);
    } finally {
      await client.stop();
    }
  });
});
