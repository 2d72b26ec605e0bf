/**
 * A final position leaves the worker's memory after `evictFinalAfterMs` (see docs/architecture.md,
 * The fleet), and Redis answers for it from then on: `GET /v1/positions/:id` with its history,
 * `settled()`, and its idempotency key (the same position again, nothing sent). The venue's
 * request record is the judge of "nothing sent".
 */
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { SimExchange } from '../../src/exchange/sim/index.js';
import type { PositionDetail } from '../../src/service/guard-api.js';
import { REDIS_URL, redisForThisFile } from '../support/redis.js';
import { AVL, eventually, startTestService } from '../service/support.js';

const db = redisForThisFile('eviction');

describe('a final position let go of', () => {
  it('leaves memory, and still answers GET /v1/positions/:id, settled() and its idempotency key from Redis', async () => {
    const sim = new SimExchange({ clock: systemClock, seed: 13 });
    const t = await startTestService(
      { redis: REDIS_URL },
      { sim, persistence: 'redis', redisPrefix: `${db.prefix}e1:`, workerId: 'w', evictFinalAfterMs: 300 },
    );
    const { guard } = t.service;
    try {
      const intent = {
        account: 'paper',
        symbol: AVL,
        side: 'buy',
        amount: 43,
        stopLoss: 0.21,
        idempotencyKey: 'bot-42',
      };
      const pos = await guard.open(intent);
      expect(await pos.settled({ timeoutMs: 15_000 })).toBe('open');
      await guard.close(pos.id);
      expect(await guard.position(pos.id).settled({ timeoutMs: 15_000 })).toBe('closed');
      // Gone from memory once the eviction delay passed.
      await eventually(async () => ((await guard.positions()).length === 0 ? true : undefined), 5_000);
      const sent = sim.requests({ account: 'paper', method: 'createOrder' }).length;

      expect(await guard.position(pos.id).settled({ timeoutMs: 5_000 })).toBe('closed');
      const again = await guard.open(intent);
      expect(again.id).toBe(pos.id);
      expect(await again.settled({ timeoutMs: 5_000 })).toBe('closed');
      const detail = await t.request('GET', `/v1/positions/${pos.id}`);
      expect(detail.status).toBe(200);
      expect(detail.json).toMatchObject({
        id: pos.id,
        account: 'paper',
        symbol: AVL,
        side: 'buy',
        amount: 43,
        state: 'closed',
        historySource: 'redis',
      });
      expect((detail.json as PositionDetail).history.map((h) => h.state)).toContain('open');
      expect(
        await t.request('GET', '/v1/positions?state=closed').then((a) => (a.json as { id: string }[]).map((p) => p.id)),
      ).toContain(pos.id);
      const close = await t.request('POST', `/v1/positions/${pos.id}/close`, { body: {} });
      expect(close.status).toBe(200);
      expect(close.json).toMatchObject({ id: pos.id, result: 'alreadyFinal' });
      expect(sim.requests({ account: 'paper', method: 'createOrder' })).toHaveLength(sent);
      expect((await guard.positions()).length).toBe(0);
      await expect(guard.position('01JAAAAAAAAAAAAAAAAAAAAAAA').settled({ timeoutMs: 2_000 })).rejects.toMatchObject({
        code: 'UNKNOWN_POSITION',
      });
      // A string that is no position id is refused at once (with Redis a handle was handed out for any string).
      expect(() => guard.position('not-an-id')).toThrow(/no position with id not-an-id/);
    } finally {
      await t.stop();
    }
  }, 60_000);
});
