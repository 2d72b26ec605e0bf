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
import type { PositionSettings } from '../machines/position.context.js';
import type { PositionStateName } from '../machines/position.machine.js';
import { MemoryJournal, RedisJournal, type Journal } from '../persistence/journal.js';
import { PositionWriter, type WriterTarget } from '../persistence/position-writer.js';
import type { RedisStore, SnapshotWrite } from '../persistence/redis-store.js';
import { Supervisor, actorChild, describeExit, type SupervisorSpec } from '../supervisors/index.js';
import { clientOrderId } from '../domain/client-order-id.js';
import type { PositionStatusReport } from '../domain/reports.js';
import { FINAL_STATES, adoptedContext } from '../machines/position.machine.js';
import type { LocalPosition, ReconcileSettings } from '../sweeps/reconcile.js';
import type { SweepScheduler } from '../sweeps/scheduler.js';
import { runSweep, type OrphanPolicy, type SweepKind, type SweepReport } from '../sweeps/sweep.js';
import type { Random } from '../domain/random.js';
import type { AccountRuntime } from './account.js';
import { ActorHost } from './actor-host.js';
import { AccountLease } from './ownership.js';
import { positionChild } from './position-child.js';
import type { PositionRegistry, PositionRow } from './registry.js';

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
    this.machine = wirePositionMachine({ account: runtime.id, port: runtime.port, journal: this.journal, alerts: deps.alerts, clock: deps.clock });
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

  /** Starts a new position; resolves once its intent is journalled. */
  async open(id: PositionId, intent: Intent, market: Market): Promise<void> {
    const { runtime, registry, clock } = this.deps;
    registry.track(id, intent, clock.now());
    runtime.busy.set(intent.symbol, id);
    if (intent.idempotencyKey !== undefined) this.keys.set(intent.idempotencyKey, id);
    const child = this.child(id, { id, intent, market, hedgeMode: runtime.mode === 'hedge', settings: this.deps.settings, now: clock.now(), feedUp: runtime.feedUp });
    await child;
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

  /** Runs one sweep of this account now (only while this worker owns it). */
  async sweep(kind: SweepKind): Promise<SweepReport> {
    const { runtime, clock, sweeps } = this.deps;
    const report = await runSweep(kind, {
      account: runtime.id, port: runtime.sweepPort, now: () => clock.now(), local: () => this.localView(),
      settings: { ...sweeps.settings, sizeTolerance: Math.min(...[...runtime.markets.values()].map((m) => m.amountStep), 1) },
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

  /** What this worker believes of the account's positions, for the sweeps. */
  private localView(): LocalPosition[] {
    const { runtime, registry } = this.deps;
    return registry.rows().filter((r) => r.account === runtime.id).map((r) => {
      const ctx = runtime.actors.get(r.id)?.getSnapshot().context;
      const stopDead = ctx?.stop?.send === 'rejected' || ['cancelled', 'rejected', 'expired'].includes(ctx?.stop?.report?.status ?? '');
      return {
        id: r.id, symbol: r.symbol, side: r.side, state: r.state, final: FINAL_STATES.includes(r.state), size: r.size, updatedAt: r.updatedAt,
        expectsStop: ctx !== undefined && ctx.intent.stopLoss !== undefined && ctx.stop !== undefined && !stopDead,
      };
    });
  }

  /** Takes over an orphan: a position that starts in `open`, journalled like any other. */
  private async adopt(report: PositionStatusReport): Promise<PositionId> {
    const { runtime, clock, registry } = this.deps;
    const market = runtime.markets.get(report.symbol);
    if (market === undefined || report.side === undefined) throw new Error(`${report.symbol} cannot be adopted: not listed, or no side`);
    const id = this.deps.newId();
    const intent = { account: runtime.id, symbol: report.symbol, side: report.side, amount: report.size };
    const input = { id, intent, market, hedgeMode: runtime.mode === 'hedge', settings: this.deps.settings, now: clock.now(), feedUp: runtime.feedUp };
    await this.journal.recordIntent({ positionId: id, intent, entryClientOrderId: clientOrderId(id, 'entry'), baseline: { side: undefined, size: 0 }, at: clock.now() });
    await this.journal.confirmIntent(id);
    registry.track(id, intent, clock.now());
    runtime.busy.set(report.symbol, id);
    const snapshot = this.machine.getPersistedSnapshot(this.machine.resolveState({ value: 'open', context: adoptedContext(input, report) }));
    void this.child(id, input, snapshot).catch(() => {});
    return id;
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
        restored += 1;
        this.deps.registry.track(stored.id, stored.intent, clock.now());
        runtime.busy.set(stored.intent.symbol, stored.id);
        if (stored.intent.idempotencyKey !== undefined) this.keys.set(stored.intent.idempotencyKey, stored.id);
        const market = runtime.markets.get(stored.intent.symbol);
        if (market === undefined) {
          this.deps.onTrouble(`position ${stored.id} is on ${stored.intent.symbol}, which account ${runtime.id} no longer lists`, undefined);
          continue;
        }
        const input = { id: stored.id, intent: stored.intent, market, hedgeMode: runtime.mode === 'hedge', settings: this.deps.settings, now: clock.now(), feedUp: false };
        void this.child(stored.id, input, stored.snapshot as Snapshot<unknown> | undefined).catch(() => {});
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
    this.deps.runtime.busy.clear();
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
