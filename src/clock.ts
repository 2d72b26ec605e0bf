/**
 * The clock that effectful code (the simulator, the wiring, the feeds) takes from outside.
 * It is XState's own `Clock` plus `now()`, so XState's `SimulatedClock` drives machines and
 * the simulated exchange together in tests.
 *
 * @example
 * const clock = new SimulatedClock(); const sim = new SimExchange({ clock, seed: 1 });
 * clock.increment(1_000);
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
