/**
 * The Redis side of the fleet (see docs/architecture.md, The fleet): an account's persisted
 * halt, the hand-over of an intent or a close to the account's lease holder, and the release
 * of a lease that a standby hears at once. Writes that must happen together are one script
 * each, in `lua/` (its header says keys, arguments and reply); the journal script that takes a
 * hand-over (journal-or-expire) is `fencedWrites`' `recordIntent`, which reads the same keys.
 *
 * Receives: calls from `src/fleet` and the guard. Touches: Redis, under the store's prefix.
 *
 * @example
 * const fleet = new FleetStore(store);
 * await fleet.halt('main', { reason: 'incident', by: 'default', at: Date.now() });
 * await fleet.handOver('main', { id, kind: 'open', body: intent }, 10_000); // 'queued'
 */
import type { RedisStore } from './redis-store.js';
import { Script, releaseLease } from './scripts.js';

/** What the halt key of an account holds while it is halted. */
export interface HaltRecord {
  readonly reason: string;
  readonly by: string;
  readonly at: number;
}

/** The reason of a stored halt record (its JSON), for messages; the raw text when it does not parse. */
export function haltReason(json: string): string {
  try {
    const record = JSON.parse(json) as Partial<HaltRecord>;
    return typeof record.reason === 'string'
      ? `${record.reason}${typeof record.by === 'string' ? `, by ${record.by}` : ''}`
      : json;
  } catch {
    return json;
  }
}

/** A request handed to the account's lease holder. `id`: the position's id for an intent (the journal script finds it by it). */
export interface HandoverRequest {
  readonly id: string;
  readonly kind: 'open' | 'close' | 'flatten' | 'sweep';
  readonly body: unknown;
}

/**
 * Where a hand-over stands: `pending` (not taken yet), `journalled` (an intent the owner
 * journalled), `done` (answered), `refused` (the owner refused it, with its error), `expired`
 * (withdrawn at its deadline, never carried out).
 */
export type HandoverStatus = 'pending' | 'journalled' | 'done' | 'refused' | 'expired';

export interface HandoverState {
  readonly status: HandoverStatus;
  /** The owner's answer (`done`) or its error `{ code, message, field? }` (`refused`). */
  readonly answer: unknown;
}

/** How long a hand-over's record is kept after its deadline, so that a late poll still finds what became of it. */
const RECORD_TTL_MS = 24 * 3_600_000;

/** Queues a request for the account's lease holder (`lua/hand-over.lua`). */
const handOverScript = Script.fromFile('handOver', new URL('./lua/hand-over.lua', import.meta.url));

/** Answers or withdraws a pending hand-over (`lua/settle-handover.lua`). */
const settleScript = Script.fromFile('settleHandover', new URL('./lua/settle-handover.lua', import.meta.url));

export class FleetStore {
  constructor(readonly store: RedisStore) {}

  private get redis() {
    return this.store.redis;
  }

  /** Halts the account fleet-wide: the journal script refuses its new intents until `resume`. */
  async halt(account: string, record: HaltRecord): Promise<void> {
    await this.redis.set(this.store.keys.halt(account), JSON.stringify(record));
  }

  /** Lifts the account's halt, and a flatten's abort of entries not claimed yet. */
  async resume(account: string): Promise<void> {
    await this.redis.del(this.store.keys.halt(account), this.store.keys.abortEntries(account));
  }

  /** A flatten's first step: the account halted and its entries not claimed yet aborted, together. */
  async haltToFlatten(account: string, record: HaltRecord): Promise<void> {
    await this.redis
      .multi()
      .set(this.store.keys.halt(account), JSON.stringify(record))
      .set(this.store.keys.abortEntries(account), String(record.at))
      .exec();
  }

  /** The account's halt, or `undefined` while it trades. */
  async halted(account: string): Promise<HaltRecord | undefined> {
    const text = await this.redis.get(this.store.keys.halt(account));
    if (text === null) return undefined;
    try {
      return JSON.parse(text) as HaltRecord;
    } catch {
      return { reason: text, by: '?', at: 0 };
    }
  }

  /** The account of a stored position (from its journalled intent), or `undefined` when none is stored. */
  async accountOf(positionId: string): Promise<string | undefined> {
    const text = await this.redis.hget(this.store.keys.position(positionId), 'intent');
    if (text === null) return undefined;
    try {
      const account = (JSON.parse(text) as { account?: unknown }).account;
      return typeof account === 'string' ? account : undefined;
    } catch {
      return undefined;
    }
  }

  /** A stored position's state name (the owner's snapshot script keeps it), or `undefined`. */
  async stateOf(account: string, positionId: string): Promise<string | undefined> {
    return (await this.redis.hget(this.store.keys.states(account), positionId)) ?? undefined;
  }

  /** Queues a request for the account's lease holder, answerable until `deadlineMs` from now (Redis time). */
  async handOver(
    account: string,
    request: HandoverRequest,
    deadlineMs: number,
  ): Promise<'queued' | 'noOwner' | { readonly exists: string }> {
    const reply = (await handOverScript.run(
      this.redis,
      [this.store.keys.handover(request.id), this.store.keys.handovers(account), this.store.keys.lease(account)],
      [
        request.id,
        request.kind,
        JSON.stringify(request.body ?? null),
        Math.max(1, Math.round(deadlineMs)),
        RECORD_TTL_MS,
      ],
    )) as [string, string];
    if (reply[0] === 'queued') return 'queued';
    if (reply[0] === 'noOwner') return 'noOwner';
    return { exists: reply[1] };
  }

  /** Where a hand-over stands, or `undefined` when there is no such record. */
  async handoverState(id: string): Promise<HandoverState | undefined> {
    const [status, answer] = await this.redis.hmget(this.store.keys.handover(id), 'status', 'answer');
    if (status === null) return undefined;
    return { status: status as HandoverStatus, answer: parseAnswer(answer) };
  }

  /** The request of a queued hand-over (for its owner), or `undefined` when its record is gone. */
  async handoverRequest(id: string): Promise<(HandoverRequest & HandoverState) | undefined> {
    const [kind, body, status, answer] = await this.redis.hmget(
      this.store.keys.handover(id),
      'kind',
      'body',
      'status',
      'answer',
    );
    if (kind === null || status === null) return undefined;
    return {
      id,
      kind: kind as HandoverRequest['kind'],
      body: parseAnswer(body),
      status: status as HandoverStatus,
      answer: parseAnswer(answer),
    };
  }

  /** Answers (`done`, `refused`) or withdraws (`expired`) a pending hand-over; replies where it stands after. */
  async settle(
    id: string,
    status: 'done' | 'refused' | 'expired',
    answer: unknown,
  ): Promise<HandoverState | undefined> {
    const [now, text] = (await settleScript.run(
      this.redis,
      [this.store.keys.handover(id)],
      [status, JSON.stringify(answer ?? null)],
    )) as [string, string];
    return now === 'missing' ? undefined : { status: now as HandoverStatus, answer: parseAnswer(text) };
  }

  /** Puts a hand-over back at the end of its account's queue (its owner lost the account meanwhile). */
  async requeue(account: string, id: string): Promise<void> {
    await this.redis.rpush(this.store.keys.handovers(account), id);
  }

  /** Lets a lease go, bumping its fencing token, and tells the fleet (`released` channel). */
  async releaseLease(account: string, holder: string): Promise<boolean> {
    return (
      Number(
        await releaseLease.run(
          this.redis,
          [this.store.keys.lease(account), this.store.keys.token(account)],
          [holder, this.store.keys.released(), account],
        ),
      ) === 1
    );
  }
}

function parseAnswer(text: string | null | undefined): unknown {
  if (text === null || text === undefined || text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
