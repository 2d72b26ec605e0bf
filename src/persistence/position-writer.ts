/**
 * Writes one position's snapshots to the store, one write at a time and in order. Receives
 * every snapshot of the position actor; sends at most one write in flight, the latest
 * snapshot winning while one is in flight (a state change always keeps its history entry).
 * When the store fails (Redis down) it keeps the latest snapshot in memory and retries with
 * backoff on the clock; the position carries on meanwhile. A write fenced out (`LEASE_LOST`:
 * another worker owns the account) is never retried. Touches only the store.
 */
import type { Clock } from '../clock.js';
import type { SnapshotWrite } from './redis-store.js';

export interface WriterTarget {
  save(write: SnapshotWrite): Promise<void>;
  /** Told of each failed write (for logs and health); the writer retries by itself. */
  onError?(error: unknown, attempt: number): void;
}

const RETRY_MIN_MS = 200;
const RETRY_MAX_MS = 5_000;

export class PositionWriter {
  private latest: SnapshotWrite | undefined;
  /** State changes not yet written: each keeps its own history entry. */
  private readonly transitions: SnapshotWrite[] = [];
  private inFlight = false;
  private failures = 0;
  private retryTimer: unknown;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly target: WriterTarget,
    private readonly clock: Clock,
  ) {}

  /** Queues a snapshot; `transition` when the state changed (its history entry is kept). */
  save(write: SnapshotWrite, transition: boolean): void {
    if (this.closed) return;
    if (transition) {
      // A transition's snapshot holds everything a context-only snapshot queued before it held.
      this.latest = undefined;
      this.transitions.push(write);
    } else {
      this.latest = write;
    }
    this.pump();
  }

  /** True when nothing waits to be written. */
  get idle(): boolean {
    return !this.inFlight && this.transitions.length === 0 && this.latest === undefined;
  }

  /** Resolves once everything queued so far is written (or the writer is closed). */
  flushed(): Promise<void> {
    if (this.idle || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer !== undefined) this.clock.clearTimeout(this.retryTimer);
    this.settleWaiters();
  }

  private next(): { write: SnapshotWrite; transition: boolean } | undefined {
    // Transitions first, in order; then the latest context-only snapshot, which was queued
    // after every transition still queued (an earlier one was dropped when they came).
    const t = this.transitions.shift();
    if (t !== undefined) return { write: t, transition: true };
    const l = this.latest;
    this.latest = undefined;
    return l === undefined ? undefined : { write: l, transition: false };
  }

  private pump(): void {
    if (this.inFlight || this.closed || this.retryTimer !== undefined) return;
    const item = this.next();
    if (item === undefined) {
      this.settleWaiters();
      return;
    }
    const { write, transition } = item;
    this.inFlight = true;
    this.target.save(write).then(
      () => {
        this.inFlight = false;
        this.failures = 0;
        this.pump();
      },
      (error: unknown) => {
        this.inFlight = false;
        this.failures += 1;
        this.target.onError?.(error, this.failures);
        // Fenced out: this worker lost the account, and no retry of its will ever be written (the
        // new owner writes the position from now on). What is queued is dropped, not retried.
        if ((error as { code?: unknown } | undefined)?.code === 'LEASE_LOST') {
          this.transitions.length = 0;
          this.latest = undefined;
          this.settleWaiters();
          return;
        }
        // Put it back in front: a transition keeps its place, a snapshot yields to a newer one.
        if (transition) this.transitions.unshift(write);
        else if (this.latest === undefined) this.latest = write;
        const delay = Math.min(RETRY_MIN_MS * 2 ** Math.min(this.failures - 1, 10), RETRY_MAX_MS);
        this.retryTimer = this.clock.setTimeout(() => {
          this.retryTimer = undefined;
          this.pump();
        }, delay);
      },
    );
  }

  private settleWaiters(): void {
    if (!this.idle && !this.closed) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
