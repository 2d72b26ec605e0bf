/**
 * The read model of every position: id, account, symbol, side, intended amount, state, live
 * size and the history of its states. The API, the dashboard and the sweeps read from it.
 * (An `@xstate/store` with subscriptions replaces this map with the registry issue.)
 */
import type { PositionId } from '../domain/ids.js';
import type { Intent } from '../domain/intent.js';
import type { Side } from '../domain/side.js';
import type { PositionStateName } from '../machines/position.machine.js';
import { flatUnproven, ownHolding, type PositionContext } from '../machines/position.context.js';

export interface PositionRow {
  readonly id: PositionId;
  readonly account: string;
  readonly symbol: string;
  readonly side: Side;
  readonly amount: number;
  readonly state: PositionStateName;
  /** The live size from the freshest report that counts; before one, what the evidence proves filled. */
  readonly size: number;
  readonly reason: string | undefined;
  readonly updatedAt: number;
  readonly history: readonly { readonly at: number; readonly state: PositionStateName }[];
}

/** The public state name of a snapshot value (`{ verifying: 'querying' }` → `verifying`). */
export function stateName(value: unknown): PositionStateName {
  if (typeof value === 'string') return value as PositionStateName;
  if (typeof value === 'object' && value !== null) return Object.keys(value)[0] as PositionStateName;
  return 'pending';
}

export class PositionRegistry {
  private readonly byId = new Map<PositionId, PositionRow>();

  track(id: PositionId, intent: Intent, at: number): void {
    this.byId.set(id, {
      id, account: intent.account, symbol: intent.symbol, side: intent.side, amount: intent.amount,
      state: 'pending', size: 0, reason: undefined, updatedAt: at, history: [{ at, state: 'pending' }],
    });
  }

  get(id: PositionId): PositionRow | undefined {
    return this.byId.get(id);
  }

  update(id: PositionId, state: PositionStateName, ctx: PositionContext, at: number): PositionRow | undefined {
    const row = this.byId.get(id);
    if (row === undefined) return undefined;
    const moved = row.state !== state;
    const next: PositionRow = {
      ...row, state, size: ctx.live !== undefined && !flatUnproven(ctx) ? ctx.live.size : ownHolding(ctx), reason: ctx.reason, updatedAt: moved ? at : row.updatedAt,
      history: moved ? [...row.history, { at, state }] : row.history,
    };
    this.byId.set(id, next);
    return next;
  }

  rows(): PositionRow[] {
    return [...this.byId.values()];
  }
}
