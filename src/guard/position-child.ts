/**
 * One position actor as a supervised child (`transient`): started fresh for a new intent or
 * from a persisted snapshot after a restart, and restarted from its last good snapshot after
 * a crash — with a `RESUME` so that its deadlines are armed again. Receives the actor's
 * snapshots; sends them to the registry, the guard's events and the position's writer.
 * Touches: the account's directory (actors, busy symbols).
 */
import { createActor, type AnyMachineSnapshot, type InspectionEvent, type Snapshot } from 'xstate';
import type { Clock } from '../clock.js';
import { EntryNotSent } from '../domain/errors.js';
import { crashAt } from '../actors/crash-hook.js';
import type { PositionId } from '../domain/ids.js';
import type { WiredPositionMachine } from '../actors/position.wiring.js';
import { FINAL_STATES } from '../machines/position.machine.js';
import type { PositionInput } from '../machines/position.events.js';
import type { PositionWriter } from '../persistence/position-writer.js';
import { actorChild, type ChildSpec } from '../supervisors/index.js';
import type { AccountRuntime, PositionActor } from './account.js';
import { stateName, type PositionRegistry, type PositionRow } from './registry.js';
import type { PositionStateName } from '../machines/position.machine.js';

export interface PositionChildDeps {
  readonly machine: WiredPositionMachine;
  readonly clock: Clock;
  readonly runtime: AccountRuntime;
  readonly registry: PositionRegistry;
  readonly writer: PositionWriter | undefined;
  readonly onTransition: (row: PositionRow, from: PositionStateName) => void;
  /** Called once when the position reaches a final state. */
  readonly onFinal?: () => void;
}

export interface PositionChild {
  readonly spec: ChildSpec;
  /** Resolves once the intent is journalled (or at once for a restored position). */
  readonly journalled: Promise<void>;
}

/** The event a persisted transition is recorded with: what caused it, and its payload. */
function describeEvent(event: { type: string } | undefined): { type: string; payload: unknown } {
  if (event === undefined) return { type: '(start)', payload: null };
  const { type, ...rest } = event as { type: string } & Record<string, unknown>;
  return { type, payload: 'output' in rest ? rest.output : 'report' in rest ? rest.report : rest };
}

export function positionChild(deps: PositionChildDeps, input: PositionInput, restoredSnapshot?: Snapshot<unknown>): PositionChild {
  // Held only until the first start: later restarts use the last good snapshot.
  let restoredFrom = restoredSnapshot;
  const { machine, clock, runtime, registry, writer } = deps;
  const id: PositionId = input.id;
  let lastGood: AnyMachineSnapshot | undefined;
  let restored = restoredFrom !== undefined;
  let lastEvent: { type: string } | undefined;
  let unchangedFrom: unknown;
  let lastValueKey: string | undefined;
  let current: PositionActor | undefined;
  let settleJournal: { resolve: () => void; reject: (e: Error) => void } | undefined;
  const journalled = new Promise<void>((resolve, reject) => {
    settleJournal = { resolve, reject };
  });
  if (restored) settleJournal?.resolve();

  const inspect = writer === undefined ? undefined : (ev: InspectionEvent) => {
    if (ev.type === '@xstate.event' && current !== undefined && ev.actorRef === current) lastEvent = ev.event;
  };

  const spec = actorChild({
    id,
    restart: 'transient',
    shutdownMs: 1_000,
    create: () => {
      const snapshot = lastGood !== undefined ? machine.getPersistedSnapshot(lastGood) : restoredFrom;
      restoredFrom = undefined;
      // The first snapshot of a restored actor is the one it was restored from: not written again.
      unchangedFrom = snapshot === undefined ? undefined : 'restored';
      const actor = createActor(machine, { clock, input, ...(snapshot === undefined ? {} : { snapshot }), ...(inspect ? { inspect } : {}) });
      current = actor;
      return actor;
    },
    onStarted: (actor) => {
      runtime.actors.set(id, actor);
      if (restored) actor.send({ type: 'RESUME', at: clock.now() });
      restored = true; // every later start is a restart from the last good snapshot
    },
    onSnapshot: (snap) => {
      lastGood = snap;
      const state = stateName(snap.value);
      const at = clock.now();
      const from = registry.get(id)?.state ?? 'pending';
      const row = registry.update(id, state, snap.context, at);
      const moved = from !== state;
      if (moved) crashAt(state);
      if (row !== undefined && moved) deps.onTransition(row, from);
      const final = FINAL_STATES.includes(state);
      if (writer !== undefined) {
        // Write what changed only: a snapshot with the same context and state as the last one
        // (a RESUME re-entering a waiting state, the first snapshot after a restore) is skipped.
        const valueKey = typeof snap.value === 'string' ? snap.value : JSON.stringify(snap.value);
        const unchanged = unchangedFrom === 'restored' || (unchangedFrom === snap.context && lastValueKey === valueKey);
        unchangedFrom = snap.context;
        lastValueKey = valueKey;
        if (!unchanged) writer.save({ positionId: id, state, final, snapshot: snap, at, event: describeEvent(lastEvent) }, moved);
      }
      if (settleJournal !== undefined && !(state === 'pending' && (snap.value as { pending?: string }).pending === 'journaling')) {
        if (state === 'failed' && snap.context.entry.send === 'not-sent') settleJournal.reject(new EntryNotSent(id, snap.context.reason ?? 'for no reason given'));
        else settleJournal.resolve();
        settleJournal = undefined;
      }
      if (final) {
        deps.onFinal?.();
        runtime.actors.delete(id);
        if (runtime.busy.get(input.intent.symbol) === id) runtime.busy.delete(input.intent.symbol);
      }
    },
  });
  return { spec, journalled };
}
