/**
 * What a worker restores when it takes an account, and what it writes back when the store lost
 * its data under it (see docs/architecture.md, Persistence and ownership): every stored position
 * admitted as `planRehydration` says (`rehydration.ts`), and, after a wipe, every position and
 * key this worker knows written back (`write-back.ts`), said loudly.
 */
import type { Snapshot } from 'xstate';
import type { WiredPositionMachine } from '../actors/position.wiring.js';
import type { AlertSink, AlertSubject } from '../alerts/alert-sink.js';
import type { Clock } from '../clock.js';
import type { AlertDraft } from '../domain/alert.js';
import { errorText } from '../domain/errors.js';
import { versioned } from '../machines/position.migrate.js';
import { initialContext } from '../machines/position.start.js';
import type { Store } from '../persistence/store.js';
import type { AccountRuntime } from './account.js';
import type { AccountPositions } from './account-positions.js';
import { stateName } from './registry.js';
import { journalOnlyContext, planRehydration } from './rehydration.js';
import { writeBack } from './write-back.js';

export interface RestoreDeps {
  readonly runtime: AccountRuntime;
  readonly clock: Clock;
  readonly machine: WiredPositionMachine;
  readonly positions: AccountPositions;
  /** The account's alerts, fenced by the lease. */
  readonly raise: (draft: AlertDraft, subject: AlertSubject) => void;
  /** The alerts unfenced: a wiped store is told whoever holds the lease. */
  readonly alerts: AlertSink;
}

/** Admits every stored position of the account as `planRehydration` says; answers how many are driven. */
export async function rehydrate(deps: RestoreDeps, store: Store): Promise<number> {
  const { runtime, clock, machine, positions, raise } = deps;
  const { positions: stored, unreadable } = await store.loadLiveRecords(runtime.id);
  let restored = 0;
  for (const step of planRehydration(runtime.id, stored, unreadable, runtime.markets)) {
    if (step.kind === 'unlisted') {
      raise(step.alert, { account: runtime.id, symbol: step.symbol, positionId: step.id });
      continue;
    }
    if (step.kind === 'quarantine') {
      const r = step.symbol === undefined ? undefined : runtime.locks.reserve(step.symbol);
      if (r !== undefined) runtime.locks.commit(r, step.id);
      raise(step.alert, {
        account: runtime.id,
        positionId: step.id,
        ...(step.symbol === undefined ? {} : { symbol: step.symbol }),
      });
      continue;
    }
    const { stored: record, market } = step;
    const reservation = runtime.locks.reserve(record.intent.symbol);
    if (reservation === undefined) {
      raise(
        {
          kind: 'mismatch',
          topic: 'twoOnOneSymbol',
          message: `positions ${runtime.locks.holder(record.intent.symbol)} and ${record.id} are both live on ${record.intent.symbol}; only the first is driven, a human should look`,
        },
        { account: runtime.id, symbol: record.intent.symbol, positionId: record.id },
      );
      continue;
    }
    const input = positions.inputOf(record.id, record.intent, market, false);
    const snapshot =
      step.kind === 'restore'
        ? step.snapshot
        : machine.getPersistedSnapshot(
            machine.resolveState({
              value: { verifying: 'querying' },
              context: journalOnlyContext(initialContext(input), record.baseline, clock.now()),
            }),
          );
    restored += 1;
    void positions.admit(reservation, input, snapshot as Snapshot<unknown>).catch(() => {});
  }
  return restored;
}

/**
 * The store lost its data while this worker held the lease (now held anew as `holder`): it
 * writes back every position it drives and every key it knows, and says so loudly.
 */
export async function restoreStore(deps: RestoreDeps, store: Store, holder: string): Promise<void> {
  const { runtime, clock, machine, positions } = deps;
  const live = [...runtime.actors.values()].map((actor) => {
    const snap = actor.getSnapshot();
    return {
      context: snap.context,
      state: stateName(snap.value),
      snapshot: versioned(machine.getPersistedSnapshot(snap)),
    };
  });
  let outcome: string;
  try {
    const written = await writeBack({
      account: runtime.id,
      holder,
      store,
      now: clock.now(),
      positions: live,
      keys: positions.keys,
    });
    outcome = `this worker wrote back the ${written.positions} live positions it drives and ${written.keys} idempotency keys`;
  } catch (e) {
    outcome = `writing back what this worker knows failed (${errorText(e)}); its positions run on in memory and their snapshots are written as they change`;
  }
  deps.alerts.raise(
    {
      kind: 'storeWiped',
      message:
        `the store of account ${runtime.id} lost its data (its lease counter went backwards: a Redis restarted without its data?); ${outcome}. ` +
        'Check Redis persistence; history and sweep reports from before are gone',
    },
    { account: runtime.id },
  );
}
