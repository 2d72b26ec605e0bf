/**
 * Over 300 lines on purpose: one scheduler whose lanes, merges, backoff and release share one queue; the lane choice is pure and apart (lanes.ts).
 *
 * One account's request scheduler (see docs/architecture.md, Request budget): every call to
 * the venue is a ticket in one of four lanes (closes and stops, entries, queries, sweeps); the
 * next to leave is the pure `chooseLane`'s pick, and it leaves when the account's and the
 * host's buckets can pay its cost and no backoff holds. Rules kept here:
 *
 * - only queries are merged, and only into a request that has not left yet, so a waiter never
 *   gets a reply whose request left before it asked;
 * - a state-changing call is run once (never retried here: a refusal is its answer, and the
 *   machine decides), never merged, and never leaves before an earlier state-changing call of
 *   its symbol has left;
 * - `beforeWire` (the fenced send claim) runs when the call is released to the wire, so an
 *   order held in a backoff while its worker lost the lease never leaves;
 * - the queue is bounded: a full queue refuses with `RequestQueueFull`, nothing is dropped.
 *
 * Receives tickets; sends them to the venue through their `send`. Owns its queues, its
 * account budget and its timers; reports backoffs on `onEvent`.
 *
 * @example
 * const s = new RequestScheduler({ account: 'main', limits, host, clock });
 * const reports = await s.submit({ lane: 'query', label: 'fetchPositions', mergeKey: 'positions', cost, send: () => port.fetchPositions(), refusal });
 */
import type { Clock } from '../clock.js';
import { PosguardError } from '../domain/errors.js';
import { dueAlert, type Backoff } from './backoff.js';
import { LimitBudget, type BudgetHeadroom } from './host-budget.js';
import { LANES, changesState, chooseLane, type Lane } from './lanes.js';
import type { LimitScope, VenueLimits } from './venue-limits.js';

export type Settled<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

export interface Ticket<T> {
  readonly lane: Lane;
  /** The call's name, for errors and events (`createOrder`, `fetchPositions`). */
  readonly label: string;
  /** A state-changing call's symbol: calls of one symbol leave in the order they were asked. */
  readonly symbol?: string;
  /** Queries only: an identical query still queued is asked once for both. */
  readonly mergeKey?: string;
  /** Tokens by bucket name (`VenueLimits.cost`). */
  readonly cost: Readonly<Record<string, number>>;
  /** Runs when the call is released, before it leaves: a value means it does not leave, and is its answer. */
  readonly beforeWire?: () => Promise<T | undefined>;
  readonly send: () => Promise<T>;
  /** The venue's rate-limit refusal in what the call settled with (its wait, if it gave one), else `undefined`. */
  readonly refusal: (settled: Settled<T>) => { readonly retryAfterMs: number | undefined } | undefined;
}

/** What the scheduler reports: a refusal backing a limit off, a run of them lasting long enough to alert, its end. */
export type BudgetEvent =
  | {
      readonly type: 'backoff';
      readonly account: string;
      readonly scope: LimitScope;
      readonly budget: string;
      readonly label: string;
      readonly until: number;
      readonly run: number;
    }
  | {
      readonly type: 'sustained';
      readonly account: string;
      readonly scope: LimitScope;
      readonly budget: string;
      readonly sinceMs: number;
      readonly waitMs: number;
    }
  | { readonly type: 'recovered'; readonly account: string; readonly scope: LimitScope; readonly budget: string };

export class RequestQueueFull extends PosguardError {
  readonly code = 'REQUEST_QUEUE_FULL';
  constructor(
    readonly account: string,
    readonly label: string,
    readonly limit: number,
  ) {
    super(
      `${label} was not sent: account ${account} already has ${limit} requests waiting for the venue's budget; nothing was sent, try again once the queue drains`,
    );
  }
}

export class SchedulerClosed extends PosguardError {
  readonly code = 'SCHEDULER_CLOSED';
  constructor(
    readonly account: string,
    readonly label: string,
  ) {
    super(`${label} was not sent: account ${account}'s request scheduler is closed (the account was let go)`);
  }
}

export interface SchedulerOptions {
  readonly account: string;
  readonly limits: VenueLimits;
  /** The IP-scoped budget this account shares with the process's other accounts on its host. */
  readonly host: LimitBudget;
  readonly clock: Clock;
  /** Requests waiting at most (default 1,000). */
  readonly maxQueued?: number;
  /** Queries and sweeps in flight at most (closes, stops and entries are not held by it; default 4). */
  readonly maxQueriesInFlight?: number;
  /** A waiting sweep leaves at least once in this many releases (default 5). */
  readonly sweepEvery?: number;
  /** A run of refusals lasting this long is reported `sustained` once (default 30 s). */
  readonly sustainedMs?: number;
  readonly onEvent?: (e: BudgetEvent) => void;
}

interface Waiter {
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

interface Job {
  readonly ticket: Ticket<unknown>;
  readonly seq: number;
  readonly waiters: Waiter[];
}

export interface SchedulerStats {
  readonly queued: Readonly<Record<Lane, number>>;
  readonly released: Readonly<Record<Lane, number>>;
  readonly merged: number;
  readonly refusals: number;
}

const perLane = <T>(v: () => T): Record<Lane, T> => ({ trading: v(), entry: v(), query: v(), sweep: v() });

export class RequestScheduler {
  private readonly queues = perLane<Job[]>(() => []);
  private readonly released = perLane(() => 0);
  private readonly account: LimitBudget;
  private readonly releasing = new Map<string, number>();
  private seq = 0;
  private queued = 0;
  private queriesInFlight = 0;
  private sinceSweep = 0;
  private merged = 0;
  private refusals = 0;
  private wake: { handle: unknown; at: number } | undefined;
  private pumping = false;
  private closed = false;

  constructor(private readonly o: SchedulerOptions) {
    this.account = LimitBudget.of(`account ${o.account}`, o.limits, 'account', o.clock.now());
  }

  /** The call's answer once it has left and settled (or its `beforeWire` answered). */
  submit<T>(ticket: Ticket<T>): Promise<T> {
    if (this.closed) return Promise.reject(new SchedulerClosed(this.o.account, ticket.label));
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = { resolve: resolve as (v: unknown) => void, reject };
      const twin =
        ticket.mergeKey === undefined || changesState(ticket.lane)
          ? undefined
          : this.queues[ticket.lane].find((j) => j.ticket.mergeKey === ticket.mergeKey);
      if (twin !== undefined) {
        this.merged += 1;
        twin.waiters.push(waiter);
        return;
      }
      const limit = this.o.maxQueued ?? 1_000;
      if (this.queued >= limit) {
        reject(new RequestQueueFull(this.o.account, ticket.label, limit));
        return;
      }
      this.queued += 1;
      this.queues[ticket.lane].push({ ticket: ticket as Ticket<unknown>, seq: this.seq++, waiters: [waiter] });
      this.pump();
    });
  }

  /**
   * Whether a state-changing call of `lane` on `symbol`, asked now, would be released at once:
   * no call of its symbol waiting or being released, no waiting call that `chooseLane` puts
   * first, its cost payable and no backoff. A guess for the caller to plan with (the entry fast
   * path's journal write with its claim); whether a call was in fact held is what its
   * `beforeWire` finds.
   */
  wouldReleaseNow(lane: Lane, symbol: string, cost: Readonly<Record<string, number>>): boolean {
    if (this.closed || !changesState(lane) || (this.releasing.get(symbol) ?? 0) > 0) return false;
    if (this.queues.trading.some((j) => j.ticket.symbol === symbol)) return false;
    if (this.queues.entry.some((j) => j.ticket.symbol === symbol)) return false;
    const ready = perLaneOf((l) => l === lane || this.next(l) !== undefined);
    if (chooseLane({ ready, sinceSweep: this.sinceSweep, sweepEvery: this.o.sweepEvery ?? 5 }) !== lane) return false;
    const now = this.o.clock.now();
    return Math.max(this.account.waitMs(cost, now), this.o.host.waitMs(cost, now)) === 0;
  }

  stats(): SchedulerStats {
    return {
      queued: perLaneOf((l) => this.queues[l].length),
      released: { ...this.released },
      merged: this.merged,
      refusals: this.refusals,
    };
  }

  /** What is left of every limit the account's requests draw from: its own, then its host's. */
  headroom(): BudgetHeadroom[] {
    const now = this.o.clock.now();
    return [...this.account.headroom(now), ...this.o.host.headroom(now)];
  }

  /** The backoff of the account's own limits and of its host's. */
  backoffs(): { readonly account: Backoff; readonly host: Backoff } {
    return { account: this.account.backoff, host: this.o.host.backoff };
  }

  /** Refuses everything still waiting (`SchedulerClosed`); calls in flight settle as they do. */
  close(): void {
    this.closed = true;
    if (this.wake !== undefined) this.o.clock.clearTimeout(this.wake.handle);
    this.wake = undefined;
    for (const lane of LANES) {
      for (const job of this.queues[lane].splice(0))
        for (const w of job.waiters) w.reject(new SchedulerClosed(this.o.account, job.ticket.label));
    }
    this.queued = 0;
  }

  /**
   * The job of `lane` that may leave next: a query lane's head while fewer than
   * `maxQueriesInFlight` queries are out; in a state-changing lane, the first call whose symbol
   * has no earlier state-changing call still waiting or being released (calls of other
   * symbols are not held behind it).
   */
  private next(lane: Lane): Job | undefined {
    const queue = this.queues[lane];
    if (!changesState(lane)) return this.queriesInFlight < (this.o.maxQueriesInFlight ?? 4) ? queue[0] : undefined;
    return queue.find((job) => {
      const symbol = job.ticket.symbol;
      if (symbol === undefined) return true;
      if ((this.releasing.get(symbol) ?? 0) > 0) return false;
      return (
        !this.queues.trading.some((j) => j.ticket.symbol === symbol && j.seq < job.seq) &&
        !this.queues.entry.some((j) => j.ticket.symbol === symbol && j.seq < job.seq)
      );
    });
  }

  private pump(): void {
    if (this.pumping || this.closed) return;
    this.pumping = true;
    try {
      for (;;) {
        const next = perLaneOf((l) => this.next(l));
        const lane = chooseLane({
          ready: perLaneOf((l) => next[l] !== undefined),
          sinceSweep: this.sinceSweep,
          sweepEvery: this.o.sweepEvery ?? 5,
        });
        if (lane === undefined) return;
        const job = next[lane] as Job;
        const now = this.o.clock.now();
        const wait = Math.max(this.account.waitMs(job.ticket.cost, now), this.o.host.waitMs(job.ticket.cost, now));
        if (wait > 0) {
          this.wakeIn(wait);
          return;
        }
        this.queues[lane].splice(this.queues[lane].indexOf(job), 1);
        this.queued -= 1;
        this.account.pay(job.ticket.cost, now);
        this.o.host.pay(job.ticket.cost, now);
        this.released[lane] += 1;
        this.sinceSweep = lane === 'sweep' ? 0 : this.sinceSweep + 1;
        void this.release(lane, job);
      }
    } finally {
      this.pumping = false;
    }
  }

  private wakeIn(ms: number): void {
    const at = this.o.clock.now() + ms;
    if (this.wake !== undefined && this.wake.at <= at) return;
    if (this.wake !== undefined) this.o.clock.clearTimeout(this.wake.handle);
    const handle = this.o.clock.setTimeout(() => {
      this.wake = undefined;
      this.pump();
    }, ms);
    this.wake = { handle, at };
  }

  private async release(lane: Lane, job: Job): Promise<void> {
    const { ticket } = job;
    const symbol = changesState(lane) ? ticket.symbol : undefined;
    if (symbol !== undefined) this.releasing.set(symbol, (this.releasing.get(symbol) ?? 0) + 1);
    if (!changesState(lane)) this.queriesInFlight += 1;
    const unmark = (): void => {
      if (symbol === undefined) return;
      const n = (this.releasing.get(symbol) ?? 1) - 1;
      if (n <= 0) this.releasing.delete(symbol);
      else this.releasing.set(symbol, n);
    };
    let settled: Settled<unknown>;
    try {
      const held = ticket.beforeWire === undefined ? undefined : await ticket.beforeWire();
      if (held !== undefined) {
        unmark();
        settled = { ok: true, value: held };
      } else {
        const sent = ticket.send();
        // It has left: the next call of its symbol may follow.
        unmark();
        this.pump();
        settled = await sent.then(
          (value) => ({ ok: true as const, value }),
          (error: unknown) => ({ ok: false as const, error }),
        );
        this.judge(ticket, settled);
      }
    } catch (error) {
      unmark();
      settled = { ok: false, error };
    }
    if (!changesState(lane)) this.queriesInFlight -= 1;
    for (const w of job.waiters) {
      if (settled.ok) w.resolve(settled.value);
      else w.reject(settled.error);
    }
    this.pump();
  }

  /** A refusal backs off the budget it was counted against; an answer ends the run. */
  private judge(ticket: Ticket<unknown>, settled: Settled<unknown>): void {
    const scope = this.o.limits.refusalScope;
    const budget = scope === 'host' ? this.o.host : this.account;
    const refusal = ticket.refusal(settled);
    const now = this.o.clock.now();
    if (refusal === undefined) {
      if (budget.backoff.run > 0)
        this.o.onEvent?.({ type: 'recovered', account: this.o.account, scope, budget: budget.name });
      budget.answered();
      return;
    }
    this.refusals += 1;
    const b = budget.refused(refusal.retryAfterMs, now);
    this.o.onEvent?.({
      type: 'backoff',
      account: this.o.account,
      scope,
      budget: budget.name,
      label: ticket.label,
      until: b.until,
      run: b.run,
    });
    const sustainedMs = this.o.sustainedMs ?? 30_000;
    if (dueAlert(b, now, sustainedMs)) {
      budget.markAlerted();
      this.o.onEvent?.({
        type: 'sustained',
        account: this.o.account,
        scope,
        budget: budget.name,
        sinceMs: now - (b.since ?? now),
        waitMs: Math.max(0, b.until - now),
      });
    }
  }
}

function perLaneOf<T>(f: (lane: Lane) => T): Record<Lane, T> {
  return { trading: f('trading'), entry: f('entry'), query: f('query'), sweep: f('sweep') };
}
