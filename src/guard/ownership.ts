/**
 * The ownership lease of one account (DESIGN section 6): exactly one worker drives an
 * account's positions. Receives nothing; sends `acquired` / `lost` to its owner. Touches the
 * Redis store on a real-time clock (Redis measures the lease's TTL in real time).
 *
 * It tries to take the lease, renews it every third of its TTL, and when it is gone tries to
 * take it back; while the lease is held by another worker it keeps trying every half TTL, so
 * a worker that dies is replaced within the TTL. A renewal that fails because Redis cannot be
 * reached keeps the lease as held: writes are fenced in Redis anyway, so a worker that lost
 * its lease during an outage cannot write or send once Redis answers again.
 */
import type { Clock } from '../clock.js';
import type { AccountId } from '../domain/ids.js';
import type { RedisStore } from '../persistence/redis-store.js';

export interface LeaseHandlers {
  /** The lease was taken (first time, or back after it was lost). */
  acquired(holder: string): Promise<void>;
  /** Another worker holds the lease now: stop driving the account. */
  lost(): Promise<void>;
  /** Redis could not be reached for a renewal (the lease is kept meanwhile). */
  unreachable?(error: unknown): void;
}

export class AccountLease {
  private holderValue: string | undefined;
  private timer: unknown;
  private stopped = false;

  constructor(
    private readonly store: RedisStore,
    private readonly account: AccountId,
    private readonly worker: string,
    private readonly ttlMs: number,
    private readonly clock: Clock,
    private readonly handlers: LeaseHandlers,
  ) {}

  /** `worker|token` while this worker holds the lease. */
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

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    const holder = this.holderValue;
    this.holderValue = undefined;
    if (holder !== undefined) await this.store.releaseLease(this.account, holder).catch(() => {});
  }

  private schedule(ms: number, fn: () => Promise<void>): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void fn();
    }, ms);
  }

  private async tryAcquire(): Promise<void> {
    let token = 0;
    try {
      token = await this.store.acquireLease(this.account, this.worker, this.ttlMs);
    } catch (e) {
      this.handlers.unreachable?.(e);
    }
    if (this.stopped) return;
    if (token > 0) {
      this.holderValue = `${this.worker}|${token}`;
      // Renew from now on: taking the account over (rehydration, the first sweep) may take
      // longer than the lease lives.
      this.schedule(this.ttlMs / 3, () => this.renew());
      await this.handlers.acquired(this.holderValue);
    } else {
      this.schedule(this.ttlMs / 2, () => this.tryAcquire());
    }
  }

  private async renew(): Promise<void> {
    const holder = this.holderValue;
    if (holder === undefined || this.stopped) return;
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
    // Expired (say, during an outage) or taken. If the next token is ours, nobody held the
    // lease in between and the positions in memory are still the truth; otherwise another
    // worker may have driven them: let go, and take the account back from Redis if we can.
    const previous = Number(holder.split('|').pop());
    const token = await this.store.acquireLease(this.account, this.worker, this.ttlMs).catch(() => 0);
    if (token === previous + 1) {
      this.holderValue = `${this.worker}|${token}`;
      this.schedule(this.ttlMs / 3, () => this.renew());
      return;
    }
    this.holderValue = undefined;
    await this.handlers.lost();
    if (token > 0) {
      this.holderValue = `${this.worker}|${token}`;
      this.schedule(this.ttlMs / 3, () => this.renew());
      await this.handlers.acquired(this.holderValue);
      return;
    }
    this.schedule(this.ttlMs / 2, () => this.tryAcquire());
  }
}
