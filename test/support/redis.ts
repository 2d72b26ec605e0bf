/**
 * Redis for tests: the shared local server (127.0.0.1:6379), a key prefix unique to each
 * test file, and a clean-up that deletes only that prefix's keys (never FLUSHDB).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';

export const REDIS_URL = process.env.POSGUARD_TEST_REDIS ?? 'redis://127.0.0.1:6379/0';

export function testPrefix(name: string): string {
  return `pgtest:${name}:${randomBytes(4).toString('hex')}:`;
}

export function connect(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: false });
}

export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

/**
 * A connection and a key prefix for one test file: connected before its tests, its keys
 * deleted and the connection closed after them. Call it at the top level of the file.
 *
 * @example
 * const db = redisForThisFile('guard');
 * it('…', async () => { await db.redis.get(`${db.prefix}x`); });
 */
export function redisForThisFile(name: string): { readonly prefix: string; readonly redis: Redis } {
  const prefix = testPrefix(name);
  let redis: Redis | undefined;
  beforeAll(() => {
    redis = connect();
  });
  afterAll(async () => {
    if (redis === undefined) return;
    await deletePrefix(redis, prefix);
    await redis.quit();
  });
  return {
    prefix,
    get redis(): Redis {
      if (redis === undefined)
        throw new Error("redisForThisFile: the connection exists only while the file's tests run");
      return redis;
    },
  };
}
