/**
 * The budgets of limits that are not an account's own (see docs/architecture.md, Request
 * budget): IP-scoped limits (Binance's request weight, Bybit's per-IP limit) are shared by
 * every account of this process on one venue host, so their buckets and backoff live here,
 * one `LimitBudget` per host, and every account's scheduler draws from it. An account's own
 * limits are a `LimitBudget` of its scheduler.
 *
 * Owns: the buckets and the backoff of one scope. Touches nothing else.
 *
 * @example
 * const host = HostBudgets.shared.of('fapi.binance.com', limits, clock.now());
 */
import { NO_BACKOFF, answered, refused, type Backoff } from './backoff.js';
import { full, refill, take, waitFor, type Bucket } from './token-bucket.js';
import type { BucketLimit, LimitScope, VenueLimits } from './venue-limits.js';

/** One limit's remaining budget: `remaining` of `capacity` tokens (see docs/architecture.md, Request budget). */
export interface BudgetHeadroom {
  /** The bucket's name in `venue-limits.ts` (`orders`, `ipWeight`, …). */
  readonly limit: string;
  /** The account's own limit, or the venue host's (shared by the process's accounts there). */
  readonly scope: LimitScope;
  readonly remaining: number;
  readonly capacity: number;
}

export class LimitBudget {
  private readonly buckets = new Map<string, Bucket>();
  private state: Backoff = NO_BACKOFF;

  constructor(
    readonly name: string,
    private readonly rules: readonly BucketLimit[],
    now: number,
  ) {
    for (const r of rules) this.buckets.set(r.name, full(r, now));
  }

  static of(name: string, limits: VenueLimits, scope: LimitScope, now: number): LimitBudget {
    return new LimitBudget(
      name,
      limits.buckets.filter((b) => b.scope === scope),
      now,
    );
  }

  get backoff(): Backoff {
    return this.state;
  }

  /** How long until `cost` can be paid here and no backoff holds (0: now). */
  waitMs(cost: Readonly<Record<string, number>>, now: number): number {
    let wait = Math.max(0, this.state.until - now);
    for (const r of this.rules) {
      const n = cost[r.name];
      const b = this.buckets.get(r.name);
      if (n !== undefined && n > 0 && b !== undefined) wait = Math.max(wait, waitFor(b, r, n, now));
    }
    return wait;
  }

  /** What is left of each of its limits at `now` (tokens, refilled to `now`), beside the limit's capacity. */
  headroom(now: number): BudgetHeadroom[] {
    return this.rules.map((r) => {
      const b = this.buckets.get(r.name) ?? full(r, now);
      return { limit: r.name, scope: r.scope, remaining: refill(b, r, now).tokens, capacity: r.capacity };
    });
  }

  /** Pays `cost` (call only when `waitMs` said 0). */
  pay(cost: Readonly<Record<string, number>>, now: number): void {
    for (const r of this.rules) {
      const n = cost[r.name];
      const b = this.buckets.get(r.name);
      if (n === undefined || n <= 0 || b === undefined) continue;
      const after = take(b, r, n, now);
      if (after.bucket !== undefined) this.buckets.set(r.name, after.bucket);
    }
  }

  refused(retryAfterMs: number | undefined, now: number): Backoff {
    this.state = refused(this.state, retryAfterMs, now);
    return this.state;
  }

  answered(): void {
    this.state = answered(this.state);
  }

  markAlerted(): void {
    this.state = { ...this.state, alerted: true };
  }
}

/** The host budgets of one process (`shared`), keyed by venue host. */
export class HostBudgets {
  static readonly shared = new HostBudgets();
  private readonly byHost = new Map<string, LimitBudget>();

  of(host: string, limits: VenueLimits, now: number): LimitBudget {
    let b = this.byHost.get(host);
    if (b === undefined) {
      b = LimitBudget.of(host, limits, 'host', now);
      this.byHost.set(host, b);
    }
    return b;
  }
}
