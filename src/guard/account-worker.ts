/**
 * Over 300 lines, a known debt (issue 13): lease, admission, restore, sweeps and hand-over of one account
 * are still one class, to be split.
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
 * account's supervisor; snapshots to Redis; alerts. Touches: the port (through the actors), the
 * Redis store.
 */
import type { InspectionEvent, Snapshot } from 'xstate';
import type { Clock } from '../clock.js';
import type { PositionId } from '../domain/ids.js';
import type { Intent } from '../domain/intent.js';
import type { Market } from '../domain/market.js';
import type { AlertSink } from '../alerts/alert-sink.js';
import { wirePositionMachine, type WiredPositionMachine } from '../actors/position.wiring.js';
import type { SendGate } from '../actors/send-gate.js';
import type { PositionSettings } from '../machines/position.context.js';
import type { PositionStateName } from '../machines/position.machine.js';
import { MemoryJournal, RedisJournal, type Journal } from '../persistence/journal.js';
import { PositionWriter, type WriterTarget } from '../persistence/position-writer.js';
import type { SnapshotWrite, Store } from '../persistence/store.js';
import { stateName } from './registry.js';
import { Supervisor, actorChild, describeExit, type SupervisorSpec } from '../supervisors/index.js';
import { clientOrderId } from '../domain/client-order-id.js';
import { asClientOrderId } from '../domain/ids.js';
import { NotOwner, OrphanRefused, SymbolBusy, errorText } from '../domain/errors.js';
import { sourceLags } from '../domain/freshness.js';
import { judgeOrphanRead } from '../domain/orphan-read.js';
import { strayStops } from '../domain/stray-stops.js';
import type { PositionStatusReport } from '../domain/reports.js';
import { FINAL_STATES, adoptedContext } from '../machines/position.machine.js';
import type { PositionInput } from '../machines/position.events.js';
import { expectsStop } from '../machines/position.queries.js';
import { initialContext } from '../machines/position.start.js';
import { versioned } from '../machines/position.migrate.js';
import type { AlertDraft } from '../domain/alert.js';
import { LeaseLost } from '../persistence/store.js';
import type { AlertSubject } from '../alerts/alert-sink.js';
import { journalOnlyContext, planRehydration } from './rehydration.js';
import { writeBack } from './write-back.js';
import type { LocalPosition, ReconcileSettings } from '../sweeps/reconcile.js';
import type { SweepScheduler } from '../sweeps/scheduler.js';
import { runSweep, type OrphanPolicy, type SweepKind, type SweepReport } from '../sweeps/sweep.js';
import type { Random } from '../domain/random.js';
import type { AccountRuntime } from './account.js';
import { ActorHost } from './actor-host.js';
import { AccountLease } from './ownership.js';
import { positionChild } from './position-child.js';
import type { PositionRegistry, PositionRow } from './registry.js';
import { ReservationLost, type Reservation } from './symbol-locks.js';
import { evictFinal } from '../fleet/eviction.js';

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
  /** Told of failures that do not stop anything (a write retried, Redis unreachable). */
  readonly onTrouble: (what: string, error: unknown) => void;
  readonly sweeps: {
    readonly scheduler: SweepScheduler;
    readonly settings: ReconcileSettingsBase;
    readonly policy: OrphanPolicy;
    readonly onReport: (report: SweepReport) => Promise<void>;
  };
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

/** Reconciliation settings without the per-market size tolerance. */
export type ReconcileSettingsBase = Omit<ReconcileSettings, 'sizeTolerance'>;

export class AccountWorker {
  private supervisor: Supervisor | undefined;
  private readonly lease: AccountLease | undefined;
  private readonly machine: WiredPositionMachine;
  private readonly journal: Journal;
  private readonly writers = new Map<PositionId, PositionWriter>();
  /** One XState system for the account's position actors (recording their events when they are persisted). */
  private readonly host: ActorHost;
  /** Idempotency keys of the positions this worker drives. */
  readonly keys = new Map<string, PositionId>();

  readonly runtime: AccountRuntime;

  constructor(private readonly deps: AccountWorkerDeps) {
    const { runtime, store } = deps;
    this.runtime = runtime;
    this.host = new ActorHost(deps.clock, store !== undefined, deps.inspect);
    this.journal =
      deps.journal ??
      (store === undefined ? new MemoryJournal() : new RedisJournal(store, runtime.id, () => this.holder()));
    const fenced: AlertSink = { raise: (draft, subject) => this.raise(draft, subject), list: () => deps.alerts.list() };
    this.machine = wirePositionMachine({
      account: runtime.id,
      port: runtime.port,
      journal: this.journal,
      alerts: fenced,
      clock: deps.clock,
      known: (symbol) => runtime.evidence.latest(symbol),
      feedBaseline: (symbol) => runtime.feedBaseline(symbol),
      ...(runtime.poller === undefined ? {} : { evidence: runtime.poller }),
      ...(deps.gate === undefined ? {} : { gate: deps.gate }),
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
              wiped: (holder) => this.restoreStore(holder),
              unreachable: (e) => deps.onTrouble(`the lease of account ${runtime.id} could not be renewed`, e),
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
      this.deps.onTrouble(
        `alert not raised: this worker no longer holds the lease of account ${this.deps.runtime.id}: ${draft.kind}`,
        undefined,
      );
      return;
    }
    const raised = this.journal.fence(`raising a ${draft.kind} alert`).then(
      () => this.deps.alerts.raise(draft, subject),
      (e: unknown) => {
        if (e instanceof LeaseLost) this.deps.onTrouble(`alert not raised: ${errorText(e)}: ${draft.kind}`, undefined);
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
      this.startFailures += 1;
      const retryInMs = Math.min(1_000 * 2 ** Math.min(this.startFailures - 1, 10), 60_000);
      this.startFailed(e, retryInMs);
      this.retryTimer = this.deps.clock.setTimeout(() => {
        this.retryTimer = undefined;
        if (!this.stopping) void this.start();
      }, retryInMs);
    }
  }

  private startFailures = 0;
  private retryTimer: unknown;
  private stopping = false;
  /** Why the account is not driven here now (taking it failed, or its supervisor gave up), while it is retried. */
  unavailable: string | undefined;

  /** Taking the account failed: alerted once per streak, logged every time; it is tried again in `retryInMs`. */
  private startFailed(e: unknown, retryInMs: number): void {
    const { runtime } = this.deps;
    this.unavailable = `${errorText(e)}; retried in ${Math.round(retryInMs / 1000)} s`;
    this.deps.onTrouble(
      `account ${runtime.id} could not be taken (${errorText(e)}); trying again in ${Math.round(retryInMs / 1000)} s`,
      e,
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
    actor.send({ type: 'CLOSE', reason, ...(requestId === undefined ? {} : { requestId }) });
    return true;
  }

  /**
   * Starts a new position on the symbol `reservation` holds; resolves once its intent is
   * journalled. Throws `NotOwner` when the account was let go meanwhile (the reservation went
   * with it).
   */
  async open(reservation: Reservation, id: PositionId, intent: Intent, market: Market): Promise<void> {
    await this.admit(reservation, this.inputOf(id, intent, market, this.deps.runtime.feedUp));
  }

  private inputOf(id: PositionId, intent: Intent, market: Market, feedUp: boolean): PositionInput {
    const { runtime, clock, settings } = this.deps;
    return { id, intent, market, hedgeMode: runtime.mode === 'hedge', settings, now: clock.now(), feedUp };
  }

  /**
   * Admits a position into this account — a new intent, an adopted orphan, a rehydrated one:
   * its symbol lock is committed to it, its row and idempotency key recorded, its actor
   * started (from `snapshot` when given). The one way a position enters the account.
   */
  private admit(reservation: Reservation, input: PositionInput, snapshot?: Snapshot<unknown>): Promise<void> {
    const { runtime, registry, clock } = this.deps;
    if (this.supervisor === undefined) {
      runtime.locks.cancel(reservation);
      throw new NotOwner(runtime.id);
    }
    try {
      runtime.locks.commit(reservation, input.id);
    } catch (e) {
      if (e instanceof ReservationLost) throw new NotOwner(runtime.id);
      throw e;
    }
    registry.track(input.id, input.intent, clock.now());
    if (input.intent.idempotencyKey !== undefined) this.keys.set(input.intent.idempotencyKey, input.id);
    return this.child(input.id, input, snapshot);
  }

  private holder(): string {
    const holder = this.lease?.holder;
    if (holder === undefined) throw new Error(`this worker does not hold the lease of account ${this.deps.runtime.id}`);
    return holder;
  }

  private child(
    id: PositionId,
    input: Parameters<typeof positionChild>[1],
    snapshot?: Snapshot<unknown>,
  ): Promise<void> {
    const supervisor = this.supervisor;
    if (supervisor === undefined) throw new Error(`account ${this.deps.runtime.id} is not driven by this worker`);
    const { store, clock, runtime } = this.deps;
    const writer = store === undefined ? undefined : new PositionWriter(new SnapshotSink(this, id), clock);
    if (writer !== undefined) this.writers.set(id, writer);
    const made = positionChild(
      {
        machine: this.machine,
        clock,
        runtime,
        registry: this.deps.registry,
        writer,
        host: this.host,
        onTransition: this.deps.onTransition,
        onFinal: this.released,
        ...(this.deps.onUpdate === undefined ? {} : { onUpdate: this.deps.onUpdate }),
      },
      input,
      snapshot,
    );
    supervisor.startChild(made.spec);
    return made.journalled;
  }

  /**
   * A final position's writer is let go once its last snapshot is written; with Redis, its row
   * and key leave memory `evictFinalAfterMs` later (Redis answers for it from then on).
   */
  private readonly released = (id: PositionId): void => {
    const writer = this.writers.get(id);
    void writer?.flushed().then(() => {
      if (this.writers.get(id) === writer) this.writers.delete(id);
    });
    const after = this.deps.evictFinalAfterMs;
    if (this.deps.store === undefined || after === undefined) return;
    const timer = this.deps.clock.setTimeout(() => {
      this.evictions.delete(timer);
      evictFinal(id, this.deps.registry, this.keys);
    }, after);
    this.evictions.add(timer);
  };

  /** The timers of final positions waiting to leave memory. */
  private readonly evictions = new Set<unknown>();

  /** Writes a position's snapshot under this worker's lease (its `SnapshotSink` calls it). */
  saveSnapshot(w: SnapshotWrite): Promise<void> {
    const store = this.deps.store;
    if (store === undefined) return Promise.resolve();
    return store.saveSnapshot(this.deps.runtime.id, this.holder(), {
      ...w,
      snapshot: versioned(this.machine.getPersistedSnapshot(w.snapshot as never)),
    });
  }

  /** Told by a position's writer that a write failed (it retries by itself). */
  writeFailed(id: PositionId, error: unknown, attempt: number): void {
    if (attempt === 1) this.deps.onTrouble(`position ${id} could not be saved; retrying`, error);
  }

  /**
   * Runs one sweep of this account now, only while this worker owns it: the lease is checked
   * in Redis first, so a worker that lost it without noticing yet does not act on its stale view.
   */
  async sweep(kind: SweepKind): Promise<SweepReport> {
    const { runtime, clock, sweeps } = this.deps;
    if (this.supervisor === undefined || (this.lease !== undefined && !(await this.lease.check())))
      throw new NotOwner(runtime.id);
    const report = await runSweep(kind, {
      account: runtime.id,
      port: runtime.sweepPort,
      now: () => clock.now(),
      local: () => this.localView(),
      known: () => runtime.evidence.all(),
      settings: {
        ...sweeps.settings,
        sizeTolerance: Math.min(...[...runtime.markets.values()].map((m) => m.amountStep), 1),
      },
      policy: sweeps.policy,
      runId: () => `${kind}-${this.newRunId()}`,
      worker: this.deps.workerId,
      actions: {
        raise: (draft, subject) => this.deps.alerts.raise(draft, { account: runtime.id, ...subject }),
        adopt: (report) => this.adopt(report),
        flatten: async (report) => {
          const id = await this.adopt(report);
          runtime.actors.get(id)?.send({ type: 'CLOSE', reason: 'flatten' });
          return id;
        },
        cancelStop: async (symbol, cid) => {
          await this.journal.fence(`cancelling the leftover stop ${cid}`);
          const outcome = await runtime.port.cancelOrder({ clientOrderId: asClientOrderId(cid) }, symbol);
          return outcome.kind === 'accepted'
            ? `cancelled ${cid}`
            : `cancelling ${cid}: ${outcome.kind} (${outcome.reason})`;
        },
      },
    });
    await sweeps.onReport(report);
    return report;
  }

  private runs = 0;
  private newRunId(): string {
    return `${this.deps.clock.now()}-${++this.runs}`;
  }

  /** What this worker believes of the account's positions, for the sweeps: every row, and every symbol held (reservations included). */
  private localView(): { positions: LocalPosition[]; tracked: string[] } {
    const { runtime, registry } = this.deps;
    const positions = registry
      .rows()
      .filter((r) => r.account === runtime.id)
      .map((r) => {
        const ctx = runtime.actors.get(r.id)?.getSnapshot().context;
        return {
          id: r.id,
          symbol: r.symbol,
          side: r.side,
          state: r.state,
          final: FINAL_STATES.includes(r.state),
          size: r.size,
          updatedAt: r.updatedAt,
          expectsStop: ctx !== undefined && expectsStop(ctx),
        };
      });
    return { positions, tracked: runtime.locks.symbols() };
  }

  /**
   * An operator's adopt or flatten of an orphan found by a sweep (the dashboard's inbox): the
   * venue is read again first, and the read is judged against what the account knows of the
   * symbol (`SymbolEvidence`, by `judgeOrphanRead`) — refused when it is older, or as new but different, so a row
   * minutes old never adopts the ghost of a position that is gone; refused too when the venue
   * now holds something other than `expected`. Then the orphan is admitted like an intent
   * (`adopt`: the symbol reserved through `SymbolLocks`, `SymbolBusy` when an intent or a
   * position holds it); a flatten closes it reduce-only through its position actor.
   */
  async takeOrphan(
    symbol: string,
    how: 'adopt' | 'flatten',
    expected: { readonly side: string; readonly size: number },
  ): Promise<PositionId> {
    const { runtime, settings } = this.deps;
    if (this.supervisor === undefined || (this.lease !== undefined && !(await this.lease.check())))
      throw new NotOwner(runtime.id);
    const read = (await runtime.sweepPort.fetchPositions()).find((p) => p.symbol === symbol);
    const verdict = judgeOrphanRead(read, runtime.evidence.latest(symbol), expected, sourceLags(settings.restLagMs));
    if (verdict.kind === 'refused') throw new OrphanRefused(runtime.id, symbol, verdict.why);
    const report = verdict.report;
    const id = await this.adopt(report);
    if (how === 'flatten') {
      const actor = runtime.actors.get(id);
      if (actor === undefined)
        throw new OrphanRefused(
          runtime.id,
          symbol,
          `adopted as position ${id}, whose actor is not running yet: close it (POST /v1/positions/${id}/close)`,
        );
      actor.send({ type: 'CLOSE', reason: 'flatten' });
    }
    return id;
  }

  /**
   * Takes over an orphan: a position that starts in `open`, journalled like any other, through
   * the same admission as an intent. Refused when the symbol is held (an intent being opened
   * or a position): then it is no orphan.
   */
  private async adopt(report: PositionStatusReport): Promise<PositionId> {
    const { runtime, clock } = this.deps;
    const market = runtime.markets.get(report.symbol);
    if (market === undefined || report.side === undefined)
      throw new Error(`${report.symbol} cannot be adopted: not listed, or no side`);
    const reservation = runtime.locks.reserve(report.symbol);
    if (reservation === undefined) {
      const holder = runtime.locks.holder(report.symbol) ?? 'reserved';
      throw new SymbolBusy(runtime.id, report.symbol, holder === 'reserved' ? '(being opened)' : holder, 'tracked');
    }
    try {
      const id = this.deps.newId();
      const intent = { account: runtime.id, symbol: report.symbol, side: report.side, amount: report.size };
      const input = this.inputOf(id, intent, market, runtime.feedUp);
      const stray = strayStops(await runtime.sweepPort.fetchOpenOrders(report.symbol), report.symbol, (pid) =>
        runtime.actors.has(pid),
      );
      const state = this.machine.resolveState({
        value: { open: 'watching' },
        context: adoptedContext(input, report, stray),
      });
      const snapshot = this.machine.getPersistedSnapshot(state);
      // The intent (marked adopted: its entry is never sent) and the adopted snapshot are issued
      // together, so they reach Redis in one fenced script call: no restart finds one without the other.
      const at = clock.now();
      await Promise.all([
        this.journal.recordIntent({
          positionId: id,
          intent,
          entryClientOrderId: clientOrderId(id, 'entry'),
          baseline: { side: undefined, size: 0 },
          at,
          origin: 'adopted',
        }),
        this.journal.confirmIntent(id),
        this.saveSnapshot({
          positionId: id,
          state: 'open',
          final: false,
          snapshot: state,
          at,
          event: { type: 'ADOPT', payload: report },
        }),
      ]);
      void this.admit(reservation, input, snapshot).catch(() => {});
      return id;
    } catch (e) {
      runtime.locks.cancel(reservation);
      throw e;
    }
  }

  /**
   * Takes the account: markets and mode, the supervisor, every stored position (see
   * `rehydration.ts`), one orphan sweep, the sweep schedule, then the feed. On any failure what
   * was started is stopped again and the error thrown (the lease is let go and taken again later).
   */
  private async activate(): Promise<void> {
    const { runtime, store } = this.deps;
    try {
      await runtime.load();
      const supervisor = this.newSupervisor();
      this.supervisor = supervisor;
      this.deps.parent.startChild(supervisor.asChild('temporary', 5_000));
      const restored = store === undefined ? 0 : await this.rehydrate(store);
      // One orphan sweep before the guard resolves, then the schedule, then the feed: its resync
      // catches the restored positions up after the sweep has compared them with the venue.
      const first = await this.sweep('orphans');
      if (first.error !== undefined)
        this.deps.onTrouble(`the first orphan sweep of account ${runtime.id} failed`, first.error);
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
            this.deps.onTrouble(
              `${e.child} of account ${runtime.id} exited (${describeExit(e.reason)}); restarting it in ${e.delayMs} ms`,
              undefined,
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
    this.startFailures += 1;
    const retryInMs = Math.min(1_000 * 2 ** Math.min(this.startFailures - 1, 10), 60_000);
    this.unavailable = `${why}; retried in ${Math.round(retryInMs / 1000)} s`;
    this.retryTimer = this.deps.clock.setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.stopping) void this.start();
    }, retryInMs);
  }

  /** Admits every stored position of the account as `planRehydration` says; answers how many are driven. */
  private async rehydrate(store: Store): Promise<number> {
    const { runtime, clock } = this.deps;
    const { positions, unreadable } = await store.loadLiveRecords(runtime.id);
    let restored = 0;
    for (const step of planRehydration(runtime.id, positions, unreadable, runtime.markets)) {
      if (step.kind === 'unlisted') {
        this.raise(step.alert, { account: runtime.id, symbol: step.symbol, positionId: step.id });
        continue;
      }
      if (step.kind === 'quarantine') {
        const r = step.symbol === undefined ? undefined : runtime.locks.reserve(step.symbol);
        if (r !== undefined) runtime.locks.commit(r, step.id);
        this.raise(step.alert, {
          account: runtime.id,
          positionId: step.id,
          ...(step.symbol === undefined ? {} : { symbol: step.symbol }),
        });
        continue;
      }
      const { stored, market } = step;
      const reservation = runtime.locks.reserve(stored.intent.symbol);
      if (reservation === undefined) {
        this.raise(
          {
            kind: 'mismatch',
            topic: 'twoOnOneSymbol',
            message: `positions ${runtime.locks.holder(stored.intent.symbol)} and ${stored.id} are both live on ${stored.intent.symbol}; only the first is driven, a human should look`,
          },
          { account: runtime.id, symbol: stored.intent.symbol, positionId: stored.id },
        );
        continue;
      }
      const input = this.inputOf(stored.id, stored.intent, market, false);
      const snapshot =
        step.kind === 'restore'
          ? step.snapshot
          : this.machine.getPersistedSnapshot(
              this.machine.resolveState({
                value: { verifying: 'querying' },
                context: journalOnlyContext(initialContext(input), stored.baseline, clock.now()),
              }),
            );
      restored += 1;
      void this.admit(reservation, input, snapshot as Snapshot<unknown>).catch(() => {});
    }
    return restored;
  }

  /**
   * The store lost its data while this worker held the lease (now held anew as `holder`): it
   * writes back every position it drives and every key it knows, and says so loudly.
   */
  private async restoreStore(holder: string): Promise<void> {
    const { runtime, store, clock } = this.deps;
    if (store === undefined) return;
    const positions = [...runtime.actors.values()].map((actor) => {
      const snap = actor.getSnapshot();
      return {
        context: snap.context,
        state: stateName(snap.value),
        snapshot: versioned(this.machine.getPersistedSnapshot(snap)),
      };
    });
    let outcome: string;
    try {
      const written = await writeBack({
        account: runtime.id,
        holder,
        store,
        now: clock.now(),
        positions,
        keys: this.keys,
      });
      outcome = `this worker wrote back the ${written.positions} live positions it drives and ${written.keys} idempotency keys`;
    } catch (e) {
      outcome = `writing back what this worker knows failed (${errorText(e)}); its positions run on in memory and their snapshots are written as they change`;
    }
    this.deps.alerts.raise(
      {
        kind: 'storeWiped',
        message:
          `the store of account ${runtime.id} lost its data (its lease counter went backwards: a Redis restarted without its data?); ${outcome}. ` +
          'Check Redis persistence; history and sweep reports from before are gone',
      },
      { account: runtime.id },
    );
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
    for (const writer of this.writers.values()) writer.close();
    this.writers.clear();
    for (const timer of this.evictions) this.deps.clock.clearTimeout(timer);
    this.evictions.clear();
    runtime.release();
    runtime.actors.clear();
    runtime.locks.clear();
    this.keys.clear();
    if (forget) this.deps.registry.removeAccount(runtime.id);
  }

  /** Resolves once every queued snapshot is written and every alert raised so far is handed to the sink (tests, graceful stop). */
  async flushed(): Promise<void> {
    await Promise.all([...this.writers.values()].map((w) => w.flushed()));
    await Promise.all([...this.alerting]);
  }
}

/**
 * Where a position's writer sends its snapshots: a class, not a pair of closures (a worker
 * holds one per live position, and under tsx every named closure is a ~300 B object).
 */
class SnapshotSink implements WriterTarget {
  constructor(
    private readonly worker: AccountWorker,
    private readonly id: PositionId,
  ) {}

  save(write: SnapshotWrite): Promise<void> {
    return this.worker.saveSnapshot(write);
  }

  onError(error: unknown, attempt: number): void {
    this.worker.writeFailed(this.id, error, attempt);
  }
}

/** Whether `work` settled within `ms` of real time (letting an account go must end even when Redis does not answer). */
function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    timer.unref?.();
    work.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(true);
      },
    );
  });
}
