/**
 * The orphan inbox: the exchange positions that the latest successful sweep of each account
 * found and that nothing tracks now, less those an operator dismissed (with a reason, for as
 * long as the venue holds the same side and size) or took (adopted or flattened: gone from
 * the inbox, tracked from then on). Kept in memory or in Redis (one hash,
 * `<prefix>orphans:resolved`), so every worker of a fleet shows the same inbox.
 *
 * Receives: the sweep reports and the positions (through the functions given), the
 * operators' dismissals and takes. Touches: Redis when given.
 *
 * @example
 * const inbox = new OrphanInbox({ reports: (a) => guard.sweeps(a), tracked, accounts, store: memoryResolutions() });
 * await inbox.rows('main'); // [{ account: 'main', symbol: 'AVL/USDT:USDT', side: 'buy', size: 86, … }]
 */
import type { Redis } from 'ioredis';
import type { SweepReport } from '../sweeps/sweep.js';
import type { OrphanRow } from './guard-api.js';

/** How an orphan left the inbox. */
export interface Resolution {
  readonly what: 'dismissed' | 'adopted' | 'flattened';
  readonly by: string;
  readonly at: number;
  readonly reason?: string;
}

export interface ResolutionStore {
  get(keys: readonly string[]): Promise<(Resolution | undefined)[]>;
  set(key: string, r: Resolution): Promise<void>;
}

export function memoryResolutions(): ResolutionStore {
  const kept = new Map<string, Resolution>();
  return {
    get: async (keys) => keys.map((k) => kept.get(k)),
    set: async (key, r) => {
      kept.set(key, r);
      // Bounded: the oldest go first (a long-running worker dismisses and takes a few per day).
      if (kept.size > 5_000) kept.delete(kept.keys().next().value as string);
    },
  };
}

export function redisResolutions(redis: Redis, prefix: string): ResolutionStore {
  const key = `${prefix}orphans:resolved`;
  return {
    get: async (keys) =>
      keys.length === 0
        ? []
        : (await redis.hmget(key, ...keys)).map((t) => (t == null ? undefined : (JSON.parse(t) as Resolution))),
    set: async (k, r) => {
      await redis.hset(key, k, JSON.stringify(r));
    },
  };
}

export interface OrphanInboxDeps {
  /** The account's latest sweep reports, newest first. */
  readonly reports: (account: string) => Promise<readonly SweepReport[]>;
  /** The symbols of the account that a live posguard position tracks now. */
  readonly tracked: (account: string) => Promise<ReadonlySet<string>>;
  readonly accounts: readonly string[];
  readonly store: ResolutionStore;
}

/** A dismissal holds while the venue holds the same side and size; a take, for the finding it took. */
const dismissKey = (r: Pick<OrphanRow, 'account' | 'symbol' | 'side' | 'size'>) =>
  `dismiss|${r.account}|${r.symbol}|${r.side}|${r.size}`;
const takeKey = (r: Pick<OrphanRow, 'sweepId' | 'symbol'>) => `take|${r.sweepId}|${r.symbol}`;

export class OrphanInbox {
  constructor(private readonly deps: OrphanInboxDeps) {}

  /** The inbox of one account, or of every account. */
  async rows(account?: string): Promise<OrphanRow[]> {
    const accounts = account === undefined ? this.deps.accounts : [account];
    return (await Promise.all(accounts.map((a) => this.rowsOf(a)))).flat();
  }

  /** One row of the inbox (`undefined` when it is not there any more). */
  async find(account: string, symbol: string): Promise<OrphanRow | undefined> {
    return (await this.rowsOf(account)).find((r) => r.symbol === symbol);
  }

  async dismiss(row: OrphanRow, by: string, reason: string, at: number): Promise<void> {
    await this.deps.store.set(dismissKey(row), { what: 'dismissed', by, reason, at });
  }

  async took(row: OrphanRow, what: 'adopted' | 'flattened', by: string, at: number): Promise<void> {
    await this.deps.store.set(takeKey(row), { what, by, at });
  }

  /** The inbox of the report's account just after that sweep (a failed sweep leaves it as it was). */
  async rowsAfter(report: SweepReport): Promise<OrphanRow[]> {
    return report.error === undefined ? this.rowsOf(report.account, report) : this.rowsOf(report.account);
  }

  private async rowsOf(account: string, given?: SweepReport): Promise<OrphanRow[]> {
    // The latest sweep that could read the venue (a failed one concluded nothing).
    const latest = given ?? (await this.deps.reports(account)).find((r) => r.error === undefined);
    if (latest === undefined) return [];
    const found: OrphanRow[] = [];
    for (const f of latest.findings) {
      if (f.kind === 'orphan')
        found.push({
          account,
          symbol: f.symbol,
          side: f.side,
          size: f.size,
          foundAt: latest.finishedAt,
          sweepId: latest.id,
        });
    }
    if (found.length === 0) return [];
    const tracked = await this.deps.tracked(account);
    const resolved = await this.deps.store.get(found.flatMap((r) => [dismissKey(r), takeKey(r)]));
    return found.filter(
      (r, i) => !tracked.has(r.symbol) && resolved[2 * i] === undefined && resolved[2 * i + 1] === undefined,
    );
  }
}
