/**
 * The clock of the deterministic simulation (see docs/architecture.md, Principles: time comes
 * from outside): a queue of timers ordered by due time, then by the order they were set, so
 * that a run is the same on every machine. Time moves only when the runner says
 * (`advanceTo`), jumping from one due timer to the next. `view()` hands a worker a clock of its
 * own over the same time: revoked when the worker is killed, its timers never fire again and
 * new ones are dropped (a kill -9 leaves no timer behind).
 *
 * @example
 * const clock = new SimClock(1_764_000_000_000);
 * clock.setTimeout(() => {}, 1_000); clock.nextDue(); // 1_764_000_001_000
 */
import type { Clock } from '../src/clock.js';

interface Timer {
  readonly seq: number;
  readonly due: number;
  readonly fn: () => void;
  readonly owner: ClockView | undefined;
}

export class SimClock implements Clock {
  private time: number;
  private seq = 0;
  private readonly timers = new Map<number, Timer>();

  constructor(start: number) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    return this.schedule(fn, ms, undefined);
  }

  clearTimeout(handle: unknown): void {
    if (typeof handle === 'number') this.timers.delete(handle);
  }

  /** @internal Used by views. */
  schedule(fn: () => void, ms: number, owner: ClockView | undefined): number {
    const seq = ++this.seq;
    this.timers.set(seq, { seq, due: this.time + Math.max(0, Number.isFinite(ms) ? ms : 0), fn, owner });
    return seq;
  }

  /** The due time of the earliest timer, or `undefined` when none is set. */
  nextDue(): number | undefined {
    let due: number | undefined;
    for (const t of this.timers.values()) if (due === undefined || t.due < due) due = t.due;
    return due;
  }

  /**
   * Fires the earliest timer due at or before `limit` (moving time to it), and answers true;
   * or moves time to `limit` and answers false when none is due by then. Firing one at a time
   * lets the caller settle promises in between.
   */
  step(limit: number): boolean {
    let first: Timer | undefined;
    for (const t of this.timers.values())
      if (t.due <= limit && (first === undefined || t.due < first.due || (t.due === first.due && t.seq < first.seq)))
        first = t;
    if (first === undefined) {
      if (limit > this.time) this.time = limit;
      return false;
    }
    this.timers.delete(first.seq);
    if (first.due > this.time) this.time = first.due;
    if (first.owner === undefined) first.fn();
    else first.owner.fire(first.fn);
    return true;
  }

  /** A clock over the same time for one worker, revocable when it is killed. */
  view(): ClockView {
    return new ClockView(this);
  }

  /** Drops every timer of a revoked view. */
  dropTimersOf(view: ClockView): void {
    for (const [seq, t] of this.timers) if (t.owner === view) this.timers.delete(seq);
  }
}

export class ClockView implements Clock {
  revoked = false;
  private held: (() => void)[] | undefined;

  constructor(private readonly clock: SimClock) {}

  now(): number {
    return this.clock.now();
  }

  setTimeout(fn: () => void, ms: number): unknown {
    return this.revoked ? -1 : this.clock.schedule(fn, ms, this);
  }

  clearTimeout(handle: unknown): void {
    this.clock.clearTimeout(handle);
  }

  /** @internal A timer of this view is due: run now, held while stalled, dropped once revoked. */
  fire(fn: () => void): void {
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
    for (const fn of held) this.clock.schedule(fn, 0, this);
  }

  revoke(): void {
    this.revoked = true;
    this.clock.dropTimersOf(this);
  }
}
