/**
 * The guard's Redis connections: the main one (short command timeout, errors logged, never
 * thrown) and the check that fails fast, and clearly, when Redis is away at start. Touches:
 * Redis; the logger it is given.
 */
import { Redis } from 'ioredis';
import { StorageUnavailable, errorText } from '../domain/errors.js';
import type { Logger } from '../log/logger.js';
import type { RedisStore } from '../persistence/redis-store.js';

const REDIS_CONNECT_TIMEOUT_MS = 3_000;
/** A command Redis has not answered by then fails (a paused or partitioned Redis must not hang posguard). */
const REDIS_COMMAND_TIMEOUT_MS = 2_000;

/** Fails fast, and clearly, when the configured Redis does not answer. */
export async function ensureReachable(store: RedisStore, url: string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      store.redis.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${REDIS_CONNECT_TIMEOUT_MS} ms`)),
          REDIS_CONNECT_TIMEOUT_MS,
        );
      }),
    ]);
  } catch (e) {
    store.redis.disconnect();
    throw new StorageUnavailable(redactUrl(url), errorText(e));
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The guard's Redis connection; its errors are logged on `log` (at most once a minute, with the
 * URL without its password), never thrown.
 */
export function connectRedis(url: string, log: Logger): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    enableAutoPipelining: true,
  });
  const own = log.child({ component: 'redis', redis: redactUrl(url) });
  let lastReport = 0;
  redis.on('error', (err: unknown) => {
    if (Date.now() - lastReport < 60_000) return;
    lastReport = Date.now();
    own.warn({ err }, 'Redis is unreachable; intents are refused, positions in flight carry on and retry their writes');
  });
  return redis;
}

/** A Redis URL without its password, for messages. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '(the configured redis URL)';
  }
}
