/**
 * Backing off after a rate-limit refusal (see docs/architecture.md, Request budget): every call
 * that shares the refused limit waits until the venue's `Retry-After`, else an exponential
 * backoff; a refusal run that lasts `sustainedMs` is alerted once. Pure: the time is passed in.
 *
 * @example
 * let b = NO_BACKOFF;
 * b = refused(b, 2_000, now);   // { until: now + 2000, run: 1, since: now }
 * b = answered(b);              // the run ends; `until` stays
 */

export interface Backoff {
  /** Nothing that shares the limit leaves before this time. */
  readonly until: number;
  /** Refusals since the last answered call. */
  readonly run: number;
  /** When the current run of refusals began. */
  readonly since: number | undefined;
  /** Whether the current run has been alerted. */
  readonly alerted: boolean;
}

export const NO_BACKOFF: Backoff = { until: 0, run: 0, since: undefined, alerted: false };

export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_MAX_MS = 60_000;

/** After a refusal at `now`: the venue's wait when it gave one, else 1 s doubling per refusal of the run, up to 60 s. */
export function refused(b: Backoff, retryAfterMs: number | undefined, now: number): Backoff {
  const wait = retryAfterMs ?? Math.min(BACKOFF_BASE_MS * 2 ** Math.min(b.run, 16), BACKOFF_MAX_MS);
  return { until: Math.max(b.until, now + wait), run: b.run + 1, since: b.since ?? now, alerted: b.alerted };
}

/** After a call the venue answered: the refusal run is over. */
export function answered(b: Backoff): Backoff {
  return b.run === 0 ? b : { until: b.until, run: 0, since: undefined, alerted: false };
}

/**
 * Whether the current run of refusals is sustained and not alerted yet: it has lasted
 * `sustainedMs`, or its backoff already reaches that far (a 418 ban, Bybit's 10-minute IP wait).
 */
export function dueAlert(b: Backoff, now: number, sustainedMs: number): boolean {
  return !b.alerted && b.since !== undefined && Math.max(now, b.until) - b.since >= sustainedMs;
}
