/**
 * The delay before a restart, as pure arithmetic. Receives the backoff spec, how many times
 * the child was restarted recently and a random source; returns milliseconds. Touches no
 * clock and no global randomness: the random source is injected (`seededRandom` in tests).
 *
 * The delay doubles with each recent restart, from `minMs` up to `maxMs`; `jitter` takes up to
 * that fraction off it at random, so that many children that crashed together do not restart
 * in the same instant. The result lies in `[base·(1−jitter), base]` and never exceeds `maxMs`.
 *
 * @example
 * const spec = { minMs: 100, maxMs: 1_000, jitter: 0 };
 * backoffDelay(spec, 0, () => 0.5); // 100
 * backoffDelay(spec, 3, () => 0.5); // 800
 * backoffDelay(spec, 9, () => 0.5); // 1000
 * backoffDelay({ ...spec, jitter: 0.5 }, 1, () => 1); // 100: 200 minus half of it
 */
import type { Random } from '../domain/random.js';
import type { BackoffSpec } from './supervisor-spec.js';

/**
 * The delay before jitter for restart number `attempt` (0 for the first): `minMs · 2^attempt`, capped at `maxMs`.
 *
 * @example
 * baseDelay({ minMs: 100, maxMs: 1_000, jitter: 0.5 }, 2); // 400
 */
export function baseDelay(spec: BackoffSpec, attempt: number): number {
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 52);
  return Math.min(spec.maxMs, spec.minMs * 2 ** exponent);
}

/**
 * The delay in whole milliseconds before restart number `attempt` (the count of the child's
 * restarts still inside the budget window; 0 for the first).
 *
 * @example
 * backoffDelay({ minMs: 500, maxMs: 30_000, jitter: 0.2 }, 2, seededRandom(7)); // 1600..2000
 */
export function backoffDelay(spec: BackoffSpec, attempt: number, random: Random): number {
  const base = baseDelay(spec, attempt);
  const jitter = Math.min(1, Math.max(0, spec.jitter));
  if (jitter === 0 || base === 0) return Math.round(base);
  const drawn = random();
  const r = Number.isFinite(drawn) ? Math.min(1, Math.max(0, drawn)) : 0;
  return Math.round(base * (1 - jitter * r));
}
