/**
 * Gathers the fenced writes of a tick into one script call per account lease: every journal
 * write and snapshot that positions of one account ask for while the process is busy goes to
 * Redis as one `fencedWrites` call (one lease check, the operations in the order they were
 * asked for), sent once the current tick's callbacks have run (`process.nextTick`). Each
 * caller still gets its own reply, and only once Redis has answered the whole call: a claim
 * is granted (and a snapshot written) only when Redis says so.
 *
 * A call that fails (Redis away, a timeout) fails every write in it; a write that fails in
 * Redis (a key of the wrong type) fails alone; a call that is fenced out answers `FENCED_OUT`
 * to every write in it, and nothing of it was written.
 * Receives: writes from the Redis store. Touches: Redis, through the one script.
 *
 * @example
 * const batch = new WriteBatcher(redis);
 * const reply = await batch.write(scope, holder, 'L', [claimsKey], [clientOrderId, at]);
 */
import type { Redis } from 'ioredis';
import { fencedWrites } from './scripts.js';

/** The operations of `fencedWrites`: recordIntent, confirmIntent, claimSend, saveSnapshot. */
export type WriteOp = 'I' | 'C' | 'L' | 'S';

/** What every write of a call answers when the lease is no longer the holder's. */
export const FENCED_OUT = -1;

/** Writes per script call at most: a fuller batch is sent at once and a new one begun. */
const MAX_WRITES = 128;

interface Waiter {
  resolve(reply: unknown): void;
  reject(error: unknown): void;
}

/** What every call for one account begins with: its lease key and its account-wide keys and arguments. */
export interface BatchScope {
  /** KEYS: the lease first, then the account's keys every operation may use. */
  readonly keys: readonly string[];
  /** ARGV after the holder: the account's arguments every operation may use. */
  readonly args: readonly string[];
}

class Batch {
  readonly keys: string[];
  readonly args: string[];
  readonly waiters: Waiter[] = [];
  constructor(scope: BatchScope, readonly holder: string) {
    this.keys = [...scope.keys];
    this.args = [holder, ...scope.args];
  }
}

export class WriteBatcher {
  /** The batch being gathered, per lease key. */
  private readonly open = new Map<string, Batch>();
  private scheduled = false;

  constructor(private readonly redis: Redis, private readonly maxWrites = MAX_WRITES) {}

  /** Queues one operation under `holder`'s lease; resolves with its reply, or `FENCED_OUT`. */
  write(scope: BatchScope, holder: string, op: WriteOp, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    const leaseKey = scope.keys[0] as string;
    let batch = this.open.get(leaseKey);
    if (batch !== undefined && batch.holder !== holder) {
      // The lease changed hands within the tick: what was asked for under the old holder goes first.
      this.send(batch);
      batch = undefined;
    }
    if (batch === undefined) {
      batch = new Batch(scope, holder);
      this.open.set(leaseKey, batch);
    }
    for (const k of keys) batch.keys.push(k);
    batch.args.push(op);
    for (const a of args) batch.args.push(typeof a === 'string' ? a : String(a));
    const reply = new Promise<unknown>((resolve, reject) => batch.waiters.push({ resolve, reject }));
    if (batch.waiters.length >= this.maxWrites) {
      this.open.delete(leaseKey);
      this.send(batch);
    } else if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(this.flush);
    }
    return reply;
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const batches = [...this.open.values()];
    this.open.clear();
    // The calls of one tick (one per account) leave in one write to the socket.
    const socket = this.redis.stream as { cork?(): void; uncork?(): void } | undefined;
    socket?.cork?.();
    try {
      for (const b of batches) this.send(b);
    } finally {
      socket?.uncork?.();
    }
  };

  private send(batch: Batch): void {
    const { waiters } = batch;
    fencedWrites.runNow(this.redis, batch.keys, batch.args).then(
      (reply) => {
        if (reply === FENCED_OUT) {
          for (const w of waiters) w.resolve(FENCED_OUT);
        } else if (Array.isArray(reply) && reply.length === waiters.length) {
          for (let i = 0; i < waiters.length; i++) {
            const r: unknown = reply[i];
            if (r instanceof Error) (waiters[i] as Waiter).reject(r);
            else (waiters[i] as Waiter).resolve(r);
          }
        } else {
          const error = new Error(`fencedWrites answered ${JSON.stringify(reply)} to ${waiters.length} writes`);
          for (const w of waiters) w.reject(error);
        }
      },
      (error: unknown) => {
        for (const w of waiters) w.reject(error);
      },
    );
  }
}
