/**
 * Acknowledgements of alerts (`POST /v1/alerts/:id/ack`): who acknowledged which alert, and
 * when. In memory for the embedded simulator; in Redis (one hash, `<prefix>alerts:acks`,
 * alert id → `{ at, by }`) so that every worker of a fleet shows the same.
 *
 * Receives: acks from the API. Touches: Redis, under the deployment's prefix, when given.
 *
 * @example
 * const acks = redisAlertAcks(redis, 'pg:');
 * await acks.ack('alert-1', 'default', Date.now());
 */
import type { Redis } from 'ioredis';

export interface Ack {
  readonly at: number;
  readonly by: string;
}

export interface AlertAcks {
  /** Records the first acknowledgement of an alert; answers the one that holds. */
  ack(alertId: string, by: string, at: number): Promise<Ack>;
  all(): Promise<ReadonlyMap<string, Ack>>;
}

export function memoryAlertAcks(): AlertAcks {
  const acks = new Map<string, Ack>();
  return {
    ack: async (id, by, at) => {
      const known = acks.get(id);
      if (known !== undefined) return known;
      const ack = { at, by };
      acks.set(id, ack);
      return ack;
    },
    all: async () => acks,
  };
}

export function redisAlertAcks(redis: Redis, prefix: string): AlertAcks {
  const key = `${prefix}alerts:acks`;
  const parse = (text: string | null | undefined): Ack | undefined => {
    if (text == null) return undefined;
    const v = JSON.parse(text) as Partial<Ack>;
    return typeof v.at === 'number' && typeof v.by === 'string' ? { at: v.at, by: v.by } : undefined;
  };
  return {
    ack: async (id, by, at) => {
      await redis.hsetnx(key, id, JSON.stringify({ at, by }));
      return parse(await redis.hget(key, id)) ?? { at, by };
    },
    all: async () => {
      const out = new Map<string, Ack>();
      for (const [id, text] of Object.entries(await redis.hgetall(key))) {
        const ack = parse(text);
        if (ack !== undefined) out.set(id, ack);
      }
      return out;
    },
  };
}
