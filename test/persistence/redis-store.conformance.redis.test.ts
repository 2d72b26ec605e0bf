import { RedisStore } from '../../src/persistence/redis-store.js';
import { redisForThisFile } from '../support/redis.js';
import { storeConformance } from './store-conformance.js';

const db = redisForThisFile('store-conformance');

storeConformance('redis', () => {
  const store = new RedisStore(db.redis, db.prefix);
  return {
    store,
    wait: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    corrupt: async (id: string) => {
      await db.redis.hset(store.keys.position(id), 'snapshot', '{"truncated');
    },
  };
});
