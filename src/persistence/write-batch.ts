/**
 * Gathers the fenced writes of a tick into one script call: every journal write and snapshot
 * that positions ask for while the process is busy goes to Redis in one `fencedWrites` call,
 * one segment per account lease (one lease check, that account's operations in the order
 * they were asked for), sent once the current tick's callbacks have run
 * (`process.nextTick`). Each caller still gets its own reply, and only once Redis has
 * answered the whole call: a claim is granted (and a snapshot written) only when Redis says
 * so.
 *
 * A call that fails (Redis away, a timeout) fails every write in it; a write that fails in
 * Redis (a key of the wrong type) fails alone; a segment whose holder lost the lease answers
 * `FENCED_OUT` to every write in it, and nothing of it was written.
 * Receives: writes from the Redis store. Touches: Redis, through the one script.
 *
 * @example
 * const batch = new WriteBatcher(redis);
 * const reply = await batch.write(scope, holder, 'claimSend', [claimsKey], [clientOrderId, at]);
 */
import type { Redis } from 'ioredis';
import { fencedWrites } from './scripts.js';

/** The operations of `fencedWrites` (`lua/fenced-writes.lua` says what each does). */
export type WriteOp =
  | 'recordIntent'
  | 'confirmIntent'
  | 'claimSend'
  | 'recordAndClaim'
  | 'holdClaim'
  | 'releaseClaim'
  | 'keepKey'
  | 'fence'
  | 'saveSnapshot';

/** What every write of a segment answers when its holder no longer holds the lease. */
export const FENCED_OUT = -1;

/** Writes per script call at most (a call runs in Redis without a break): a fuller one goes at once. */
const MAX_WRITES = 128;

interface Waiter {
  resolve(reply: unknown): void;
  reject(error: unknown): void;
}

/** What every segment of one account begins with: its lease key and its account-wide keys and arguments. */
export interface BatchScope {
  /** KEYS: the lease first, then the account's keys every operation may use. */
  readonly keys: readonly string[];
  /** ARGV after the holder: the account's arguments every operation may use. */
  readonly args: readonly string[];
}

/** One account's operations of a call. */
class Segment {
  readonly keys: string[];
  readonly args: string[];
  readonly waiters: Waiter[] = [];
  /** Where the operation count goes in `args`, filled in when the call is sent. */
  readonly countAt: number;
  constructor(
    scope: BatchScope,
    readonly holder: string,
  ) {
    this.keys = [...scope.keys];
    this.args = [holder, ...scope.args, '0'];
    this.countAt = this.args.length - 1;
  }
}

export class WriteBatcher {
  /** The segment being gathered, per lease key, and the writes in all of them. */
  private readonly open = new Map<string, Segment>();
  private pending = 0;
  private scheduled = false;

  constructor(
    private readonly redis: Redis,
    private readonly maxWrites = MAX_WRITES,
  ) {}

  /** Queues one operation under `holder`'s lease; resolves with its reply, or `FENCED_OUT`. */
  write(
    scope: BatchScope,
    holder: string,
    op: WriteOp,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    const leaseKey = scope.keys[0] as string;
    let segment = this.open.get(leaseKey);
    if (segment !== undefined && segment.holder !== holder) {
      // The lease changed hands within the tick: what was asked for under the old holder goes first.
      this.flush();
      segment = undefined;
    }
    if (segment === undefined) {
      segment = new Segment(scope, holder);
      this.open.set(leaseKey, segment);
    }
    for (const k of keys) segment.keys.push(k);
    segment.args.push(op);
    for (const a of args) segment.args.push(typeof a === 'string' ? a : String(a));
    const reply = new Promise<unknown>((resolve, reject) => segment.waiters.push({ resolve, reject }));
    if (++this.pending >= this.maxWrites) {
      this.flush();
    } else if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(this.flushTick);
    }
    return reply;
  }

  private readonly flushTick = (): void => {
    this.scheduled = false;
    this.flush();
  };

  /** Sends what is gathered as one call. */
  private flush(): void {
    if (this.pending === 0) return;
    const segments = [...this.open.values()];
    this.open.clear();
    this.pending = 0;
    const keys: string[] = [];
    const args: string[] = [];
    for (const s of segments) {
      s.args[s.countAt] = String(s.waiters.length);
      for (const k of s.keys) keys.push(k);
      for (const a of s.args) args.push(a);
    }
    fencedWrites.runNow(this.redis, keys, args).then(
      (reply) => {
        if (!Array.isArray(reply) || reply.length !== segments.length) {
          fail(segments, new Error(`fencedWrites answered ${JSON.stringify(reply)} to ${segments.length} segments`));
          return;
        }
        segments.forEach((s, i) => answer(s, reply[i]));
      },
      (error: unknown) => fail(segments, error),
    );
  }
}

function answer(segment: Segment, reply: unknown): void {
  const { waiters } = segment;
  if (reply === FENCED_OUT) {
    for (const w of waiters) w.resolve(FENCED_OUT);
  } else if (Array.isArray(reply) && reply.length === waiters.length) {
    for (let i = 0; i < waiters.length; i++) {
      const r: unknown = reply[i];
      if (r instanceof Error) (waiters[i] as Waiter).reject(r);
      else (waiters[i] as Waiter).resolve(r);
    }
  } else {
    fail(
      [segment],
      new Error(`fencedWrites answered ${JSON.stringify(reply)} to a segment of ${waiters.length} writes`),
    );
  }
}

function fail(segments: readonly Segment[], error: unknown): void {
  for (const s of segments) for (const w of s.waiters) w.reject(error);
}
