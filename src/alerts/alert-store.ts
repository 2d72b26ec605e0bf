/**
 * The alert store in Redis: every alert, newest first, capped (1,000 unless configured),
 * with grouping by key within the cooldown decided atomically by `raiseAlert`
 * (`alert-scripts.ts`), and an outbox of new alerts whose deliveries are not queued yet.
 *
 * Keys, under the deployment's prefix (`pg:` by default, as the position store):
 * - `<prefix>alerts`: list of alert ids, newest first;
 * - `<prefix>alert:<id>`: hash `id kind key account symbol positionId message at lastAt count`;
 * - `<prefix>alerts:latest`: hash alert key → id of the latest alert with that key;
 * - `<prefix>alerts:outbox`: list of ids of new alerts whose delivery jobs are not queued yet.
 *
 * Receives: calls from the Redis alert sink. Touches: Redis, under its prefix only.
 *
 * @example
 * const store = new RedisAlertStore(redis, 'pg:');
 * const { isNew, alert } = await store.record(candidate, 600_000);
 * const alerts = await store.list(); // newest first
 */
import type { Redis } from 'ioredis';
import type { AlertKind } from '../domain/alert.js';
import type { AccountId, PositionId } from '../domain/ids.js';
import type { StoredAlert } from './alert-sink.js';
import { raiseAlert } from './alert-scripts.js';
import { AlertStoreUnavailable } from './errors.js';

/** The result of recording one raise. */
export interface RecordResult {
  /** True when stored as a new alert (to be delivered); false when grouped into an earlier one. */
  readonly isNew: boolean;
  /** The stored alert after this raise (for a grouped raise: the earlier alert, its count incremented). */
  readonly alert: StoredAlert;
}

/** How many alerts are kept unless the store is told otherwise. */
export const DEFAULT_MAX_STORED = 1_000;

/** Alerts in Redis, grouped by key, capped, newest first. */
export class RedisAlertStore {
  constructor(
    readonly redis: Redis,
    readonly prefix = 'pg:',
    readonly maxStored = DEFAULT_MAX_STORED,
  ) {}

  readonly keys = {
    list: () => `${this.prefix}alerts`,
    latest: () => `${this.prefix}alerts:latest`,
    outbox: () => `${this.prefix}alerts:outbox`,
    alert: (id: string) => `${this.prefix}alert:${id}`,
  };

  /**
   * Stores `candidate` as a new alert, or counts it into the alert of the same key raised
   * less than `cooldownMs` before `candidate.at` (atomically; see `raiseAlert`).
   */
  async record(candidate: StoredAlert, cooldownMs: number): Promise<RecordResult> {
    const reply = await raiseAlert.run(
      this.redis,
      [this.keys.list(), this.keys.latest(), this.keys.outbox()],
      [
        this.keys.alert(''),
        candidate.key,
        candidate.at,
        cooldownMs,
        this.maxStored,
        candidate.id,
        candidate.kind,
        candidate.account,
        candidate.symbol ?? '',
        candidate.positionId ?? '',
        candidate.message,
      ],
    );
    const [flag, ...fields] = reply as [number, ...string[]];
    const alert = fromHash(pairs(fields));
    if (alert === undefined)
      throw new AlertStoreUnavailable(
        'record an alert',
        `the raiseAlert script returned no alert for key ${candidate.key}`,
      );
    return { isNew: Number(flag) === 1, alert };
  }

  /** The stored alerts, newest first, at most `limit` (all that are kept unless given). */
  async list(limit = this.maxStored): Promise<StoredAlert[]> {
    const ids = await this.redis.lrange(this.keys.list(), 0, Math.max(0, limit - 1));
    return this.load(ids);
  }

  /** One stored alert, or `undefined` if it is unknown or was dropped by the cap. */
  async get(id: string): Promise<StoredAlert | undefined> {
    return fromHash(await this.redis.hgetall(this.keys.alert(id)));
  }

  /** Ids of new alerts whose deliveries may not be queued yet (a worker stopped in between). */
  async outbox(): Promise<string[]> {
    return this.redis.lrange(this.keys.outbox(), 0, -1);
  }

  /** The deliveries of alert `id` are queued: it leaves the outbox. */
  async queued(id: string): Promise<void> {
    await this.redis.lrem(this.keys.outbox(), 0, id);
  }

  private async load(ids: readonly string[]): Promise<StoredAlert[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.alert(id));
    const replies = (await pipeline.exec()) ?? [];
    const out: StoredAlert[] = [];
    for (const [err, hash] of replies) {
      if (err) throw err;
      const alert = fromHash(hash as Record<string, string>);
      if (alert !== undefined) out.push(alert);
    }
    return out;
  }
}

/** `[f1, v1, f2, v2, …]` as an object. */
function pairs(flat: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = String(flat[i + 1]);
  return out;
}

/** A stored alert from its hash; `undefined` for a missing (empty) hash. */
function fromHash(h: Record<string, string>): StoredAlert | undefined {
  if (h.id === undefined || h.key === undefined) return undefined;
  return {
    id: h.id,
    kind: h.kind as AlertKind,
    key: h.key,
    account: (h.account ?? '') as AccountId,
    symbol: h.symbol === undefined || h.symbol === '' ? undefined : h.symbol,
    positionId: (h.positionId === undefined || h.positionId === '' ? undefined : h.positionId) as
      PositionId | undefined,
    message: h.message ?? '',
    at: Number(h.at),
    count: Number(h.count ?? 1),
  };
}
