/**
 * Over 300 lines: the lifecycle of one account on this worker — taken (its lease), retried,
 * supervised, let go — reads as one sequence of states and is kept together; what it drives
 * lives beside it: the positions (`account-positions.ts`), the sweeps and adoptions
 * (`account-sweeps.ts`), restoring and writing back (`account-restore.ts`).
 *
 * Everything one worker runs for one account: the ownership lease (with Redis), the account's
 * supervisor with its feed (`permanent`) and its position actors (`transient`, each quarantined
 * alone if it keeps crashing), the rehydration of the positions a previous worker left
 * (`rehydration.ts`), the writers that persist them, and what happens when any of that fails:
 * taking the account is retried with backoff and alerted, the lease let go meanwhile; a store
 * that lost its data gets back what this worker knows (`write-back.ts`); an account let go is
 * forgotten here (its rows too). Alerts of a worker that lost the lease are fenced like writes.
 *
 * Receives: intents and closes from the guard, lease changes. Sends: position actors into the
 * account's supervisor; snapshots to Redis; alerts; what fails without stopping anything to the
 * log (`component: 'account'`, the account bound). Touches: the port (through the actors), the
 * Redis store.
 */
import type { InspectionEvent } from 'xstate';
import type { Clock } from '../clock.js';
import { isPositionId, type PositionId } from '../domain/ids.js';
import type { Intent } from '../domain/intent.js';
import type { Logger } from '../log/logger.js';
import type { Market } from '../domain/market.js';
import type { AlertSink } from '../alerts/alert-sink.js';
import { JournalRefusals } from '../actors/journal-refusals.js';
import { wirePositionMachine, type WiredPositionMachine } from '../actors/position.wiring.js';
import type { SendGate } from '../actors/send-gate.js';
import type { PositionSettings } from '../machines/position.context.js';
import type { PositionStateName } from '../machines/position.machine.js';
import { MemoryJournal, RedisJournal, type Journal } from '../persistence/journal.js';
import type { Store } from '../persistence/store.js';
import { Supervisor, actorChild, describeExit, type SupervisorSpec } from '../supervisors/index.js';
import { NotOwner, errorText } from '../domain/errors.js';
import type { AlertDraft } from '../domain/alert.js';
import { LeaseLost } from '../persistence/store.js';
import type { AlertSubject } from '../alerts/alert-sink.js';
import { type SweepKind, type SweepReport } from '../sweeps/sweep.js';
import type { Random } from '../domain/random.js';
import type { AccountRuntime } from './account.js';
import { ActorHost } from './actor-host.js';
import { AccountLease } from './ownership.js';
import type { PositionRegistry, PositionRow } from './registry.js';
import { type Reservation } from './symbol-locks.js';
import { AccountPositions } from './account-positions.js';
import { rehydrate, restoreStore, type RestoreDeps } from './account-restore.js';
import { AccountSweeps, type SweepDeps } from './account-sweeps.js';
import { within } from './within.js';

export interface AccountWorkerDeps {
  readonly runtime: AccountRuntime;
  readonly clock: Clock;
  readonly leaseClock: Clock;
  readonly random: Random;
  readonly settings: PositionSettings;
  readonly registry: PositionRegistry;
  readonly alerts: AlertSink;
  readonly store: Store | undefined;
  /** Used instead of a journal of our own (tests, embedding without Redis). */
  readonly journal: Journal | undefined;
  readonly workerId: string;
  readonly leaseTtlMs: number;
  readonly supervision: Omit<SupervisorSpec, 'id' | 'children'>;
  readonly parent: Supervisor;
  readonly onTransition: (row: PositionRow, from: PositionStateName) => void;
  /** Told when a position's row changes without a change of state. */
  readonly onUpdate?: (row: PositionRow) => void;
  /** The root logger: failures that do not stop anything (a write retried, a lease not renewed) are logged on its child with `component: 'account'` and the account. */
  readonly log: Logger;
  readonly sweeps: SweepDeps;
  /** A new position id (time and randomness come from the guard). */
  readonly newId: () => PositionId;
  /** Closed when the guard begins to stop: no order leaves after that. */
  readonly gate?: SendGate;
  /** Told when this worker takes the account (with how many positions it restored) and when it loses it. */
  readonly onLease?: (change: LeaseChange) => void;
  /** Told of every inspection event of the account's position actors (the Stately inspector). */
  readonly inspect?: (event: InspectionEvent) => void;
  /** With Redis: how long a final position stays in memory (its row, its key) before only Redis keeps it; kept while the worker runs unless given. */
  readonly evictFinalAfterMs?: number;
}

/** This worker took the account (its lease, or the account without Redis) or lost it. */
export type LeaseChange =
  { readonly held: true; readonly restored: number; readonly mode: 'one-way' | 'hedge' } | { readonly held: false };

export class AccountWorker {
  private supervisor: Supervisor | undefined;
  private readonly lease: AccountLease | undefined;
  private readonly machine: WiredPositionMachine;
  private readonly journal: Journal;
  /** The positions driven here: their admission, writers and eviction. */
  private readonly positions: AccountPositions;
  private readonly sweeps: AccountSweeps;

  readonly runtime: AccountRuntime;
  private readonly log: Logger;
  /** When this worker last took the account (or found its store wiped): every earlier send left before it. */
  private heldSince: number;

  constructor(private readonly deps: AccountWorkerDeps) {
    const { runtime, store } = deps;
    this.runtime = runtime;
    this.log = deps.log.child({ component: 'account', account: runtime.id });
    this.heldSince = deps.clock.now();
    this.journal =
      deps.journal ??
      (store === undefined ? new MemoryJournal() : new RedisJournal(store, runtime.id, () => this.holder()));
    const fenced: AlertSink = { raise: (draft, subject) => this.raise(draft, subject), list: () => deps.alerts.list() };
    const refusals = new JournalRefusals();
    this.machine = wirePositionMachine({
      refusals,
      account: runtime.id,
      port: runtime.port,
      journal: this.journal,
      alerts: fenced,
      clock: deps.clock,
      known: (symbol) => runtime.evidence.latest(symbol),
      feedBaseline: (symbol) => runtime.feedBaseline(symbol),
      ...(runtime.poller === undefined ? {} : { evidence: runtime.poller }),
      ...(deps.gate === undefined ? {} : { gate: deps.gate }),
      heldSince: () => this.heldSince,
    });
    this.positions = new AccountPositions({
      runtime,
      machine: this.machine,
      // One XState system for the account's position actors (recording their events when they are persisted).
      host: new ActorHost(deps.clock, store !== undefined, deps.inspect),
      clock: deps.clock,
      settings: deps.settings,
      registry: deps.registry,
      store,
      onTransition: deps.onTransition,
      ...(deps.onUpdate === undefined ? {} : { onUpdate: deps.onUpdate }),
      log: this.log,
      ...(deps.evictFinalAfterMs === undefined ? {} : { evictFinalAfterMs: deps.evictFinalAfterMs }),
      supervisor: () => this.supervisor,
      holder: () => this.holder(),
      refusals,
    });
    this.sweeps = new AccountSweeps({
      runtime,
      clock: deps.clock,
      settings: deps.settings,
      registry: deps.registry,
      alerts: deps.alerts,
      journal: this.journal,
      machine: this.machine,
      positions: this.positions,
      sweeps: deps.sweeps,
      workerId: deps.workerId,
      newId: deps.newId,
      owns: () => this.owns(),
    });
    this.lease =
      store === undefined
        ? undefined
        : new AccountLease(
            store,
            runtime.id,
            deps.workerId,
            deps.leaseTtlMs,
            deps.leaseClock,
            {
              acquired: () => this.activate(),
              lost: async (wipedElsewhere) => {
                const known = this.deps.runtime.actors.size;
                await this.deactivate(true);
                deps.onLease?.({ held: false });
                if (wipedElsewhere) {
                  deps.alerts.raise(
                    {
                      kind: 'storeWiped',
                      message:
                        `the store of account ${runtime.id} lost its data and another worker took the account from an empty store; this worker drove ${known} live ` +
                        'positions it can no longer write back (its lease is gone): they are not tracked; the orphan sweep reports what the venue holds, a human should look',
                    },
                    { account: runtime.id },
                  );
                }
              },
              wiped: (holder) => {
                this.heldSince = deps.clock.now();
                return restoreStore(this.restoreDeps(), store, holder);
              },
              unreachable: (err) => this.log.warn({ err }, 'the lease could not be renewed'),
              startFailed: (e, retryInMs) => this.startFailed(e, retryInMs),
            },
            Math.floor(deps.random() * 0x1000000)
              .toString(16)
              .padStart(6, '0'),
          );
  }

  /**
   * Raises an alert about this account, fenced like a write: a worker that lost its lease (even
   * one that has not noticed yet, checked in Redis) raises nothing — the new owner speaks for the
   * account. A check that fails because Redis cannot be reached does not hold the alert back.
   */
  raise(draft: AlertDraft, subject: AlertSubject): void {
    if (this.lease === undefined) {
      this.deps.alerts.raise(draft, subject);
      return;
    }
    if (this.lease.holder === undefined) {
      this.log.warn(
        { alert: draft.kind, positionId: subject.positionId },
        'alert not raised: this worker no longer holds the lease of the account',
      );
      return;
    }
    const raised = this.journal.fence(`raising a ${draft.kind} alert`).then(
      () => this.deps.alerts.raise(draft, subject),
      (e: unknown) => {
        if (e instanceof LeaseLost)
          this.log.warn(
            { err: e, alert: draft.kind, positionId: subject.positionId },
            'alert not raised: the lease of the account was lost',
          );
        else this.deps.alerts.raise(draft, subject);
      },
    );
    this.alerting.add(raised);
    void raised.finally(() => this.alerting.delete(raised));
  }

  /** Alerts waiting for their fence check. */
  private readonly alerting = new Set<Promise<void>>();

  /** Another worker let the account's lease go: try to take it now. */
  takeNow(): void {
    this.lease?.poke();
  }

  get owned(): boolean {
    return this.supervisor !== undefined;
  }

  /**
   * Takes the account if it can (with Redis: its lease), rehydrating its positions first. A
   * failure to take it is alerted and retried with backoff; it never rejects.
   */
  async start(): Promise<void> {
    if (this.lease !== undefined) {
      await this.lease.start();
      return;
    }
    try {
      await this.activate();
      this.startFailures = 0;
    } catch (e) {
      this.startFailed(e, this.retryLater());
    }
  }

  private startFailures = 0;
  private retryTimer: unknown;

  /** Without Redis, taking the account again is timed here (with Redis, by its lease): 1 s doubling up to 60 s per failure in a row; answers the delay. */
  private retryLater(): number {
    this.startFailures += 1;
    const retryInMs = Math.min(1_000 * 2 ** Math.min(this.startFailures - 1, 10), 60_000);
    this.retryTimer = this.deps.clock.setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.stopping) void this.start();
    }, retryInMs);
    return retryInMs;
  }
  private stopping = false;
  /** Why the account is not driven here now (taking it failed, or its supervisor gave up), while it is retried. */
  unavailable: string | undefined;

  /** Taking the account failed: alerted once per streak, logged every time; it is tried again in `retryInMs`. */
  private startFailed(e: unknown, retryInMs: number): void {
    const { runtime } = this.deps;
    this.unavailable = `${errorText(e)}; retried in ${Math.round(retryInMs / 1000)} s`;
    this.log.warn(
      { err: e, retryInMs },
      `the account could not be taken; trying again in ${Math.round(retryInMs / 1000)} s`,
    );
    this.deps.alerts.raise(
      {
        kind: 'accountUnguarded',
        message:
          `posguard could not take account ${runtime.id}: ${errorText(e)}. Its positions are not driven by this worker; ` +
          `it let the account go (another worker may take it) and tries again in ${Math.round(retryInMs / 1000)} s`,
      },
      { account: runtime.id },
    );
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.retryTimer !== undefined) this.deps.clock.clearTimeout(this.retryTimer);
    await this.deactivate(false);
    await this.lease?.stop();
  }

  /**
   * Asks the position to close, only while this worker owns the account: the lease is checked in
   * Redis first, so a worker that lost it without noticing yet refuses (`NotOwner`) rather than
   * accept a close it would drop.
   */
  async close(id: PositionId, requestId: string | undefined, reason: 'user' | 'flatten' = 'user'): Promise<boolean> {
    const actor = this.deps.runtime.actors.get(id);
    if (actor === undefined) return false;
    if (this.lease !== undefined && !(await this.lease.check())) throw new NotOwner(this.deps.runtime.id);
    actor.send({ type: 'CLOSE', reason, at: this.deps.clock.now(), ...(requestId === undefined ? {} : { requestId }) });
    return true;
  }

  /**
   * Starts a new position on the symbol `reservation` holds; resolves once its intent is
   * journalled. Throws `NotOwner` when the account was let go meanwhile (the reservation went
   * with it).
   */
  async open(reservation: Reservation, id: PositionId, intent: Intent, market: Market): Promise<void> {
    await this.positions.admit(reservation, this.positions.inputOf(id, intent, market, this.deps.runtime.feedUp));
  }

  /** Idempotency keys of the positions this worker drives. */
  get keys(): ReadonlyMap<string, PositionId> {
    return this.positions.keys;
  }

  /** What restoring the account needs (`account-restore.ts`); its alerts fenced by the lease. */
  private restoreDeps(): RestoreDeps {
    const { runtime, clock, alerts } = this.deps;
    return {
      runtime,
      clock,
      machine: this.machine,
      positions: this.positions,
      alerts,
      raise: (draft, subject) => this.raise(draft, subject),
    };
  }

  private holder(): string {
    const holder = this.lease?.holder;
    if (holder === undefined) throw new Error(`this worker does not hold the lease of account ${this.deps.runtime.id}`);
    return holder;
  }

  /** Runs one sweep of this account now, only while this worker owns it (see `AccountSweeps`). */
  sweep(kind: SweepKind): Promise<SweepReport> {
    return this.sweeps.sweep(kind);
  }

  /** An operator's adopt or flatten of an orphan a sweep found (see `AccountSweeps.takeOrphan`). */
  takeOrphan(
    symbol: string,
    how: 'adopt' | 'flatten',
    expected: { readonly side: string; readonly size: number },
  ): Promise<PositionId> {
    return this.sweeps.takeOrphan(symbol, how, expected);
  }

  /** Whether this worker drives the account now, its lease checked in Redis. */
  private async owns(): Promise<boolean> {
    return this.supervisor !== undefined && (this.lease === undefined || (await this.lease.check()));
  }

  /**
   * Takes the account: markets and mode, the supervisor, every stored position (see
   * `rehydration.ts`), one orphan sweep, the sweep schedule, then the feed. On any failure what
   * was started is stopped again and the error thrown (the lease is let go and taken again later).
   */
  private async activate(): Promise<void> {
    const { runtime, store } = this.deps;
    this.heldSince = this.deps.clock.now();
    try {
      await runtime.load();
      const supervisor = this.newSupervisor();
      this.supervisor = supervisor;
      this.deps.parent.startChild(supervisor.asChild('temporary', 5_000));
      const restored = store === undefined ? 0 : await rehydrate(this.restoreDeps(), store);
      // One orphan sweep before the guard resolves, then the schedule, then the feed: its resync
      // catches the restored positions up after the sweep has compared them with the venue.
      const first = await this.sweep('orphans');
      if (first.error !== undefined)
        this.log.warn(
          { sweep: 'orphans', reason: first.error },
          'the first orphan sweep failed; it runs again on its schedule',
        );
      try {
        await this.deps.sweeps.scheduler.start(runtime.id, (kind) => this.sweep(kind));
      } finally {
        // The restored positions need their feed whatever became of the schedule, unless the
        // account was let go meanwhile (its lease lost): then there is no feed to start.
        if (this.supervisor === supervisor)
          supervisor.startChild(
            actorChild({ id: 'feed', restart: 'permanent', shutdownMs: 2_000, create: () => runtime.createFeed() }),
          );
      }
      if (this.supervisor === supervisor) {
        this.unavailable = undefined;
        this.deps.onLease?.({ held: true, restored, mode: runtime.mode });
      }
    } catch (e) {
      await this.deactivate(true);
      throw e;
    }
  }

  /**
   * The account's supervisor: a position that keeps crashing is quarantined alone (`gaveUp`), and
   * when the account's own budget is spent (its feed keeps failing) the account alone is let go
   * and taken again later — never the whole guard.
   */
  private newSupervisor(): Supervisor {
    const { runtime, clock } = this.deps;
    const supervisor: Supervisor = new Supervisor(
      { ...this.deps.supervision, id: `account:${runtime.id}`, children: [] },
      {
        clock,
        random: this.deps.random,
        onEvent: (e) => {
          if (e.type === 'restarting' && e.reason !== undefined)
            this.log.warn(
              {
                ...(isPositionId(e.child) ? { positionId: e.child } : { child: e.child }),
                ...(e.reason.kind === 'normal' ? { exit: 'normal' } : { err: e.reason.error }),
                restartInMs: e.delayMs,
              },
              `an actor exited (${describeExit(e.reason)}); restarting it`,
            );
          if (e.type === 'gaveUp')
            this.quarantined(
              e.child as PositionId,
              e.reason === undefined ? 'it kept crashing' : describeExit(e.reason),
            );
          if (e.type === 'escalated' && this.supervisor === supervisor)
            void this.escalated(e.escalation?.message ?? 'its restart budget is spent');
        },
      },
    );
    return supervisor;
  }

  /** A position actor that kept crashing left the supervisor: its symbol stays locked, a human is told. */
  private quarantined(id: PositionId, why: string): void {
    const { runtime } = this.deps;
    const row = this.deps.registry.get(id);
    runtime.actors.delete(id);
    this.raise(
      {
        kind: 'mismatch',
        topic: 'quarantined',
        message:
          `position ${id}${row === undefined ? '' : ` (${row.side} ${row.amount} ${row.symbol})`} kept crashing (${why}) and is quarantined: ` +
          'posguard no longer drives it and opens nothing on its symbol; a human should look',
      },
      { account: runtime.id, positionId: id, ...(row === undefined ? {} : { symbol: row.symbol }) },
    );
  }

  /** The account's supervisor spent its budget: the account alone is let go, alerted, and taken again after a backoff. */
  private async escalated(why: string): Promise<void> {
    const { runtime } = this.deps;
    this.deps.alerts.raise(
      {
        kind: 'supervisorEscalation',
        message: `account ${runtime.id}: ${why}; the account is let go and taken again after a backoff; other accounts run on`,
      },
      { account: runtime.id },
    );
    await this.deactivate(true);
    this.deps.onLease?.({ held: false });
    if (this.lease !== undefined) {
      await this.lease.relinquish(new Error(why));
      return;
    }
    this.unavailable = `${why}; retried in ${Math.round(this.retryLater() / 1000)} s`;
  }

  /**
   * Lets the account go: its actors first (nothing more is sent or decided here), then its sweep
   * schedule (bounded), its writers and what this worker knew of it. `forget`: its rows go too
   * (another worker drives it now, or nobody; this worker's view is stale).
   */
  private async deactivate(forget: boolean): Promise<void> {
    const { runtime } = this.deps;
    const supervisor = this.supervisor;
    this.supervisor = undefined;
    if (supervisor !== undefined) await this.deps.parent.stopChild(supervisor.id);
    await within(this.deps.sweeps.scheduler.stop(runtime.id), 5_000);
    this.positions.clear();
    runtime.release();
    runtime.actors.clear();
    runtime.locks.clear();
    if (forget) this.deps.registry.removeAccount(runtime.id);
  }

  /** Resolves once every queued snapshot is written and every alert raised so far is handed to the sink (tests, graceful stop). */
  async flushed(): Promise<void> {
    await this.positions.flushed();
    await Promise.all([...this.alerting]);
  }
}
