/**
 * Drives a `SimulatedClock` until a promise settles: moves simulated time forward in
 * steps and lets promises settle between steps (like the sim harness's `advance`), for
 * code that runs outside a guard (the naive baseline) and for the benchmark.
 *
 * @example
 * const result = await driveUntilSettled(clock, runNaiveBot(port, clock, intent));
 */
import type { SimulatedClock } from 'xstate';

/** Lets every pending promise callback and I/O turn run once. */
export const flush = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

export interface DriveOptions {
  /** Simulated milliseconds per step (default 50). */
  readonly stepMs?: number;
  /** Gives up (throws) after this much simulated time (default 120 s). */
  readonly maxMs?: number;
  /**
   * Real milliseconds to wait after each step instead of one event-loop turn: for code that
   * also waits on something outside the simulation (Redis answers in real time).
   */
  readonly realMsPerStep?: number;
}

const pause = (realMs: number | undefined): Promise<void> =>
  realMs === undefined ? flush() : new Promise<void>((resolve) => setTimeout(resolve, realMs));

/** Advances `clock` step by step until `work` settles; returns its value or rethrows its error. */
export async function driveUntilSettled<T>(
  clock: SimulatedClock,
  work: Promise<T>,
  opts: DriveOptions = {},
): Promise<T> {
  const { stepMs = 50, maxMs = 120_000 } = opts;
  let settled = false;
  const watched = work.finally(() => {
    settled = true;
  });
  watched.catch(() => {}); // observed below; keeps an early rejection from being reported as unhandled
  await flush();
  for (let t = 0; !settled; t += stepMs) {
    if (t > maxMs) throw new Error(`still running after ${maxMs} ms of simulated time`);
    clock.increment(stepMs);
    await flush();
  }
  return watched;
}

/**
 * Advances `clock` until `done()` holds, checking first at the current instant (timers due
 * now fire before time moves); returns the simulated milliseconds it took.
 */
export async function driveUntil(clock: SimulatedClock, done: () => boolean, opts: DriveOptions = {}): Promise<number> {
  const { stepMs = 50, maxMs = 120_000, realMsPerStep } = opts;
  const start = clock.now();
  await pause(realMsPerStep);
  clock.increment(0);
  await pause(realMsPerStep);
  while (!done()) {
    if (clock.now() - start > maxMs) throw new Error(`condition not reached within ${maxMs} ms of simulated time`);
    clock.increment(stepMs);
    await pause(realMsPerStep);
  }
  return clock.now() - start;
}

/** Advances `clock` by `ms` in steps, letting what is due settle after each (as `driveUntil`). */
export async function driveFor(
  clock: SimulatedClock,
  ms: number,
  opts: Omit<DriveOptions, 'maxMs'> = {},
): Promise<void> {
  const until = clock.now() + ms;
  await driveUntil(clock, () => clock.now() >= until, { ...opts, maxMs: ms });
}
