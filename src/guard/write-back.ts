/**
 * Writing back what a worker knows after its store lost its data (a Redis restarted without
 * it, see docs/architecture.md, Persistence and ownership): for every position it drives, the
 * journal (intent and baseline, confirmed; adopted ones marked so), a claim for every order
 * that may have left (so that nothing is sent again after a later crash) and the current
 * snapshot; and every idempotency key it knows (so that a retrying bot cannot open a second
 * position). The writes of one position are issued together and go to Redis as one fenced
 * script call. Receives the worker's positions; sends fenced writes; touches the store only.
 */
import type { PositionId } from '../domain/ids.js';
import type { PositionContext } from '../machines/position.context.js';
import { journalledAs, sentOrders } from '../machines/position.queries.js';
import type { Store } from '../persistence/store.js';
import type { AccountId } from '../domain/ids.js';

export interface WriteBackInput {
  readonly account: AccountId;
  readonly holder: string;
  readonly store: Store;
  readonly now: number;
  /** Each live position: its context and its snapshot as the store keeps it. */
  readonly positions: readonly {
    readonly context: PositionContext;
    readonly state: string;
    readonly snapshot: unknown;
  }[];
  readonly keys: ReadonlyMap<string, PositionId>;
}

/** Writes everything back; answers how many positions and keys were written. */
export async function writeBack(w: WriteBackInput): Promise<{ positions: number; keys: number }> {
  const { store, account, holder, now } = w;
  const writes: Promise<unknown>[] = [];
  for (const { context: ctx, state, snapshot } of w.positions) {
    const journalled = journalledAs(ctx);
    const id = journalled.positionId;
    writes.push(store.recordIntent(account, holder, { ...journalled, at: now }));
    writes.push(store.confirmIntent(account, holder, id));
    for (const cid of sentOrders(ctx)) writes.push(store.claimSend(account, holder, id, cid, now));
    writes.push(
      store.saveSnapshot(account, holder, {
        positionId: id,
        state,
        final: false,
        snapshot,
        at: now,
        event: { type: 'storeRestored', payload: null },
      }),
    );
  }
  for (const [key, id] of w.keys) writes.push(store.keepKey(account, holder, key, id));
  await Promise.all(writes);
  return { positions: w.positions.length, keys: w.keys.size };
}
