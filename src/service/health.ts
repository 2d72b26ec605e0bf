/**
 * `/healthz` and `/readyz`. Alive is alive. Ready: without Redis, the guard has not halted;
 * with Redis, Redis answers and every configured account has a live lease holder somewhere in
 * the fleet — a standby worker that holds no lease is ready, and a venue outage does not make
 * a worker unready. The body says, per account, who drives it, the feed as this worker sees
 * it and the age of the last sweeps.
 *
 * Receives: probes. Touches: Redis (a PING and one GET per account) when given.
 *
 * @example
 * const { ready, body } = await readiness(deps);
 */
import type { Redis } from 'ioredis';
import type { SweepKind } from '../sweeps/sweep.js';
import type { AccountBoard } from './account-board.js';

export interface ReadinessDeps {
  readonly board: AccountBoard;
  readonly halted: () => string | undefined;
  readonly now: () => number;
  /** With Redis: the connection and the lease key of an account. */
  readonly redis?: { readonly client: Redis; readonly leaseKey: (account: string) => string };
}

export interface AccountReadiness {
  readonly id: string;
  /** Some worker holds the account's lease (always true without Redis: this worker drives it). */
  readonly driven: boolean;
  readonly drivenHere: boolean;
  readonly feed: 'live' | 'down' | 'unknown';
  readonly feedForSeconds?: number;
  readonly lastSweepAgeSeconds: Partial<Record<SweepKind, number>>;
}

export interface Readiness {
  readonly ready: boolean;
  readonly body: {
    readonly ready: boolean;
    readonly redis: 'up' | 'down' | 'not used';
    readonly halted?: string;
    readonly accounts: readonly AccountReadiness[];
  };
}

const age = (now: number, at: number | undefined): number | undefined =>
  at === undefined ? undefined : Math.max(0, Math.round((now - at) / 1000));

export async function readiness(deps: ReadinessDeps): Promise<Readiness> {
  const now = deps.now();
  let redis: 'up' | 'down' | 'not used' = 'not used';
  let holders: (string | null)[] = deps.board.ids.map(() => 'this worker');
  if (deps.redis !== undefined) {
    const { client, leaseKey } = deps.redis;
    try {
      await withTimeout(client.ping(), 2_000);
      holders = await withTimeout(client.mget(...deps.board.ids.map(leaseKey)), 2_000);
      redis = 'up';
    } catch {
      redis = 'down';
      holders = deps.board.ids.map(() => null);
    }
  }
  const accounts = deps.board.ids.map((id, i): AccountReadiness => {
    const s = deps.board.get(id);
    const sweepAge: Partial<Record<SweepKind, number>> = {};
    for (const kind of ['orphans', 'reconcile'] as const) {
      const a = age(now, s?.lastSweep[kind]?.finishedAt);
      if (a !== undefined) sweepAge[kind] = a;
    }
    const feedFor = age(now, s?.feedSince);
    return {
      id,
      driven: holders[i] != null,
      drivenHere: s?.owned ?? false,
      feed: s?.feed ?? 'unknown',
      ...(feedFor === undefined ? {} : { feedForSeconds: feedFor }),
      lastSweepAgeSeconds: sweepAge,
    };
  });
  const halted = deps.halted();
  const ready = halted === undefined && redis !== 'down' && accounts.every((a) => a.driven);
  return { ready, body: { ready, redis, ...(halted === undefined ? {} : { halted }), accounts } };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
