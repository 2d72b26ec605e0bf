/**
 * Stopping one child, bounded by its `shutdownMs`. Receives a child handle and a clock; calls
 * `handle.stop()` and waits for it, at most `shutdownMs` on the clock. Never rejects: a stop
 * that throws, rejects or times out comes back as an error `ExitReason` for the caller to report.
 *
 * @example
 * const problem = await stopWithin(handle, 5_000, clock, () => new ShutdownTimeout('feeds', 'feed:main', 5_000));
 * if (problem) log.warn({ err: problem }, 'feed did not stop cleanly');
 */
import type { Clock } from '../clock.js';
import type { ChildHandle, ExitReason } from './child-spec.js';

/**
 * Stops `handle`; resolves `undefined` once it has stopped, or an error reason when `stop()`
 * failed or did not finish within `shutdownMs` (then the child is left behind). A `stop()` that
 * returns synchronously costs no timer.
 */
export function stopWithin(
  handle: ChildHandle,
  shutdownMs: number | undefined,
  clock: Clock,
  timeoutError: () => Error,
): Promise<ExitReason | undefined> {
  let result: unknown;
  try {
    result = handle.stop();
  } catch (error) {
    return Promise.resolve({ kind: 'error', error });
  }
  if (!isThenable(result)) return Promise.resolve(undefined);
  const stopping = Promise.resolve(result).then(
    (): ExitReason | undefined => undefined,
    (error: unknown): ExitReason => ({ kind: 'error', error }),
  );
  if (shutdownMs === undefined) return stopping;
  return new Promise((resolve) => {
    let settled = false;
    const timer = clock.setTimeout(() => {
      if (settled) return;
      settled = true;
      resolve({ kind: 'error', error: timeoutError() });
    }, shutdownMs);
    void stopping.then((outcome) => {
      if (settled) return;
      settled = true;
      clock.clearTimeout(timer);
      resolve(outcome);
    });
  });
}

function isThenable(value: unknown): value is PromiseLike<void> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
