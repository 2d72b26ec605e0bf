/**
 * The registry: the read model of every position (an `@xstate/store`). Each row holds the
 * id, account, symbol, side, intended amount, state, live size, reason, protection and the history of
 * its states. The API, the dashboard and the sweeps read it (`rows()`, `get()`) and
 * subscribe to it (`subscribe()`).
 *
 * Receives `track` (a new position) and `update` (a position actor's snapshot). Rows are
 * kept in one Map that is updated in place and a version that counts changes, so that an
 * update costs the same with 10 positions as with 10,000.
 */
import { createStore } from '@xstate/store';
import type { StoredRow } from '../fleet/stored-positions.js';
import type { PositionId } from '../domain/ids.js';
import type { Intent } from '../domain/intent.js';
import type { Side } from '../domain/side.js';
import type { PositionStateName } from '../machines/position.machine.js';
import type { PositionContext } from '../machines/position.context.js';
import { protectionOf, reasonOf, visibleSize, type Protection } from '../machines/position.queries.js';

/** A position's row in this worker's memory: its stored row (see `StoredRow`), typed, with the history of its states. */
export interface PositionRow extends StoredRow {
  readonly id: PositionId;
  readonly side: Side;
  readonly history: readonly { readonly at: number; readonly state: PositionStateName }[];
}

/** The public state name of a snapshot value (`{ verifying: 'querying' }` → `verifying`). */
export function stateName(value: unknown): PositionStateName {
  if (typeof value === 'string') return value as PositionStateName;
  if (typeof value === 'object' && value !== null) {
    for (const key in value) return key as PositionStateName; // the first key, without an array per snapshot
  }
  return 'pending';
}

interface RegistryContext {
  readonly rows: Map<PositionId, PositionRow>;
  readonly version: number;
}

export class PositionRegistry {
  private readonly store = createStore({
    context: { rows: new Map(), version: 0 } as RegistryContext,
    on: {
      put: (ctx, event: { row: PositionRow }) => {
        ctx.rows.set(event.row.id, event.row);
        return { rows: ctx.rows, version: ctx.version + 1 };
      },
      drop: (ctx, event: { ids: readonly PositionId[] }) => {
        for (const id of event.ids) ctx.rows.delete(id);
        return { rows: ctx.rows, version: ctx.version + 1 };
      },
    },
  });

  track(id: PositionId, intent: Intent, at: number): PositionRow {
    const row: PositionRow = {
      id,
      account: intent.account,
      symbol: intent.symbol,
      side: intent.side,
      amount: intent.amount,
      state: 'pending',
      size: 0,
      reason: undefined,
      protection: intent.stopLoss === undefined ? { kind: 'notRequested' } : { kind: 'notNeeded' },
      updatedAt: at,
      history: [{ at, state: 'pending' }],
    };
    this.store.trigger.put({ row });
    return row;
  }

  get(id: PositionId): PositionRow | undefined {
    return this.store.getSnapshot().context.rows.get(id);
  }

  /** Records a position's state; returns the row, changed or not (a no-op when nothing visible changed). */
  update(id: PositionId, state: PositionStateName, ctx: PositionContext, at: number): PositionRow | undefined {
    const row = this.get(id);
    if (row === undefined) return undefined;
    const size = visibleSize(ctx);
    const moved = row.state !== state;
    const reason = reasonOf(ctx);
    const protection = protectionOf(ctx);
    // A protection that says the same (kind and stop) keeps its first time: a row is not rewritten per report.
    const sameProtection = row.protection.kind === protection.kind && stopOf(row.protection) === stopOf(protection);
    if (!moved && row.size === size && row.reason === reason && sameProtection) return row;
    const next: PositionRow = {
      ...row,
      state,
      size,
      reason,
      protection: sameProtection ? row.protection : protection,
      updatedAt: at,
      history: moved ? [...row.history, { at, state }] : row.history,
    };
    this.store.trigger.put({ row: next });
    return next;
  }

  /** Forgets every row of `account` (this worker no longer drives it: another worker's view is the truth). */
  removeAccount(account: string): void {
    const rows = this.store.getSnapshot().context.rows;
    const gone = [...rows.values()].filter((r) => r.account === account).map((r) => r.id);
    if (gone.length > 0) this.store.trigger.drop({ ids: gone });
  }

  /** Forgets one row (a final position let go of: Redis keeps it; see docs/architecture.md, The fleet). */
  forget(id: PositionId): void {
    if (this.get(id) !== undefined) this.store.trigger.drop({ ids: [id] });
  }

  rows(): PositionRow[] {
    return [...this.store.getSnapshot().context.rows.values()];
  }

  /** Calls `listener` after every change (the API's event stream, the dashboard). */
  subscribe(listener: (rows: ReadonlyMap<PositionId, PositionRow>, version: number) => void): { unsubscribe(): void } {
    return this.store.subscribe((snapshot) => listener(snapshot.context.rows, snapshot.context.version));
  }
}

/** The client order id of the stop a protection is about, if any. */
function stopOf(p: Protection): string | undefined {
  return 'stop' in p ? p.stop : undefined;
}
