/**
 * The restart budget (OTP `intensity` per `period`) as pure arithmetic. Receives the times of
 * earlier restarts and the current time; returns a verdict and the new history. Touches
 * nothing: no clock, no state.
 *
 * The window is half-open: a restart at `t` still counts at `now` while `now - t < periodMs`,
 * so a restart exactly `periodMs` ago has dropped out.
 *
 * @example
 * let history: number[] = [];
 * ({ history } = recordRestart(history, 1_000, 2, 10_000)); // allowed, [1000]
 * ({ history } = recordRestart(history, 2_000, 2, 10_000)); // allowed, [1000, 2000]
 * recordRestart(history, 3_000, 2, 10_000).allowed;         // false: a third within 10 s
 * recordRestart(history, 11_000, 2, 10_000).allowed;        // true: the one at 1000 dropped out
 */

/** The verdict on one more restart, and the restart times that are still in the window. */
export interface RestartVerdict {
  readonly allowed: boolean;
  /** The restarts inside the window, plus `now` when the restart is allowed. */
  readonly history: number[];
}

/**
 * The restarts of `history` that still count at `now` (those less than `periodMs` ago).
 *
 * @example
 * recentRestarts([0, 5_000, 9_000], 10_000, 5_000); // [9000]
 */
export function recentRestarts(history: readonly number[], now: number, periodMs: number): number[] {
  return history.filter((t) => now - t < periodMs);
}

/**
 * Whether one more restart at `now` stays within `intensity` restarts per `periodMs`.
 * Exactly `intensity` restarts in a window are allowed; the next one is not. Intensity 0
 * never allows a restart.
 *
 * @example
 * recordRestart([], 0, 0, 1_000); // { allowed: false, history: [] }
 */
export function recordRestart(
  history: readonly number[],
  now: number,
  intensity: number,
  periodMs: number,
): RestartVerdict {
  const recent = recentRestarts(history, now, periodMs);
  if (recent.length >= intensity) return { allowed: false, history: recent };
  recent.push(now);
  return { allowed: true, history: recent };
}
