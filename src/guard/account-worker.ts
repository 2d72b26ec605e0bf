/**
 * Everything one worker runs for one account: the ownership lease (with Redis), the account's
 * supervisor with its feed (`permanent`) and its position actors (`transient`), the
 * rehydration of the positions a previous worker left, and the writers that persist them.
 *
 * Receives: intents from the guard, lease changes. Sends: position actors into the account's
 * supervisor; snapshots to Redis. Touches: the port (through the actors), the Redis store.
 */
import type { Snapshot } from 'xstate';
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
import type { RedisStore, SnapshotWrite } from '../persistence/redis-store.js';
import { Supervisor, actorChild, describeExit, type SupervisorSpec } from '../supervisors/index.js';
import { clientOrderId } from '../domain/client-order-id.js';
import { NotOwner, SymbolBusy, errorText } from '../domain/errors.js';
import type { PositionStatusReport } from '../domain/reports.js';
import { FINAL_STATES, adoptedContext } from '../machines/position.machine.js';
import type { PositionInput } from '../machines/position.events.js';
import { expectsStop } from '../machines/position.queries.js';
import { migrateSnapshot } from '../machines/position.migrate.js';
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

export interface AccountWorkerDeps {
  readonly runtime: AccountRuntime;
  readonly clock: Clock;
  readonly leaseClock: Clock;
  readonly random: Random;
  readonly settings: PositionSettings;
  readonly registry: PositionRegistry;
  readonly alerts: AlertSink;
  readonly store: RedisStore | undefined;
  /** Used instead of a journal of our own (tests, embedding without Redis). */
  readonly journal: Journal | undefined;
  readonly workerId: string;
  readonly leaseTtlMs: number;
  readonly supervision: Omit<SupervisorSpec, 'id' | 'children'>;
  readonly parent: Supervisor;
  readonly onTransition: (row: PositionRow, from: PositionStateName) => void;
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
}

/** This worker took the account (its lease, or the account without Redis) or lost it. */
export type LeaseChange =
  | { readonly held: true; readonly restored: number; readonly mode: 'one-way' | 'hedge' }
  | { readonly held: false };

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
    this.host = new ActorHost(deps.clock, store !== undefined);
    this.journal = deps.journal ?? (store === undefined ? new MemoryJournal() : new RedisJournal(store, runtime.id, () => this.holder()));
    this.machine = wirePositionMachine({
      account: runtime.id, port: runtime.port, journal: this.journal, alerts: deps.alerts, clock: deps.clock,
      known: (symbol) => runtime.evidence.latest(symbol), ...(deps.gate === undefined ? {} : { gate: deps.gate }),
    });
    this.lease = store === undefined ? undefined : new AccountLease(store, runtime.id, deps.workerId, deps.leaseTtlMs, deps.leaseClock, {
      acquired: () => this.activate(),
      lost: async () => {
        await this.deactivate();
        deps.onLease?.({ held: false });
      },
      unreachable: (e) => deps.onTrouble(`the lease of account ${runtime.id} could not be renewed`, e),
    });
  }

  get owned(): boolean {
    return this.supervisor !== undefined;
  }

  /** Takes the account if it can (with Redis: its lease), rehydrating its positions first. */
  async start(): Promise<void> {
    if (this.lease === undefined) await this.activate();
    else await this.lease.start();
  }

  async stop(): Promise<void> {
    await this.deactivate();
    await this.lease?.stop();
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

  private child(id: PositionId, input: Parameters<typeof positionChild>[1], snapshot?: Snapshot<unknown>): Promise<void> {
    const supervisor = this.supervisor;
    if (supervisor === undefined) throw new Error(`account ${this.deps.runtime.id} is not driven by this worker`);
    const { store, clock, runtime } = this.deps;
    const writer = store === undefined ? undefined : new PositionWriter(new SnapshotSink(this, id), clock);
    if (writer !== undefined) this.writers.set(id, writer);
    const made = positionChild({
      machine: this.machine, clock, runtime, registry: this.deps.registry, writer, host: this.host, onTransition: this.deps.onTransition, onFinal: this.released,
    }, input, snapshot);
    supervisor.startChild(made.spec);
    return made.journalled;
  }

  /** A final position's writer is let go once its last snapshot is written. */
  private readonly released = (id: PositionId): void => {
    const writer = this.writers.get(id);
    void writer?.flushed().then(() => {
      if (this.writers.get(id) === writer) this.writers.delete(id);
    });
  };

  /** Writes a position's snapshot under this worker's lease (its `SnapshotSink` calls it). */
  saveSnapshot(w: SnapshotWrite): Promise<void> {
    const store = this.deps.store;
    if (store === undefined) return Promise.resolve();
    return store.saveSnapshot(this.deps.runtime.id, this.holder(), { ...w, snapshot: this.machine.getPersistedSnapshot(w.snapshot as never) });
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
    if (this.supervisor === undefined || (this.lease !== undefined && !(await this.lease.check()))) throw new NotOwner(runtime.id);
    const report = await runSweep(kind, {
      account: runtime.id, port: runtime.sweepPort, now: () => clock.now(), local: () => this.localView(),
      known: () => runtime.evidence.all(),
      settings: { ...sweeps.settings, sizeTolerance: Math.min(...[...runtime.markets.values()].map((m) => m.amountStep), 1)},
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
    const positions = registry.rows().filter((r) => r.account === runtime.id).map((r) => {
      const ctx = runtime.actors.get(r.id)?.getSnapshot().context;
      return {
        id: r.id, symbol: r.symbol, side: r.side, state: r.state, final: FINAL_STATES.includes(r.state), size: r.size, updatedAt: r.updatedAt,
        expectsStop: ctx !== undefined && expectsStop(ctx),
      };
    });
    return { positions, tracked: runtime.locks.symbols() };
  }

  /**
   * Takes over an orphan: a position that starts in `open`, journalled like any other, through
   * the same admission as an intent. Refused when the symbol is held (an intent being opened
   * or a position): then it is no orphan.
   */
  private async adopt(report: PositionStatusReport): Promise<PositionId> {
    const { runtime, clock } = this.deps;
    const market = runtime.markets.get(report.symbol);
    if (market === undefined || report.side === undefined) throw new Error(`${report.symbol} cannot be adopted: not listed, or no side`);
    const reservation = runtime.locks.reserve(report.symbol);
    if (reservation === undefined) {
      const holder = runtime.locks.holder(report.symbol) ?? 'reserved';
      throw new SymbolBusy(runtime.id, report.symbol, holder === 'reserved' ? '(being opened)' : holder, 'tracked');
    }
    try {
      const id = this.deps.newId();
      const intent = { account: runtime.id, symbol: report.symbol, side: report.side, amount: report.size };
      const input = this.inputOf(id, intent, market, runtime.feedUp);
      await this.journal.recordIntent({ positionId: id, intent, entryClientOrderId: clientOrderId(id, 'entry'), baseline: { side: undefined, size: 0 }, at: clock.now() });
      await this.journal.confirmIntent(id);
      const snapshot = this.machine.getPersistedSnapshot(this.machine.resolveState({ value: { open: 'watching' }, context: adoptedContext(input, report) }));
      void this.admit(reservation, input, snapshot).catch(() => {});
      return id;
    } catch (e) {
      runtime.locks.cancel(reservation);
      throw e;
    }
  }

  private async activate(): Promise<void> {
    const { runtime, store, clock } = this.deps;
    await runtime.load();
    const supervisor = new Supervisor({ ...this.deps.supervision, id: `account:${runtime.id}`, children: [] }, {
      clock, random: this.deps.random,
      onEvent: (e) => {
        if (e.type === 'restarting' && e.reason !== undefined) this.deps.onTrouble(`${e.child} of account ${runtime.id} exited (${describeExit(e.reason)}); restarting it in ${e.delayMs} ms`, undefined);
      },
    });
    this.supervisor = supervisor;
    this.deps.parent.startChild(supervisor.asChild('permanent', 5_000));
    let restored = 0;
    if (store !== undefined) {
      for (const stored of await store.loadLive(runtime.id)) {
        const market = runtime.markets.get(stored.intent.symbol);
        if (market === undefined) {
          // Not admitted: its symbol is not locked, so the orphan sweep reports what the venue holds there.
          this.deps.alerts.raise({
            kind: 'mismatch', topic: 'unlisted',
            message: `position ${stored.id} is on ${stored.intent.symbol}, which account ${runtime.id} no longer lists; posguard cannot drive it, a human should look`,
          }, { account: runtime.id, symbol: stored.intent.symbol, positionId: stored.id });
          continue;
        }
        const reservation = runtime.locks.reserve(stored.intent.symbol);
        if (reservation === undefined) {
          this.deps.alerts.raise({
            kind: 'mismatch', topic: 'twoOnOneSymbol',
            message: `positions ${runtime.locks.holder(stored.intent.symbol)} and ${stored.id} are both live on ${stored.intent.symbol}; only the first is driven, a human should look`,
          }, { account: runtime.id, symbol: stored.intent.symbol, positionId: stored.id });
          continue;
        }
        let snapshot: Snapshot<unknown> | undefined;
        try {
          snapshot = stored.snapshot === undefined ? undefined : migrateSnapshot(stored.snapshot) as unknown as Snapshot<unknown>;
        } catch (e) {
          // Quarantined: its symbol stays held (nothing new opens on it), a human is told which one.
          runtime.locks.commit(reservation, stored.id);
          this.deps.alerts.raise({
            kind: 'mismatch', topic: 'unreadable',
            message: `position ${stored.id} on ${stored.intent.symbol} cannot be restored (${errorText(e)}); it is quarantined: posguard does not drive it `
              + 'and opens nothing on its symbol, a human should look',
          }, { account: runtime.id, symbol: stored.intent.symbol, positionId: stored.id });
          continue;
        }
        restored += 1;
        void this.admit(reservation, this.inputOf(stored.id, stored.intent, market, false), snapshot).catch(() => {});
      }
    }
    // One orphan sweep before the guard resolves, then the schedule (DESIGN section 6), then
    // the feed: its resync catches the restored positions up after the sweep has compared
    // them with the venue, rather than racing it.
    const first = await this.sweep('orphans');
    if (first.error !== undefined) this.deps.onTrouble(`the first orphan sweep of account ${runtime.id} failed`, first.error);
    try {
      await this.deps.sweeps.scheduler.start(runtime.id, (kind) => this.sweep(kind));
    } finally {
      // The restored positions need their feed whatever became of the schedule, unless the
      // account was let go meanwhile (its lease lost): then there is no feed to start.
      if (this.supervisor === supervisor) supervisor.startChild(actorChild({ id: 'feed', restart: 'permanent', shutdownMs: 2_000, create: () => runtime.createFeed() }));
    }
    if (this.supervisor === supervisor) this.deps.onLease?.({ held: true, restored, mode: runtime.mode });
  }

  private async deactivate(): Promise<void> {
    await this.deps.sweeps.scheduler.stop(this.deps.runtime.id);
    const supervisor = this.supervisor;
    this.supervisor = undefined;
    if (supervisor !== undefined) await this.deps.parent.stopChild(supervisor.id);
    for (const writer of this.writers.values()) writer.close();
    this.writers.clear();
    this.deps.runtime.release();
    this.deps.runtime.actors.clear();
    this.deps.runtime.locks.clear();
    this.keys.clear();
  }

  /** Resolves once every queued snapshot is written (tests, graceful stop). */
  async flushed(): Promise<void> {
    await Promise.all([...this.writers.values()].map((w) => w.flushed()));
  }
}

/**
 * Where a position's writer sends its snapshots: a class, not a pair of closures (a worker
 * holds one per live position, and under tsx every named closure is a ~300 B object).
 */
class SnapshotSink implements WriterTarget {
  constructor(private readonly worker: AccountWorker, private readonly id: PositionId) {}

  save(write: SnapshotWrite): Promise<void> {
    return this.worker.saveSnapshot(write);
  }

  onError(error: unknown, attempt: number): void {
    this.worker.writeFailed(this.id, error, attempt);
  }
}
