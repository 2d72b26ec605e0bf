/**
 * The ownership lease of one account (see docs/architecture.md, Persistence and ownership):
 * exactly one worker drives an account's positions. Receives nothing; sends `acquired`,
 * `lost` and `wiped` to its owner. Touches the Redis store on a real-time clock (Redis keeps
 * the lease's TTL in real time).
 *
 * It tries to take the lease, renews it every third of its TTL, and when it is gone tries to
 * take it back; while another worker holds it, it keeps trying every half TTL, so a worker
 * that dies is replaced within the TTL. A renewal that fails because Redis cannot be reached
 * keeps the lease as held: writes are fenced in Redis anyway.
 *
 * The holder value is `<worker>#<instance>|<token>`: two processes given the same worker id
 * are still two holders. Fencing tokens never go backwards: the lease is taken above the
 * highest token this process has seen, and a counter found below it means the store lost its
 * data (a Redis restarted without it) — the owner is told (`wiped`) and writes back what it
 * knows instead of forgetting its positions.
 *
 * When taking the account fails (the venue down during a takeover), the owner answers
 * `acquired` with an error: the lease is released at once, so another worker may take the
 * account, and taken again after a growing backoff.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { AccountId } from '../domain/ids.js';
import type { Store } from '../persistence/store.js';

export interface LeaseHandlers {
  /** The lease was taken (first time, or back after it was lost). Rejects if the account could not be taken. */
  acquired(holder: string): Promise<void>;
  /**
   * Another worker holds the lease now: stop driving the account. `wipedElsewhere`: its token is
   * below the one this worker held — the store lost its data and another worker took the account
   * from an empty store (this worker cannot write any more; it can only say so).
   */
  lost(wipedElsewhere: boolean): Promise<void>;
  /** The store lost its data while this worker held the lease (now held anew as `holder`): write back what is known. */
  wiped(holder: string): Promise<void>;
  /** Redis could not be reached for a renewal (the lease is kept meanwhile). */
  unreachable?(error: unknown): void;
  /** Taking the account failed; it is tried again in `retryInMs`. */
  startFailed?(error: unknown, retryInMs: number): void;
}

const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 60_000;

export class AccountLease {
  private holderValue: string | undefined;
  private timer: unknown;
  private stopped = false;
  /** The highest fencing token this process has held for the account. */
  private highest = 0;
  private failures = 0;
  /** When this worker last asked the store for its lease (taken or renewed): a gap longer than the TTL is a stall. */
  private askedAt = 0;
  private readonly worker: string;

  constructor(
    private readonly store: Store,
    private readonly account: AccountId,
    workerId: string,
    private readonly ttlMs: number,
    private readonly clock: Clock,
    private readonly handlers: LeaseHandlers,
    /** What tells this process's holders from another's with the same worker id (random unless given: the simulation draws it from its seed). */
    instance: string = randomBytes(3).toString('hex'),
  ) {
    this.worker = `${workerId}#${instance}`;
  }

  /** `worker#instance|token` while this worker holds the lease. */
  get holder(): string | undefined {
    return this.holderValue;
  }

  /**
   * Asks Redis whether this worker still holds the lease, renewing it if so: `false` when it is
   * gone or Redis cannot say (an action that must be fenced is then not taken).
   */
  async check(): Promise<boolean> {
    const holder = this.holderValue;
    if (holder === undefined || this.stopped) return false;
    try {
      return await this.store.renewLease(this.account, holder, this.ttlMs);
    } catch {
      return false;
    }
  }

  /** Tries once to take the lease (and waits for `acquired` if it did); keeps trying afterwards. */
  async start(): Promise<boolean> {
    await this.tryAcquire();
    return this.holderValue !== undefined;
  }

  /**
   * A lease was let go (the fleet was told): try to take it now rather than at the next retry —
   * unless this worker is backing off after failing to drive the account (it let the lease go
   * itself, for another worker to take).
   */
  poke(): void {
    if (this.stopped || this.holderValue !== undefined || this.failures > 0) return;
    this.schedule(0, () => this.tryAcquire());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    await this.release();
  }

  /**
   * The account cannot be driven here (its supervisor gave up): the lease is let go at once, so
   * another worker may take it, and taken again after a growing backoff.
   */
  async relinquish(error: unknown): Promise<void> {
    if (this.stopped) return;
    this.failures += 1;
    const retryInMs = Math.min(RETRY_MIN_MS * 2 ** Math.min(this.failures - 1, 10), RETRY_MAX_MS);
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await this.release();
    this.handlers.startFailed?.(error, retryInMs);
    this.schedule(retryInMs, () => this.tryAcquire());
  }

  /** Gives the lease up now (fenced: only if it is still this holder's), its token bumped and the fleet told, so that a standby takes it at once. */
  private async release(): Promise<void> {
    const holder = this.holderValue;
    this.holderValue = undefined;
    if (holder !== undefined) await this.store.releaseLease(this.account, holder).catch(() => {});
  }

  private schedule(ms: number, fn: () => Promise<void>): void {
    if (this.stopped) return;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      fn().catch((e: unknown) => this.handlers.unreachable?.(e));
    }, ms);
  }

  private async take(): Promise<{ token: number; wiped: boolean }> {
    this.askedAt = this.clock.now();
    const taken = await this.store.takeLease(this.account, this.worker, this.ttlMs, this.highest);
    if (taken.token > this.highest) this.highest = taken.token;
    return taken;
  }

  private async tryAcquire(): Promise<void> {
    let token = 0;
    try {
      token = (await this.take()).token;
    } catch (e) {
      this.handlers.unreachable?.(e);
    }
    if (this.stopped) return;
    if (token > 0) {
      this.holderValue = `${this.worker}|${token}`;
      // Renew from now on: taking the account over (rehydration, the first sweep) may take
      // longer than the lease lives.
      this.schedule(this.ttlMs / 3, () => this.renew());
      await this.took();
    } else {
      this.schedule(this.ttlMs / 2, () => this.tryAcquire());
    }
  }

  /** Tells the owner it holds the account; if it cannot take it, the lease is let go and taken again later. */
  private async took(): Promise<void> {
    const holder = this.holderValue;
    if (holder === undefined) return;
    try {
      await this.handlers.acquired(holder);
      this.failures = 0;
    } catch (e) {
      this.failures += 1;
      const retryInMs = Math.min(RETRY_MIN_MS * 2 ** Math.min(this.failures - 1, 10), RETRY_MAX_MS);
      if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
      this.timer = undefined;
      await this.release();
      this.handlers.startFailed?.(e, retryInMs);
      this.schedule(retryInMs, () => this.tryAcquire());
    }
  }

  private async renew(): Promise<void> {
    const holder = this.holderValue;
    if (holder === undefined || this.stopped) return;
    const stalled = this.clock.now() - this.askedAt > this.ttlMs;
    this.askedAt = this.clock.now();
    let renewed: boolean;
    try {
      renewed = await this.store.renewLease(this.account, holder, this.ttlMs);
    } catch (e) {
      this.handlers.unreachable?.(e);
      this.schedule(this.ttlMs / 3, () => this.renew());
      return;
    }
    if (this.stopped) return;
    if (renewed) {
      this.schedule(this.ttlMs / 3, () => this.renew());
      return;
    }
    // A worker whose timers did not run for longer than the lease lives (a paused process) cannot
    // tell whether another worker drove the account meanwhile (a wiped store hides it): it tries
    // again after half a TTL, so that a live holder, renewing every third of one, takes the lease
    // back first; only then is a lease found expired or wiped taken as this worker's own.
    if (stalled) {
      this.schedule(this.ttlMs / 2, () => this.renew());
      return;
    }
    // Expired (say, during an outage), taken, or the store lost its data. If the next token is
    // ours, nobody held the lease in between and the positions in memory are still the truth;
    // if the counter had gone backwards, the store was wiped: keep driving and write back.
    const previous = Number(holder.split('|').pop());
    const taken = await this.take().catch(() => ({ token: 0, wiped: false }));
    if (this.stopped) return;
    if (taken.token > 0 && (taken.wiped || taken.token === previous + 1)) {
      this.holderValue = `${this.worker}|${taken.token}`;
      this.schedule(this.ttlMs / 3, () => this.renew());
      if (taken.wiped) await this.handlers.wiped(this.holderValue);
      return;
    }
    this.holderValue = undefined;
    const other = await this.store.leaseToken(this.account).catch(() => undefined);
    await this.handlers.lost(other !== undefined && other < previous);
    if (taken.token > 0) {
      this.holderValue = `${this.worker}|${taken.token}`;
      this.schedule(this.ttlMs / 3, () => this.renew());
      await this.took();
      return;
    }
    this.schedule(this.ttlMs / 2, () => this.tryAcquire());
  }
}
