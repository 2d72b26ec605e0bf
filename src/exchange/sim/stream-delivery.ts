/**
 * Runs callbacks at venue times, in (time, arrival) order, on the injected clock, with one
 * clock timer at a time. The simulated stream delivers through it, so events never arrive
 * inside the call that caused them and arrive in a defined order even when a simulated
 * clock fires many timers at once.
 *
 * @example
 * const q = new DeliveryQueue(clock); q.push(clock.now(), () => onEvent(e)); clock.increment(0);
 */
import type { Clock } from '../../clock.js';

interface Item {
  readonly at: number;
  readonly run: () => void;
}

/** Callbacks due at venue times, run in order through one clock timer. */
export class DeliveryQueue {
  private readonly items: Item[] = [];
  private timer: unknown = undefined;
  private timerAt: number | undefined;
  private flushing = false;
  private closed = false;

  constructor(private readonly clock: Clock) {}

  /** Runs `run` once the clock reaches `at` (never synchronously). */
  push(at: number, run: () => void): void {
    if (this.closed) return;
    const item: Item = { at, run };
    const index = this.items.findIndex((i) => i.at > at);
    if (index === -1) this.items.push(item);
    else this.items.splice(index, 0, item);
    if (!this.flushing) this.arm();
  }

  /**
   * Runs what is due now, synchronously. For the venue's own timer callbacks: XState's
   * `SimulatedClock` does not fire a timer set by the last callback of a flush until the
   * next `increment`, so a price tick or a fault edge would otherwise deliver late.
   */
  runDue(): void {
    if (this.flushing || this.closed) return;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.flush();
  }

  /** Drops everything not yet run and stops the timer. */
  close(): void {
    this.closed = true;
    this.items.length = 0;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    const first = this.items[0];
    if (first === undefined || this.closed) return;
    if (this.timerAt !== undefined && this.timerAt <= first.at) return;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timerAt = first.at;
    this.timer = this.clock.setTimeout(() => this.flush(), Math.max(0, first.at - this.clock.now()));
  }

  private flush(): void {
    this.timer = undefined;
    this.timerAt = undefined;
    this.flushing = true;
    try {
      for (
        let next = this.items[0];
        next !== undefined && next.at <= this.clock.now() && !this.closed;
        next = this.items[0]
      ) {
        this.items.shift();
        next.run();
      }
    } finally {
      this.flushing = false;
      this.arm();
    }
  }
}
