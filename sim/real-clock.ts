/**
 * The clock of the wire variant of the simulation (see docs/architecture.md, Invariants): real
 * time, since ccxt, Redis and the wire run on it. Like `SimClock.view()`, `view()` hands a
 * worker a clock of its own: revoked when the worker is killed (its timers never fire again and
 * new ones are dropped), held while it is stalled (what comes due runs when it wakes).
 *
 * @example
 * const view = new RealClockView(); view.setTimeout(() => {}, 100); view.revoke(); // never fires
 */
import type { Clock } from '../src/clock.js';

export class RealClockView implements Clock {
  revoked = false;
  private held: (() => void)[] | undefined;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  now(): number {
    return Date.now();
  }

  setTimeout(fn: () => void, ms: number): unknown {
    if (this.revoked) return undefined;
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        this.fire(fn);
      },
      Math.max(0, Number.isFinite(ms) ? ms : 0),
    );
    this.timers.add(timer);
    return timer;
  }

  clearTimeout(handle: unknown): void {
    if (handle === undefined) return;
    const timer = handle as ReturnType<typeof setTimeout>;
    clearTimeout(timer);
    this.timers.delete(timer);
  }

  private fire(fn: () => void): void {
    if (this.revoked) return;
    if (this.held !== undefined) this.held.push(fn);
    else fn();
  }

  /** Holds every timer that comes due until `wake` (a stalled process). */
  stall(): void {
    this.held ??= [];
  }

  /** Runs what came due while stalled, in order, then runs on. */
  wake(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const fn of held) this.setTimeout(fn, 0);
  }

  revoke(): void {
    this.revoked = true;
    this.held = undefined;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
