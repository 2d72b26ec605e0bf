/**
 * One position actor as a supervised child (`transient`): started fresh for a new intent or
 * from a persisted snapshot after a restart, and restarted from its last good snapshot after
 * a crash — with a `RESUME` so that its deadlines are armed again. Receives the actor's
 * snapshots; sends them to the registry, the guard's events and the position's writer.
 * Touches: the account's directory (actors, symbol locks, what it knows of the symbol).
 */
import { createActor, type AnyMachineSnapshot, type Snapshot } from 'xstate';
import type { Clock } from '../clock.js';
import { EntryNotSent } from '../domain/errors.js';
import { crashAt } from '../actors/crash-hook.js';
import type { JournalRefusals } from '../actors/journal-refusals.js';
import type { PositionId } from '../domain/ids.js';
import type { WiredPositionMachine } from '../actors/position.wiring.js';
import { FINAL_STATES } from '../machines/position.machine.js';
import type { PositionInput } from '../machines/position.events.js';
import type { PositionWriter } from '../persistence/position-writer.js';
import { actorChild, type ChildSpec } from '../supervisors/index.js';
import type { AccountRuntime, PositionActor } from './account.js';
import type { ActorHost } from './actor-host.js';
import { stateName, type PositionRegistry, type PositionRow } from './registry.js';
import type { PositionStateName } from '../machines/position.machine.js';
import type { PositionContext } from '../machines/position.context.js';
import { entryNeverSent, lastPositionReport, reasonOf } from '../machines/position.queries.js';
import { resumable } from '../machines/position.resume.js';

export interface PositionChildDeps {
  readonly machine: WiredPositionMachine;
  readonly clock: Clock;
  readonly runtime: AccountRuntime;
  readonly registry: PositionRegistry;
  readonly writer: PositionWriter | undefined;
  /** The account's actor host: its position actors share one XState system. */
  readonly host: ActorHost;
  readonly onTransition: (row: PositionRow, from: PositionStateName) => void;
  /** Told when the row changes without a change of state (size, protection, reason). */
  readonly onUpdate?: (row: PositionRow) => void;
  /** Called once when the position reaches a final state. */
  readonly onFinal?: (id: PositionId) => void;
  /** Intents the journal refused before writing anything (noted by the position wiring). */
  readonly refusals?: JournalRefusals;
  /** Called when the journal refused the intent: the position is dropped, nothing of it kept. */
  readonly onRefused?: (id: PositionId) => void;
}

export interface PositionChild {
  readonly spec: ChildSpec;
  /** Resolves once the intent is journalled (or at once for a restored position). */
  readonly journalled: Promise<void>;
}

/** The event a persisted transition is recorded with: what caused it, and its payload. */
export function describeEvent(event: { type: string } | undefined): { type: string; payload: unknown } {
  if (event === undefined) return { type: '(start)', payload: null };
  const { type, ...rest } = event as { type: string } & Record<string, unknown>;
  return { type, payload: 'output' in rest ? rest.output : 'report' in rest ? rest.report : rest };
}

/**
 * A position actor as a supervised child. A class rather than closures: a guard holds
 * thousands, and under tsx (esbuild keepNames) every named arrow created per child costs
 * a dictionary-mode function object (~300 B each).
 */
class PositionChildRun {
  readonly restart = 'transient' as const;
  readonly shutdownMs = 1_000;
  /** A position that keeps crashing is quarantined alone; its siblings run on. */
  readonly onBudgetSpent = 'give-up' as const;
  readonly journalled: Promise<void>;
  /** The persisted snapshot to restore from: used by the first start only. */
  private restoredFrom: Snapshot<unknown> | undefined;
  private lastGood: AnyMachineSnapshot | undefined;
  /** The state of the last snapshot seen (the registry's row says the same). */
  private state: PositionStateName | undefined;
  /** Whether a start is a restore (every start after the first is a restart from `lastGood`). */
  private restored: boolean;
  /** What was last handed to the writer (or restored from): the state and the context. */
  private written: { readonly valueKey: string; readonly context: PositionContext } | 'restored' | undefined;
  private settleJournal: { resolve: () => void; reject: (e: Error) => void } | undefined;

  constructor(
    private readonly deps: PositionChildDeps,
    private readonly input: PositionInput,
    restoredSnapshot: Snapshot<unknown> | undefined,
  ) {
    this.restoredFrom = restoredSnapshot;
    this.restored = restoredSnapshot !== undefined;
    if (this.restored) {
      this.journalled = JOURNALLED;
    } else {
      const settle: { resolve?: () => void; reject?: (e: Error) => void } = {};
      this.journalled = new Promise<void>((resolve, reject) => {
        settle.resolve = resolve;
        settle.reject = reject;
      });
      this.settleJournal = settle as { resolve: () => void; reject: (e: Error) => void };
    }
  }

  get id(): PositionId {
    return this.input.id;
  }

  create(): PositionActor {
    const { machine, clock, host } = this.deps;
    const persisted = this.lastGood !== undefined ? machine.getPersistedSnapshot(this.lastGood) : this.restoredFrom;
    // A restored (or restarted) sending step never sends first: it looks its order up (position.resume.ts).
    const snapshot =
      persisted === undefined
        ? undefined
        : (resumable(persisted as unknown as Record<string, unknown>) as unknown as Snapshot<unknown>);
    this.restoredFrom = undefined;
    // The first snapshot of a restored actor is the one it was restored from: not written again.
    this.written = snapshot === undefined ? undefined : 'restored';
    return createActor(machine, {
      clock,
      input: this.input,
      parent: host.ref,
      ...(snapshot === undefined ? {} : { snapshot }),
    });
  }

  onStarted(actor: PositionActor): void {
    this.deps.runtime.actors.set(this.input.id, actor);
    if (this.restored) actor.send({ type: 'RESUME', at: this.deps.clock.now() });
    this.restored = true; // every later start is a restart from the last good snapshot
  }

  stopActor(actor: PositionActor): void {
    this.deps.host.stop(actor);
  }

  onSnapshot(snap: AnyMachineSnapshot, actor: PositionActor): void {
    const { clock, registry, writer, runtime } = this.deps;
    const id = this.input.id;
    // An event that changed nothing (XState hands the same snapshot again).
    if (snap === this.lastGood) return;
    this.lastGood = snap;
    const state = stateName(snap.value);
    const settle = this.settleJournal;
    // The journal refused the intent before writing anything (a halted account): nothing of the
    // position is kept — no row, no event, no snapshot — and the caller hears the refusal itself.
    if (settle !== undefined && state === 'failed') {
      const refusal = this.deps.refusals?.take(id);
      if (refusal !== undefined) {
        this.settleJournal = undefined;
        runtime.actors.delete(id);
        registry.forget(id);
        runtime.locks.release(this.input.intent.symbol, id);
        this.deps.onRefused?.(id);
        settle.reject(refusal);
        return;
      }
    }
    // Nothing is written before the journal answered: a refused intent leaves nothing behind, and
    // a snapshot before the intent was journalled has nothing to restore.
    const journaling = settle !== undefined && state === 'pending' && isJournaling(snap.value);
    const at = clock.now();
    const from = this.state ?? registry.get(id)?.state ?? 'pending';
    this.state = state;
    const before = registry.get(id);
    const row = registry.update(id, state, snap.context as PositionContext, at);
    const moved = from !== state;
    if (moved) crashAt(state);
    if (row !== undefined && moved) this.deps.onTransition(row, from);
    else if (row !== undefined && row !== before) this.deps.onUpdate?.(row);
    const final = FINAL_STATES.includes(state);
    if (writer !== undefined) {
      // Write what changed only. Skipped: the first snapshot after a restore (it is the one
      // restored), and a snapshot in the same state whose context differs from the last one
      // written only in the clock fields (`seenAt`, `liveSeenAt`: a report that repeats what
      // is known). Those fields are only ever older in Redis than in memory, which errs on the
      // safe side after a restart: a report seen long ago is stale, a deadline is re-armed.
      const valueKey = typeof snap.value === 'string' ? snap.value : JSON.stringify(snap.value);
      const context = snap.context as PositionContext;
      const last = this.written;
      const unchanged =
        last === 'restored' ||
        (last !== undefined && last.valueKey === valueKey && sameBeyondClock(last.context, context));
      if (last === 'restored' || !unchanged) this.written = { valueKey, context };
      if (!unchanged && !journaling)
        writer.save(
          {
            positionId: id,
            state,
            final,
            snapshot: snap,
            at,
            event: describeEvent(this.deps.host.lastEvent(actor)),
            row,
          },
          moved,
        );
    }
    if (settle !== undefined && !journaling) {
      const ctx = snap.context as PositionContext;
      if (state === 'failed' && entryNeverSent(ctx))
        settle.reject(new EntryNotSent(id, reasonOf(ctx) ?? 'for no reason given'));
      else settle.resolve();
      this.settleJournal = undefined;
    }
    if (final) {
      this.deps.onFinal?.(id);
      runtime.actors.delete(id);
      // What the position last knew of its symbol (its proven flat) outlives it: a lagging read
      // of the closed position is then no orphan, and the next entry's baseline is no older.
      const last = lastPositionReport(snap.context as PositionContext);
      if (last !== undefined) runtime.evidence.note(last);
      runtime.locks.release(this.input.intent.symbol, id);
    }
  }
}

const JOURNALLED: Promise<void> = Promise.resolve();

/** Whether a `pending` state value is its journaling step (the intent not journalled yet). */
const isJournaling = (value: unknown): boolean => (value as { pending?: string }).pending === 'journaling';

/** The context fields that only say when something was last seen. */
const CLOCK_FIELDS: ReadonlySet<string> = new Set(['seenAt', 'liveSeenAt']);

/** Whether two contexts hold the same values (by reference, field by field) but for the clock fields. */
function sameBeyondClock(a: PositionContext, b: PositionContext): boolean {
  if (a === b) return true;
  const ra = a as unknown as Record<string, unknown>;
  const rb = b as unknown as Record<string, unknown>;
  for (const key in rb) if (ra[key] !== rb[key] && !CLOCK_FIELDS.has(key)) return false;
  for (const key in ra) if (!(key in rb) && !CLOCK_FIELDS.has(key)) return false;
  return true;
}

export function positionChild(
  deps: PositionChildDeps,
  input: PositionInput,
  restoredSnapshot?: Snapshot<unknown>,
): PositionChild {
  const run = new PositionChildRun(deps, input, restoredSnapshot);
  return { spec: actorChild<PositionActor>(run), journalled: run.journalled };
}
