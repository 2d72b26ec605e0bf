/**
 * The operator actions of the API (close, halt, resume, flatten, acknowledge, sweep now, and
 * the orphan inbox's adopt, flatten and dismiss): who (the token's name), what, why and the
 * result, each also put on the event stream (`event: action`) so that every dashboard shows
 * it, in the position's timeline when it concerns one. In memory (the last 2,000) or in
 * Redis (the stream `<prefix>actions`, the last ~10,000, shared by the fleet). This is the
 * audit log: the dashboard shows it and `GET /v1/audit` lists it, newest first (a flatten's
 * result is recorded again when flat is verified; see docs/architecture.md, The fleet).
 *
 * Receives: actions from the routes. Sends: `action` events to the event log. Touches: Redis
 * (one stream key) when given.
 *
 * @example
 * await actions.record({ by: 'default', what: 'close', positionId, result: 'done' });
 * await actions.forPosition(positionId); // [{ id, at, by, what: 'close', … }]
 */
import type { Redis } from 'ioredis';
import type { EventLog } from './events/event-log.js';
import type { OperatorAction } from './guard-api.js';

export type ActionDraft = Omit<OperatorAction, 'id' | 'at'>;

export interface ActionLog {
  record(draft: ActionDraft): Promise<OperatorAction>;
  /** The actions on one position, oldest first. */
  forPosition(positionId: string): Promise<OperatorAction[]>;
  /** The latest `limit` actions of the whole fleet, newest first (the audit log). */
  list(limit: number): Promise<OperatorAction[]>;
}

const MEMORY_MAX = 2_000;
const STREAM_MAX = 10_000;

export function memoryActionLog(events: EventLog, now: () => number): ActionLog {
  const kept: OperatorAction[] = [];
  let next = 1;
  return {
    record: async (draft) => {
      const action = { ...draft, id: `a${next++}`, at: now() };
      kept.push(action);
      kept.splice(0, Math.max(0, kept.length - MEMORY_MAX));
      events.append({ type: 'action', action });
      return action;
    },
    forPosition: async (id) => kept.filter((a) => a.positionId === id),
    list: async (limit) => kept.slice(-limit).reverse(),
  };
}

export function redisActionLog(redis: Redis, prefix: string, events: EventLog, now: () => number): ActionLog {
  const key = `${prefix}actions`;
  return {
    record: async (draft) => {
      const at = now();
      const entryId = await redis.xadd(
        key,
        'MAXLEN',
        '~',
        String(STREAM_MAX),
        '*',
        'action',
        JSON.stringify({ ...draft, at }),
      );
      const action = { ...draft, id: entryId ?? `a${at}`, at };
      events.append({ type: 'action', action });
      return action;
    },
    forPosition: async (id) => (await latest(STREAM_MAX)).filter((a) => a.positionId === id).reverse(),
    list: (limit) => latest(limit),
  };

  async function latest(count: number): Promise<OperatorAction[]> {
    const entries = (await redis.xrevrange(key, '+', '-', 'COUNT', count)) as [string, string[]][];
    const out: OperatorAction[] = [];
    for (const [entryId, fields] of entries) {
      const text = fields[fields.indexOf('action') + 1];
      if (text === undefined) continue;
      out.push({ ...(JSON.parse(text) as Omit<OperatorAction, 'id'>), id: entryId });
    }
    return out;
  }
}
