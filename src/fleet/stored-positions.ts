/**
 * Positions as Redis holds them, so that every worker (and a `connectGuard` client) answers alike
 * for positions another worker drives, and for final positions no worker keeps in memory any
 * more (see docs/architecture.md, The fleet). The owner's snapshot script keeps each position's
 * state, row and time in its hash and indexes it by state; this module only reads.
 *
 * Receives: nothing. Touches: Redis (reads only).
 *
 * @example
 * const stored = new StoredPositions(store);
 * await stored.get(id);                           // { id, account, symbol, state: 'open', size: 43, … }
 * await stored.list(['main'], { state: 'open' }); // the account's open positions
 */
import type { RedisStore } from '../persistence/redis-store.js';
import { FINAL_STATES, POSITION_STATES, type PositionStateName } from '../machines/position.machine.js';
import type { Protection } from '../machines/position.queries.js';

/** A position as Redis keeps its row (what any worker, or a client of the fleet, can read of it). */
export interface StoredRow {
  readonly id: string;
  readonly account: string;
  readonly symbol: string;
  readonly side: string;
  readonly amount: number;
  readonly state: PositionStateName;
  /** The live size from the freshest report that counts; before one, what the evidence proves filled. */
  readonly size: number;
  readonly reason: string | undefined;
  /** Whether its stop is working (`protectionOf`, the one answer the API, the dashboard and the metrics use). */
  readonly protection: Protection;
  readonly updatedAt: number;
}

/** How many positions one list answers at most. */
const LIST_MAX = 1_000;
const LIVE_STATES = POSITION_STATES.filter((s) => !FINAL_STATES.includes(s));

export class StoredPositions {
  constructor(private readonly store: RedisStore) {}

  /** A stored position, or `undefined` when none is stored under `id` (or its record cannot be read). */
  async get(id: string): Promise<StoredRow | undefined> {
    const [intent, state, updatedAt, row] = await this.store.redis.hmget(
      this.store.keys.position(id),
      'intent',
      'state',
      'updatedAt',
      'row',
    );
    return rowOf(id, intent ?? null, state ?? null, updatedAt ?? null, row ?? null);
  }

  /**
   * The positions of `accounts` in `state` (every live state unless given), newest first, at
   * most 1,000: a final state is listed only when asked for.
   */
  async list(accounts: readonly string[], state?: PositionStateName): Promise<StoredRow[]> {
    const { redis, keys } = this.store;
    const states = state === undefined ? LIVE_STATES : [state];
    const ids = (
      await Promise.all(accounts.map((a) => redis.sunion(...states.map((s) => keys.stateSet(a, s)))))
    ).flat();
    if (ids.length === 0) return [];
    const pipeline = redis.pipeline();
    for (const id of ids) pipeline.hmget(keys.position(id), 'intent', 'state', 'updatedAt', 'row');
    const replies = (await pipeline.exec()) ?? [];
    const rows: StoredRow[] = [];
    replies.forEach(([error, fields], i) => {
      if (error !== null || !Array.isArray(fields)) return;
      const [intent, s, at, row] = fields as (string | null)[];
      const found = rowOf(ids[i] ?? '', intent ?? null, s ?? null, at ?? null, row ?? null);
      if (found !== undefined) rows.push(found);
    });
    return rows.sort((a, b) => b.updatedAt - a.updatedAt).slice(0, LIST_MAX);
  }
}

function rowOf(
  id: string,
  intentText: string | null,
  state: string | null,
  updatedAt: string | null,
  rowText: string | null,
): StoredRow | undefined {
  if (intentText === null) return undefined;
  try {
    const intent = JSON.parse(intentText) as { account: string; symbol: string; side: string; amount: number };
    const row =
      rowText === null
        ? undefined
        : (JSON.parse(rowText) as { size?: number; reason?: string; protection?: Protection });
    return {
      id,
      account: intent.account,
      symbol: intent.symbol,
      side: intent.side,
      amount: intent.amount,
      state: (state ?? 'pending') as PositionStateName,
      size: row?.size ?? 0,
      reason: row?.reason,
      protection: row?.protection ?? { kind: 'notRequested' },
      updatedAt: Number(updatedAt ?? 0),
    };
  } catch {
    return undefined;
  }
}
