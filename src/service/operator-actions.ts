/**
 * The operator actions of the API (close, halt, resume, flatten, acknowledge, sweep now, and
 * the orphan inbox's adopt, flatten and dismiss): who (the token's name), what, why and the
 * result, each also put on the event stream (`event: action`) so that every dashboard shows
 * it, in the position's timeline when it concerns one. In memory (the last 2,000) or in
 * Redis (the stream `<prefix>actions`, the last ~10,000, shared by the fleet). This is the
 * record the dashboard shows; `GET /v1/audit` (the audit log with flatten's verified
 * results) is the service issue's second phase and still answers 501.
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
  };
}

export function redisActionLog(redis: Redis, prefix: string, events: EventLog, now: () => number): ActionLog {
  const key = `${prefix}actions`;
  return {
    record: async (draft) => {
      const at = now();
      const entryId = await redis.xadd(key, 'MAXLEN', '~', String(STREAM_MAX), '*', 'action', JSON.stringify({ ...draft, at }));
      const action = { ...draft, id: entryId ?? `a${at}`, at };
      events.append({ type: 'action', action });
      return action;
    },
    forPosition: async (id) => {
      const entries = (await redis.xrevrange(key, '+', '-', 'COUNT', STREAM_MAX)) as [string, string[]][];
      const out: OperatorAction[] = [];
      for (const [entryId, fields] of entries) {
        const text = fields[fields.indexOf('action') + 1];
        if (text === undefined) continue;
        const action = { ...(JSON.parse(text) as Omit<OperatorAction, 'id'>), id: entryId };
        if (action.positionId === id) out.push(action);
      }
      return out.reverse();
    },
  };
}
