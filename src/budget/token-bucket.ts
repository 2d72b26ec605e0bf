/**
 * Token-bucket arithmetic (see docs/architecture.md, Request budget). Pure: the time is passed in.
 *
 * @example
 * const rule = { capacity: 10, perSecond: 5 };
 * take(full(rule, 0), rule, 3, 0) // { bucket: { tokens: 7, at: 0 }, waitMs: 0 }
 */
import type { BucketRule } from './venue-limits.js';

export interface Bucket {
  readonly tokens: number;
  readonly at: number;
}

export function full(rule: BucketRule, now: number): Bucket {
  return { tokens: rule.capacity, at: now };
}

/** The bucket at `now`: refilled for the time since it was last seen, never above its capacity. */
export function refill(b: Bucket, rule: BucketRule, now: number): Bucket {
  if (now <= b.at) return b;
  return { tokens: Math.min(rule.capacity, b.tokens + ((now - b.at) * rule.perSecond) / 1_000), at: now };
}

/** How long until `n` tokens are there (0: now). A cost above the capacity waits for a full bucket. */
export function waitFor(b: Bucket, rule: BucketRule, n: number, now: number): number {
  const need = Math.min(n, rule.capacity) - refill(b, rule, now).tokens;
  return need <= 0 ? 0 : Math.ceil((need * 1_000) / rule.perSecond);
}

/** Takes `n` tokens if they are there: the bucket after, or `undefined` and how long to wait. */
export function take(
  b: Bucket,
  rule: BucketRule,
  n: number,
  now: number,
): { bucket: Bucket; waitMs: 0 } | { bucket: undefined; waitMs: number } {
  const waitMs = waitFor(b, rule, n, now);
  if (waitMs > 0) return { bucket: undefined, waitMs };
  const r = refill(b, rule, now);
  return { bucket: { tokens: r.tokens - Math.min(n, rule.capacity), at: now }, waitMs: 0 };
}
