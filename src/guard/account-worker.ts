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
import { PositionWriter } from '../persistence/position-writer.js';
import type { RedisStore } from '../persistence/redis-store.js';
import { Supervisor, actorChild, describeExit, type SupervisorSpec } from '../supervisors/index.js';
import type { Random } from '../domain/random.js';
import type { AccountRuntime } from './account.js';
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
}

export class AccountWorker {
  private supervisor: Supervisor | undefined;
  private readonly lease: AccountLease | undefined;
  private readonly machine: WiredPositionMachine;
  private readonly writers = new Map<PositionId, PositionWriter>();
  /** Idempotency keys of the positions this worker drives. */
  readonly keys = new Map<string, PositionId>();

  readonly runtime: AccountRuntime;

  constructor(private readonly deps: AccountWorkerDeps) {
    const { runtime, store } = deps;
    this.runtime = runtime;
    const journal = deps.journal ?? (store === undefined ? new MemoryJournal() : new RedisJournal(store, runtime.id, () => this.holder()));
    this.machine = wirePositionMachine({ account: runtime.id, port: runtime.port, journal, alerts: deps.alerts, clock: deps.clock });
    this.lease = store === undefined ? undefined : new AccountLease(store, runtime.id, deps.workerId, deps.leaseTtlMs, deps.leaseClock, {
      acquired: () => this.activate(),
      lost: () => this.deactivate(),
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
    const writer = store === undefined ? undefined : new PositionWriter({
      save: (w) => store.saveSnapshot(runtime.id, this.holder(), { ...w, snapshot: this.machine.getPersistedSnapshot(w.snapshot as never) }),
      onError: (e, attempt) => { if (attempt === 1) this.deps.onTrouble(`position ${id} could not be saved; retrying`, e); },
    }, clock);
    if (writer !== undefined) this.writers.set(id, writer);
    const made = positionChild({ machine: this.machine, clock, runtime, registry: this.deps.registry, writer, onTransition: this.deps.onTransition }, input, snapshot);
    supervisor.startChild(made.spec);
    return made.journalled;
  }

  private async activate(): Promise<void> {
    const { runtime, store, clock } = this.deps;
    await runtime.load();
    this.supervisor = new Supervisor({ ...this.deps.supervision, id: `account:${runtime.id}`, children: [] }, {
      clock, random: this.deps.random,
      onEvent: (e) => {
        if (e.type === 'restarting' && e.reason !== undefined) this.deps.onTrouble(`${e.child} of account ${runtime.id} exited (${describeExit(e.reason)}); restarting it in ${e.delayMs} ms`, undefined);
      },
    });
    this.deps.parent.startChild(this.supervisor.asChild('permanent', 5_000));
    if (store !== undefined) {
      for (const stored of await store.loadLive(runtime.id)) {
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
    this.supervisor.startChild(actorChild({ id: 'feed', restart: 'permanent', shutdownMs: 2_000, create: () => runtime.createFeed() }));
  }

  private async deactivate(): Promise<void> {
    const supervisor = this.supervisor;
    this.supervisor = undefined;
    if (supervisor !== undefined) await this.deps.parent.stopChild(supervisor.id);
    for (const writer of this.writers.values()) writer.close();
    this.writers.clear();
    this.deps.runtime.actors.clear();
    this.deps.runtime.busy.clear();
    this.keys.clear();
  }

  /** Resolves once every queued snapshot is written (tests, graceful stop). */
  async flushed(): Promise<void> {
    await Promise.all([...this.writers.values()].map((w) => w.flushed()));
  }
}
