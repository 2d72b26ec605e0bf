/**
 * Over 300 lines on purpose: one class whose entry bookkeeping (start tokens, late stops, restart timers) is the supervisor's invariant; its pure rules are apart (restart-budget.ts, backoff.ts, child-spec.ts, shutdown.ts).
 *
 * The supervisor runtime (Erlang/OTP `one_for_one`). Receives a `SupervisorSpec`, a clock and
 * a random source; starts its children in order, restarts those that end according to their
 * restart type after a backoff on the clock, and stops them in reverse order. Sends events to
 * `onEvent`; when a restart budget is spent it stops its children and reports a
 * `SupervisorEscalation` to its parent (its own error exit) or, at the root, to `onEscalate`.
 * Touches only the clock's timers; it never throws into the event loop and never exits the process.
 *
 * @example
 * const sup = new Supervisor(spec, { clock: systemClock, random: Math.random, onEscalate: (e) => guard.halt(e) });
 * sup.start();
 * sup.startChild(actorChild({ id: positionId, restart: 'transient', create: () => createActor(machine) }));
 * await sup.stop();
 */
import type { Clock } from '../clock.js';
import type { Random } from '../domain/random.js';
import { backoffDelay } from './backoff.js';
import { shouldRestart, type ChildHandle, type ChildSpec, type ExitReason, type RestartType } from './child-spec.js';
import { DuplicateChild, ShutdownTimeout, SupervisorEscalation, SupervisorNotRunning } from './errors.js';
import { recentRestarts, recordRestart } from './restart-budget.js';
import { stopWithin } from './shutdown.js';
import { newEntry, type Entry } from './child-entry.js';
import type { ChildInfo, SupervisorEvent, SupervisorStatus } from './supervisor-events.js';
import { validateChildSpec, validateSupervisorSpec, type SupervisorSpec } from './supervisor-spec.js';

/** What a supervisor takes from outside. */
export interface SupervisorOptions {
  readonly clock: Clock;
  readonly random: Random;
  /** At the root: called once per escalation, after the children have been stopped. */
  readonly onEscalate?: (escalation: SupervisorEscalation) => void;
  readonly onEvent?: (event: SupervisorEvent) => void;
}

/**
 * A supervisor of `one_for_one` children. See the file header; the semantics in short:
 * `permanent` children are restarted after any exit, `transient` after an error exit,
 * `temporary` never; a child that is not restarted leaves the supervisor. Each restart waits
 * `backoffDelay` on the clock; more than `intensity` restarts within `periodMs` escalate.
 *
 * @example
 * const feeds = new Supervisor({ id: 'feeds', strategy: 'one_for_one', intensity: 3, periodMs: 60_000,
 *   backoff: { minMs: 500, maxMs: 30_000, jitter: 0.2 }, children: [feedChild] }, { clock, random });
 * const root = new Supervisor({ ...rootSpec, children: [feeds.asChild()] }, { clock, random, onEscalate });
 * root.start();
 */
export class Supervisor {
  private readonly entries = new Map<string, Entry>();
  private state: SupervisorStatus = 'idle';
  private lastEscalation: SupervisorEscalation | undefined;
  private shutdown: Promise<void> | undefined;
  private sharedHistory: number[] = [];
  private parentExit: ((reason: ExitReason) => void) | undefined;

  constructor(
    readonly spec: SupervisorSpec,
    private readonly options: SupervisorOptions,
  ) {
    validateSupervisorSpec(spec);
    for (const child of spec.children) this.entries.set(child.id, newEntry(child));
  }

  /** The spec's id (also its id as a child of another supervisor). */
  get id(): string {
    return this.spec.id;
  }
  /** Where the supervisor is in its life (see `SupervisorStatus`). */
  get status(): SupervisorStatus {
    return this.state;
  }
  /** The escalation of the current run, once the budget is spent (`undefined` while healthy). */
  get escalation(): SupervisorEscalation | undefined {
    return this.lastEscalation;
  }

  /**
   * Starts every child in order. Idempotent while running; after `stop()` or an escalation it
   * starts the children it still has again, with fresh budgets (this is how a parent restarts it).
   * Throws `SupervisorNotRunning` while it is still stopping or escalating.
   */
  start(): void {
    if (this.state === 'running') return;
    if (this.state === 'stopping' || this.state === 'escalating')
      throw new SupervisorNotRunning(this.id, this.state, 'start');
    this.state = 'running';
    this.lastEscalation = undefined;
    this.sharedHistory = [];
    for (const entry of [...this.entries.values()]) {
      if (this.state !== 'running') break;
      entry.history = [];
      if (this.entries.get(entry.spec.id) === entry && entry.status === 'stopped') this.startEntry(entry, false);
    }
  }

  /** Adds a child at the end and starts it now (or with `start()` when not started yet). */
  startChild(child: ChildSpec): void {
    if (this.state !== 'running' && this.state !== 'idle')
      throw new SupervisorNotRunning(this.id, this.state, `start child '${child.id}'`);
    if (this.entries.has(child.id)) throw new DuplicateChild(this.id, child.id);
    validateChildSpec(this.id, child);
    const entry = newEntry(child);
    this.entries.set(child.id, entry);
    if (this.state === 'running') this.startEntry(entry, false);
  }

  /** Stops one child (or cancels its pending restart) and removes it; `false` when there is no such child. */
  async stopChild(id: string): Promise<boolean> {
    const entry = this.entries.get(id);
    if (entry === undefined) return false;
    this.entries.delete(id);
    await this.stopEntry(entry);
    this.emit({ type: 'removed', supervisor: this.id, child: id });
    return true;
  }

  /** Stops every child in reverse order, awaiting each (bounded by its `shutdownMs`). */
  stop(): Promise<void> {
    if (this.shutdown !== undefined) return this.shutdown;
    if (this.state !== 'running') return Promise.resolve();
    this.state = 'stopping';
    this.shutdown = this.stopAll().then(() => {
      this.state = 'stopped';
      this.shutdown = undefined;
      this.reportToParent({ kind: 'normal' });
    });
    return this.shutdown;
  }

  /** Whether a child with this id is supervised (running, restarting, stopping or not started yet). */
  has(id: string): boolean {
    return this.entries.has(id);
  }

  /** The children in start order, with their status and restart counts. */
  children(): ChildInfo[] {
    return [...this.entries.values()].map((e) => ({
      id: e.spec.id,
      restart: e.spec.restart,
      status: e.status,
      restarts: e.restarts,
    }));
  }

  /**
   * This supervisor as a child of another one (a supervision tree). Its escalation becomes its
   * own error exit, which the parent handles by its own policy; the parent restarts it with `start()`.
   *
   * @example
   * const root = new Supervisor({ ...rootSpec, children: [feeds.asChild('permanent')] }, { clock, random, onEscalate });
   */
  asChild(restart: RestartType = 'permanent', shutdownMs?: number): ChildSpec {
    return {
      id: this.id,
      restart,
      ...(shutdownMs === undefined ? {} : { shutdownMs }),
      start: (exit) => {
        this.parentExit = exit;
        try {
          this.start();
        } catch (error) {
          this.parentExit = undefined;
          throw error;
        }
        return { stop: () => this.stop() };
      },
    };
  }

  private startEntry(entry: Entry, isRestart: boolean): void {
    const token = ++entry.token;
    entry.status = 'running';
    entry.starting = true;
    if (isRestart) entry.restarts += 1;
    let handle: ChildHandle | undefined;
    let failure: ExitReason | undefined;
    try {
      handle = entry.spec.start((reason) => this.childExited(entry, token, reason));
    } catch (error) {
      failure = { kind: 'error', error };
    }
    entry.starting = false;
    const lateStop = entry.lateStop;
    entry.lateStop = undefined;
    if (lateStop !== undefined) return lateStop(handle);
    if (failure !== undefined) return this.childExited(entry, token, failure);
    if (entry.token !== token) return; // it ended while starting; that exit is handled
    entry.handle = handle;
    this.emit(
      isRestart
        ? { type: 'restarted', supervisor: this.id, child: entry.spec.id, restarts: entry.restarts }
        : { type: 'started', supervisor: this.id, child: entry.spec.id },
    );
  }

  private childExited(entry: Entry, token: number, reason: ExitReason): void {
    if (entry.token !== token) return; // stopped on request, exited before, or restarted since
    entry.token += 1;
    entry.handle = undefined;
    const child = entry.spec.id;
    this.emit({ type: 'exited', supervisor: this.id, child, reason });
    if (this.state !== 'running') {
      entry.status = 'stopped';
      if (entry.spec.restart === 'temporary') this.remove(entry);
      return;
    }
    if (!shouldRestart(entry.spec.restart, reason)) {
      entry.status = 'stopped';
      this.remove(entry);
      return;
    }
    const { intensity, periodMs, backoff } = this.spec;
    const now = this.options.clock.now();
    const attempt = recentRestarts(entry.history, now, periodMs).length;
    const shared = this.spec.budgetScope === 'supervisor';
    const verdict = recordRestart(shared ? this.sharedHistory : entry.history, now, intensity, periodMs);
    if (!verdict.allowed) {
      entry.status = 'stopped';
      if (entry.spec.onBudgetSpent === 'give-up') {
        this.remove(entry);
        this.emit({ type: 'gaveUp', supervisor: this.id, child, reason, restarts: entry.restarts });
        return;
      }
      this.escalate(entry, reason, verdict.history.length);
      return;
    }
    if (shared) {
      this.sharedHistory = verdict.history;
      entry.history = [...recentRestarts(entry.history, now, periodMs), now];
    } else {
      entry.history = verdict.history;
    }
    const delayMs = backoffDelay(backoff, attempt, this.options.random);
    entry.status = 'restarting';
    this.emit({ type: 'restarting', supervisor: this.id, child, reason, delayMs });
    entry.timer = this.options.clock.setTimeout(() => {
      entry.timer = undefined;
      if (this.state !== 'running' || entry.status !== 'restarting' || this.entries.get(child) !== entry) return;
      this.startEntry(entry, true);
    }, delayMs);
  }

  private escalate(entry: Entry, reason: ExitReason, restarts: number): void {
    const escalation = new SupervisorEscalation(
      this.id,
      entry.spec.id,
      restarts,
      this.spec.intensity,
      this.spec.periodMs,
      reason,
    );
    this.state = 'escalating';
    this.lastEscalation = escalation;
    this.emit({ type: 'escalated', supervisor: this.id, child: entry.spec.id, reason, escalation });
    this.shutdown = this.stopAll().then(() => {
      this.state = 'escalated';
      this.shutdown = undefined;
      if (this.parentExit !== undefined) return this.reportToParent({ kind: 'error', error: escalation });
      try {
        this.options.onEscalate?.(escalation);
      } catch {
        // The owner's callback must not break supervision; the escalation stays readable as `escalation`.
      }
    });
  }

  /** Cancels pending restarts, then stops running children one by one, last started first. */
  private async stopAll(): Promise<void> {
    const entries = [...this.entries.values()];
    for (const entry of entries) {
      if (entry.timer !== undefined) {
        this.options.clock.clearTimeout(entry.timer);
        entry.timer = undefined;
        entry.status = 'stopped';
        entry.token += 1;
      }
    }
    for (const entry of entries.reverse()) {
      if (entry.status === 'running' || entry.status === 'stopping') await this.stopEntry(entry);
      if (entry.spec.restart === 'temporary') this.remove(entry);
    }
  }

  private stopEntry(entry: Entry): Promise<void> {
    if (entry.timer !== undefined) {
      this.options.clock.clearTimeout(entry.timer);
      entry.timer = undefined;
    }
    if (entry.stopping !== undefined) return entry.stopping;
    entry.token += 1;
    if (entry.status !== 'running') {
      entry.status = 'stopped';
      return Promise.resolve();
    }
    entry.status = 'stopping';
    const handle = entry.starting
      ? new Promise<ChildHandle | undefined>((resolve) => {
          entry.lateStop = resolve;
        })
      : Promise.resolve(entry.handle);
    entry.handle = undefined;
    const { id, shutdownMs } = entry.spec;
    const stopping = handle
      .then((h) =>
        h === undefined
          ? undefined
          : stopWithin(h, shutdownMs, this.options.clock, () => new ShutdownTimeout(this.id, id, shutdownMs ?? 0)),
      )
      .then((problem) => {
        entry.status = 'stopped';
        entry.stopping = undefined;
        this.emit({
          type: 'stopped',
          supervisor: this.id,
          child: id,
          ...(problem === undefined ? {} : { reason: problem }),
        });
      });
    entry.stopping = stopping;
    return stopping;
  }

  private remove(entry: Entry): void {
    if (this.entries.get(entry.spec.id) !== entry) return;
    this.entries.delete(entry.spec.id);
    this.emit({ type: 'removed', supervisor: this.id, child: entry.spec.id });
  }

  private reportToParent(reason: ExitReason): void {
    const exit = this.parentExit;
    this.parentExit = undefined;
    try {
      exit?.(reason);
    } catch {
      // A parent's exit handler never throws; if one did, it must not become an unhandled rejection.
    }
  }

  private emit(event: SupervisorEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // An observer must not break supervision.
    }
  }
}
