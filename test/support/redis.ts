/**
 * Redis for tests: the shared local server (127.0.0.1:6379), a key prefix unique to each
 * test file, and a clean-up that deletes only that prefix's keys (never FLUSHDB).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

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
