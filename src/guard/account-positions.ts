/**
 * The positions one worker drives on one account: the one way a position enters the account
 * (`admit`: a new intent, an adopted orphan, a rehydrated one), its actor started as a
 * supervised child, its writer persisting its snapshots under the worker's lease, and its
 * eviction from memory once final (with Redis). Owned by the account's `AccountWorker`.
 */
import type { Snapshot } from 'xstate';
import type { JournalRefusals } from '../actors/journal-refusals.js';
import type { WiredPositionMachine } from '../actors/position.wiring.js';
import type { Clock } from '../clock.js';
import { NotOwner } from '../domain/errors.js';
import type { PositionId } from '../domain/ids.js';
import type { Intent } from '../domain/intent.js';
import type { Market } from '../domain/market.js';
import { evictFinal } from '../fleet/eviction.js';
import type { PositionSettings } from '../machines/position.context.js';
import type { PositionInput } from '../machines/position.events.js';
import type { PositionStateName } from '../machines/position.machine.js';
import { versioned } from '../machines/position.migrate.js';
import { PositionWriter, type WriterTarget } from '../persistence/position-writer.js';
import type { SnapshotWrite, Store } from '../persistence/store.js';
import type { Supervisor } from '../supervisors/index.js';
import type { AccountRuntime } from './account.js';
import type { ActorHost } from './actor-host.js';
import { positionChild } from './position-child.js';
import type { PositionRegistry, PositionRow } from './registry.js';
import { ReservationLost, type Reservation } from './symbol-locks.js';
import type { Logger } from '../log/logger.js';

export interface AccountPositionsDeps {
  readonly runtime: AccountRuntime;
  readonly machine: WiredPositionMachine;
  readonly host: ActorHost;
  readonly clock: Clock;
  readonly settings: PositionSettings;
  readonly registry: PositionRegistry;
  readonly store: Store | undefined;
  readonly onTransition: (row: PositionRow, from: PositionStateName) => void;
  readonly onUpdate?: (row: PositionRow) => void;
  /** The account worker's logger (its `component` and account bound). */
  readonly log: Logger;
  readonly evictFinalAfterMs?: number;
  /** The account's supervisor while this worker drives the account. */
  readonly supervisor: () => Supervisor | undefined;
  /** The lease this worker holds (its holder token); throws when it holds none. */
  readonly holder: () => string;
  /** Intents the journal refused before writing anything (noted by the position wiring). */
  readonly refusals?: JournalRefusals;
}

export class AccountPositions {
  /** Idempotency keys of the positions this worker drives. */
  readonly keys = new Map<string, PositionId>();
  private readonly writers = new Map<PositionId, PositionWriter>();
  /** The timers of final positions waiting to leave memory. */
  private readonly evictions = new Set<unknown>();

  constructor(private readonly deps: AccountPositionsDeps) {}

  inputOf(id: PositionId, intent: Intent, market: Market, feedUp: boolean): PositionInput {
    const { runtime, clock, settings } = this.deps;
    return { id, intent, market, hedgeMode: runtime.mode === 'hedge', settings, now: clock.now(), feedUp };
  }

  /**
   * Admits a position into this account — a new intent, an adopted orphan, a rehydrated one:
   * its symbol lock is committed to it, its row and idempotency key recorded, its actor
   * started (from `snapshot` when given). The one way a position enters the account; resolves
   * once its intent is journalled.
   */
  admit(reservation: Reservation, input: PositionInput, snapshot?: Snapshot<unknown>): Promise<void> {
    const { runtime, registry, clock } = this.deps;
    const supervisor = this.deps.supervisor();
    if (supervisor === undefined) {
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
    const writer =
      this.deps.store === undefined ? undefined : new PositionWriter(new SnapshotSink(this, input.id), clock);
    if (writer !== undefined) this.writers.set(input.id, writer);
    const made = positionChild(
      {
        machine: this.deps.machine,
        clock,
        runtime,
        registry,
        writer,
        host: this.deps.host,
        onTransition: this.deps.onTransition,
        onFinal: this.released,
        onRefused: this.refused,
        ...(this.deps.refusals === undefined ? {} : { refusals: this.deps.refusals }),
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

  /** A position whose intent the journal refused (nothing written): its writer and key go at once. */
  private readonly refused = (id: PositionId): void => {
    this.writers.get(id)?.close();
    this.writers.delete(id);
    for (const [key, value] of this.keys) if (value === id) this.keys.delete(key);
  };

  /** Writes a position's snapshot under this worker's lease. */
  saveSnapshot(w: SnapshotWrite): Promise<void> {
    const store = this.deps.store;
    if (store === undefined) return Promise.resolve();
    return store.saveSnapshot(this.deps.runtime.id, this.deps.holder(), {
      ...w,
      snapshot: versioned(this.deps.machine.getPersistedSnapshot(w.snapshot as never)),
    });
  }

  /** Told by a position's writer that a write failed (it retries by itself). */
  writeFailed(id: PositionId, error: unknown, attempt: number): void {
    if (attempt === 1) this.deps.log.warn({ err: error, positionId: id }, 'a position could not be saved; retrying');
  }

  /** Resolves once every queued snapshot is written. */
  async flushed(): Promise<void> {
    await Promise.all([...this.writers.values()].map((w) => w.flushed()));
  }

  /** Forgets every position (the account is let go): writers closed, evictions cancelled, keys dropped. */
  clear(): void {
    for (const writer of this.writers.values()) writer.close();
    this.writers.clear();
    for (const timer of this.evictions) this.deps.clock.clearTimeout(timer);
    this.evictions.clear();
    this.keys.clear();
  }
}

/**
 * Where a position's writer sends its snapshots: a class, not a pair of closures (a worker
 * holds one per live position, and under tsx every named closure is a ~300 B object).
 */
class SnapshotSink implements WriterTarget {
  constructor(
    private readonly positions: AccountPositions,
    private readonly id: PositionId,
  ) {}

  save(write: SnapshotWrite): Promise<void> {
    return this.positions.saveSnapshot(write);
  }

  onError(error: unknown, attempt: number): void {
    this.positions.writeFailed(this.id, error, attempt);
  }
}
