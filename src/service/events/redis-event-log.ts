/**
 * The fleet-wide event log: one Redis stream (`<prefix>events`) that every worker reads, so
 * that every worker's `GET /v1/events` says the same, resumable by the stream entry id.
 * Transitions are appended by the fenced `saveSnapshot` script with their snapshot
 * (`persistence/scripts.ts`); alerts by the worker that stored them (`append`).
 *
 * One blocking `XREAD` loop on a connection of its own feeds every subscriber; it runs only
 * while someone subscribes. What fails (an append, a read) is logged with its facts as fields,
 * never thrown. Touches: Redis, the stream key only; the logger it is given.
 *
 * @example
 * const log = new RedisEventLog(new Redis(url), 'pg:', rootLog);
 * const { events } = await log.after('0-0', 100);
 */
import type { Redis } from 'ioredis';
import { silentLogger, type Logger } from '../../log/logger.js';
import { EVENTS_MAX } from '../../persistence/redis-store.js';
import {
  SERVICE_EVENT_TYPES,
  type EventLog,
  type EventRowFields,
  type LoggedEvent,
  type Replay,
  type ServiceEvent,
} from './event-log.js';

type Entry = [id: string, fields: string[]];

function fieldsOf(flat: readonly string[]): Record<string, string> {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) f[flat[i] as string] = flat[i + 1] as string;
  return f;
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined || text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** An entry of the stream as an event; `undefined` for one this version does not know. */
export function eventOfEntry([id, flat]: Entry): LoggedEvent | undefined {
  const f = fieldsOf(flat);
  if (f.type === 'transition' && f.positionId !== undefined && f.from !== undefined && f.to !== undefined) {
    return {
      id,
      event: {
        type: 'transition',
        positionId: f.positionId,
        from: f.from,
        to: f.to,
        at: Number(f.at),
        cause: f.event,
        row: parseJson(f.row) as EventRowFields | undefined,
      },
    };
  }
  if (f.type === 'alert') {
    const alert = parseJson(f.alert);
    if (typeof alert === 'object' && alert !== null) return { id, event: { type: 'alert', alert } as ServiceEvent };
  }
  // Every other event is its JSON in `data` (what this version does not know is skipped).
  if (f.type !== undefined && f.data !== undefined && (SERVICE_EVENT_TYPES as readonly string[]).includes(f.type)) {
    const event = parseJson(f.data);
    if (typeof event === 'object' && event !== null && (event as { type?: unknown }).type === f.type)
      return { id, event: event as ServiceEvent };
  }
  return undefined;
}

function compareIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am !== bm ? am - bm : as - bs;
}

export class RedisEventLog implements EventLog {
  private readonly key: string;
  private readonly log: Logger;
  private readonly listeners = new Set<(e: LoggedEvent) => void>();
  private reader: Redis | undefined;
  private loop: Promise<void> | undefined;
  private closed = false;

  /** `redis` appends and replays; the blocking reader is a duplicate of it. `log`: where failures are told (nowhere unless given). */
  constructor(
    private readonly redis: Redis,
    prefix: string,
    log: Logger = silentLogger(),
  ) {
    this.key = `${prefix}events`;
    this.log = log.child({ component: 'event-log' });
  }

  append(event: ServiceEvent): void {
    if (event.type === 'transition') return; // written by the snapshot script, fenced, with the snapshot
    const fields = event.type === 'alert' ? ['alert', JSON.stringify(event.alert)] : ['data', JSON.stringify(event)];
    this.redis
      .xadd(this.key, 'MAXLEN', '~', String(EVENTS_MAX), '*', 'type', event.type, ...fields)
      .catch((err: unknown) =>
        this.log.warn(
          { err, eventType: event.type, stream: this.key },
          'an event could not be added to the event stream; pages following it miss it',
        ),
      );
  }

  async after(id: string, limit: number): Promise<Replay> {
    if (!/^\d+-\d+$|^\d+$/.test(id)) return { events: [], gap: true };
    const entries = (await this.redis.xrange(this.key, `(${id}`, '+', 'COUNT', limit)) as Entry[];
    const events = entries.map(eventOfEntry).filter((e): e is LoggedEvent => e !== undefined);
    return { events, gap: await this.trimmedAfter(id) };
  }

  async latestId(): Promise<string> {
    const newest = (await this.redis.xrevrange(this.key, '+', '-', 'COUNT', 1)) as Entry[];
    return newest[0]?.[0] ?? '0-0';
  }

  /**
   * Whether entries after `id` may have been trimmed away. The stream is trimmed from its
   * oldest end, so a resume from an entry still kept misses nothing; from an older one it
   * may have (said conservatively: the client reloads rather than miss a transition).
   */
  private async trimmedAfter(id: string): Promise<boolean> {
    const info = (await this.redis.call('XINFO', 'STREAM', this.key).catch(() => [])) as unknown[];
    const field = (name: string): unknown => {
      const at = info.indexOf(name);
      return at >= 0 ? info[at + 1] : undefined;
    };
    const removed = Number(field('entries-added') ?? 0) - Number(field('length') ?? 0);
    if (removed <= 0) return false;
    const first = field('first-entry');
    const firstId = Array.isArray(first) && typeof first[0] === 'string' ? first[0] : undefined;
    return firstId === undefined || compareIds(firstId, id) > 0;
  }

  subscribe(listener: (e: LoggedEvent) => void): () => void {
    this.listeners.add(listener);
    if (this.loop === undefined && !this.closed) this.loop = this.read();
    return () => this.listeners.delete(listener);
  }

  newer(a: string, b: string): boolean {
    return compareIds(a, b) > 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    this.reader?.disconnect();
    await this.loop;
  }

  private async read(): Promise<void> {
    const reader = this.redis.duplicate();
    this.reader = reader;
    reader.on('error', () => {}); // reported by the loop below
    let last: string | undefined;
    while (!this.closed) {
      try {
        last ??= await this.latestId();
        const reply = (await reader.xread('COUNT', 500, 'BLOCK', 5_000, 'STREAMS', this.key, last)) as
          [string, Entry[]][] | null;
        for (const [, entries] of reply ?? []) {
          for (const entry of entries) {
            last = entry[0];
            const e = eventOfEntry(entry);
            if (e !== undefined) for (const l of this.listeners) l(e);
          }
        }
      } catch (e) {
        if (this.closed) break;
        this.log.warn({ err: e, stream: this.key }, 'the event stream could not be read; retrying in 1 s');
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
    reader.disconnect();
  }
}
