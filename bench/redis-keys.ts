/**
 * Redis for the benchmark: the shared local server (127.0.0.1:6379, or BENCH_REDIS_URL), a
 * key prefix unique to each run (`pgbench:<random>:`), a connection configured as the
 * guard's own (auto-pipelining, bounded retries and command time), and a clean-up that
 * deletes only that prefix's keys (SCAN MATCH + DEL; never FLUSHDB).
 *
 * @example
 * const prefix = benchPrefix(); const redis = connectBench();
 * try { … } finally { await deletePrefix(redis, prefix); await redis.quit(); }
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const BENCH_REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

export function benchPrefix(): string {
  return `pgbench:${randomBytes(4).toString('hex')}:`;
}

/** A connection with the options `createGuard` gives its own (see `connectRedis` in guard.ts). */
export function connectBench(): Redis {
  return new Redis(BENCH_REDIS_URL, { maxRetriesPerRequest: 1, commandTimeout: 10_000, enableAutoPipelining: true });
}

/** Deletes every key under `prefix`; returns how many were deleted. */
export async function deletePrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1_000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  return deleted;
}
