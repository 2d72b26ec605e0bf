/**
 * Over 300 lines on purpose: every method of the Store interface over Redis, each a short call of its Lua script.
 *
 * The Redis store (see docs/architecture.md, Persistence and ownership): per position the intent and its journal (written before
 * any order), the persisted actor snapshot after every transition and an append-only history
 * (a Redis stream); per account an ownership lease with a fencing token, the set of live
 * positions, a position → state hash with one set per state, and the idempotency keys.
 *
 * Every write checks the account's lease inside its Lua script (`scripts.ts`); a write that is
 * fenced out throws `LeaseLost`. The journal and snapshot writes of one tick go to Redis as one
 * script call, one segment per account lease (`write-batch.ts`); each still answers only once
 * Redis has. Receives: calls from the guard and the position wiring.
 * Touches: Redis, under its key prefix only.
 *
 * @example
 * const store = new RedisStore(new Redis(url), 'pg:');
 * const token = await store.acquireLease(account, workerId, 15_000);
 */
import type { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { Halted } from '../domain/errors.js';
import type { AccountId, ClientOrderId, PositionId } from '../domain/ids.js';
import type { Baseline } from '../domain/reports.js';
import type { EntryClaim, JournalEntry, JournalResult } from './journal.js';
import { EntryAborted, HandoverWithdrawn } from '../fleet/errors.js';
import { parseClientOrderId } from '../domain/client-order-id.js';
import { FleetStore, haltReason } from './fleet-scripts.js';
import * as scripts from './scripts.js';
import {
  HISTORY_MAX,
  LeaseLost,
  isUnreadable,
  readRecord,
  type HistoryEntry,
  type SnapshotWrite,
  type Store,
  type StoredPosition,
  type UnreadableRecord,
} from './store.js';
import { FENCED_OUT, WriteBatcher, type BatchScope } from './write-batch.js';

/** Entries kept (approximately) in the fleet-wide event stream. */
export const EVENTS_MAX = 100_000;

export { LeaseLost };
export type { EventRow, HistoryEntry, SnapshotWrite, StoredPosition, UnreadableRecord } from './store.js';

/** A claim's value: its time and a nonce, unique to the claim. */
const claimValue = (at: number): string => `${at}:${randomBytes(6).toString('hex')}`;

export class RedisStore implements Store {
  /** The journal and snapshot writes, gathered into one script call a tick (a segment per account lease). */
  private readonly writes: WriteBatcher;
  /** Per account, what every `fencedWrites` call of it begins with. */
  private readonly scopes = new Map<string, BatchScope>();

  constructor(
    readonly redis: Redis,
    readonly prefix = 'pg:',
  ) {
    this.writes = new WriteBatcher(redis);
  }

  readonly keys = {
    lease: (a: string) => `${this.prefix}lease:${a}`,
    token: (a: string) => `${this.prefix}lease:${a}:token`,
    live: (a: string) => `${this.prefix}acct:${a}:live`,
    states: (a: string) => `${this.prefix}acct:${a}:states`,
    stateSet: (a: string, state = '') => `${this.prefix}acct:${a}:state:${state}`,
    idempotency: (a: string) => `${this.prefix}acct:${a}:idem`,
    position: (id: string) => `${this.prefix}pos:${id}`,
    history: (id: string) => `${this.prefix}pos:${id}:history`,
    claims: (id: string) => `${this.prefix}pos:${id}:claims`,
    sweeps: (a: string) => `${this.prefix}acct:${a}:sweeps`,
    /** The fleet-wide stream of transitions and alerts (`GET /v1/events`). */
    events: () => `${this.prefix}events`,
    /** The account's persisted halt (JSON: reason, by, at), read by the journal script. */
    halt: (a: string) => `${this.prefix}acct:${a}:halt`,
    /** An intent or close handed to the account's lease holder (`src/fleet`). */
    handover: (id: string) => `${this.prefix}handover:${id}`,
    /** The ids of the hand-overs waiting for the account's lease holder. */
    handovers: (a: string) => `${this.prefix}acct:${a}:handovers`,
    /** Set by a flatten: entries not claimed yet are never sent (the claim script reads it). */
    abortEntries: (a: string) => `${this.prefix}acct:${a}:abort-entries`,
    /** Where a released lease is announced, so that a standby takes it at once. */
    released: () => `${this.prefix}lease-released`,
  };

  /** Keeps a sweep's report, the last `keep` per account. */
  async saveSweepReport(account: AccountId, report: unknown, keep = 50): Promise<void> {
    await this.redis
      .multi()
      .lpush(this.keys.sweeps(account), JSON.stringify(report))
      .ltrim(this.keys.sweeps(account), 0, keep - 1)
      .exec();
  }

  /** The account's latest sweep reports, newest first. */
  async sweepReports(account: AccountId, count = 50): Promise<unknown[]> {
    return (await this.redis.lrange(this.keys.sweeps(account), 0, count - 1)).map((r) => JSON.parse(r) as unknown);
  }

  /** The fencing token if `worker` holds (or now takes) the account's lease, else 0. */
  async acquireLease(account: AccountId, worker: string, ttlMs: number): Promise<number> {
    return (await this.takeLease(account, worker, ttlMs, 0)).token;
  }

  /**
   * As `acquireLease`, never answering a token at or below `floor` (the highest this worker has
   * seen): `wiped` is true when the counter had gone below it — the store lost its data.
   */
  async takeLease(
    account: AccountId,
    worker: string,
    ttlMs: number,
    floor: number,
  ): Promise<{ token: number; wiped: boolean }> {
    const reply = await scripts.acquireLease.run(
      this.redis,
      [this.keys.lease(account), this.keys.token(account)],
      [worker, ttlMs, floor],
    );
    const [token, raised] = Array.isArray(reply) ? reply.map(Number) : [Number(reply), 0];
    return { token: token ?? 0, wiped: raised === 1 };
  }

  /** The token of the account's lease as it stands (whoever holds it), or `undefined` when nobody does. */
  async leaseToken(account: AccountId): Promise<number | undefined> {
    const value = await this.redis.get(this.keys.lease(account));
    const token = value === null ? NaN : Number(value.split('|').pop());
    return Number.isFinite(token) ? token : undefined;
  }

  async renewLease(account: AccountId, holder: string, ttlMs: number): Promise<boolean> {
    return Number(await scripts.renewLease.run(this.redis, [this.keys.lease(account)], [holder, ttlMs])) === 1;
  }

  /** Lets the lease go if it is still `holder`'s, bumping its token and announcing it to the fleet (`FleetStore.releaseLease`). */
  async releaseLease(account: AccountId, holder: string): Promise<void> {
    await new FleetStore(this).releaseLease(account, holder);
  }

  /** `fencedWrites`' account-wide keys and arguments (see `scripts.ts`). */
  private scope(account: AccountId): BatchScope {
    let scope = this.scopes.get(account);
    if (scope === undefined) {
      scope = {
        keys: [
          this.keys.lease(account),
          this.keys.live(account),
          this.keys.states(account),
          this.keys.idempotency(account),
        ],
        args: [this.keys.stateSet(account), String(HISTORY_MAX)],
      };
      this.scopes.set(account, scope);
    }
    return scope;
  }

  /** `recordIntent`'s keys and arguments (`lua/fenced-writes.lua`). */
  private journalWrite(account: AccountId, entry: JournalEntry): { keys: string[]; args: (string | number)[] } {
    return {
      keys: [this.keys.position(entry.positionId), this.keys.halt(account), this.keys.handover(entry.positionId)],
      args: [
        entry.positionId,
        JSON.stringify(entry.intent),
        entry.entryClientOrderId,
        JSON.stringify(entry.baseline),
        entry.at,
        entry.intent.idempotencyKey ?? '',
        entry.origin ?? 'intent',
      ],
    };
  }

  /** The journal's answer, or its refusal thrown (`Halted`, `HandoverWithdrawn`). */
  private journalled(account: AccountId, entry: JournalEntry, reply: unknown): JournalResult {
    const [kind, baseline] = reply as [JournalResult['kind'] | 'halted' | 'withdrawn', string];
    if (kind === 'halted') throw new Halted(`account ${account}`, haltReason(baseline));
    if (kind === 'withdrawn') throw new HandoverWithdrawn(entry.positionId, baseline);
    return { kind, baseline: JSON.parse(baseline) as Baseline };
  }

  /** Journals the intent, or finds it journalled before (see `JournalResult`). */
  async recordIntent(account: AccountId, holder: string, entry: JournalEntry): Promise<JournalResult> {
    const { keys, args } = this.journalWrite(account, entry);
    const result = await this.writes.write(this.scope(account), holder, 'recordIntent', keys, args);
    if (result === FENCED_OUT) throw new LeaseLost(account, 'journalling an intent');
    return this.journalled(account, entry, result);
  }

  /**
   * Journals a new intent and claims its entry (confirming it) in one fenced write; see
   * `Store.recordAndClaim`. The claim's value is unique, so that the command resent after a
   * dropped connection finds its own claim.
   */
  async recordAndClaim(account: AccountId, holder: string, entry: JournalEntry): Promise<EntryClaim> {
    const { keys, args } = this.journalWrite(account, entry);
    const claim = claimValue(entry.at);
    const result = await this.writes.write(
      this.scope(account),
      holder,
      'recordAndClaim',
      [...keys, this.keys.claims(entry.positionId), this.keys.abortEntries(account)],
      [...args, claim],
    );
    if (result === FENCED_OUT) throw new LeaseLost(account, 'journalling an intent');
    const journalled = this.journalled(account, entry, result);
    const claimed = (result as unknown[])[2];
    if (claimed === 2) throw new EntryAborted(account, entry.positionId);
    return { result: journalled, claim: claimed === 1 ? claim : undefined };
  }

  /** Whether the claim `recordAndClaim` took is still `holder`'s; see `Store.holdClaim`. */
  async holdClaim(
    account: AccountId,
    holder: string,
    positionId: PositionId,
    clientOrderId: ClientOrderId,
    claim: string,
  ): Promise<boolean> {
    const entry = parseClientOrderId(clientOrderId)?.role === 'entry';
    const result = await this.writes.write(
      this.scope(account),
      holder,
      'holdClaim',
      [this.keys.claims(positionId), this.keys.abortEntries(account)],
      [clientOrderId, claim, entry ? '1' : '0'],
    );
    if (result === FENCED_OUT) throw new LeaseLost(account, `sending ${clientOrderId}`);
    if (result === 2) throw new EntryAborted(account, positionId);
    return result === 1;
  }

  async confirmIntent(account: AccountId, holder: string, positionId: PositionId): Promise<void> {
    const result = await this.writes.write(
      this.scope(account),
      holder,
      'confirmIntent',
      [this.keys.position(positionId)],
      [],
    );
    if (result === FENCED_OUT) throw new LeaseLost(account, `confirming position ${positionId}`);
  }

  /**
   * The fenced "about to send" marker: true the first time only; an entry not claimed yet of an
   * account being flattened throws `EntryAborted` (it is never sent). An entry's claim confirms
   * its intent in the same script. Each claim carries a value of
   * its own, so that a command the client resent after a dropped connection finds its own claim
   * (granted), not someone else's.
   */
  async claimSend(
    account: AccountId,
    holder: string,
    positionId: PositionId,
    clientOrderId: ClientOrderId,
    at: number,
  ): Promise<boolean> {
    const value = claimValue(at);
    const entry = parseClientOrderId(clientOrderId)?.role === 'entry';
    const result = await this.writes.write(
      this.scope(account),
      holder,
      'claimSend',
      [this.keys.claims(positionId), this.keys.abortEntries(account), this.keys.position(positionId)],
      [clientOrderId, value, entry ? '1' : '0'],
    );
    if (result === FENCED_OUT) throw new LeaseLost(account, `sending ${clientOrderId}`);
    if (result === 2) throw new EntryAborted(account, positionId);
    return result === 1;
  }

  /** Releases a claim whose order certainly never left (fenced). */
  async releaseClaim(
    account: AccountId,
    holder: string,
    positionId: PositionId,
    clientOrderId: ClientOrderId,
  ): Promise<void> {
    const result = await this.writes.write(
      this.scope(account),
      holder,
      'releaseClaim',
      [this.keys.claims(positionId)],
      [clientOrderId],
    );
    if (result === FENCED_OUT) throw new LeaseLost(account, `releasing the claim of ${clientOrderId}`);
  }

  /** Writes an idempotency key back (after the store lost its data; fenced). */
  async keepKey(account: AccountId, holder: string, idempotencyKey: string, positionId: PositionId): Promise<void> {
    const result = await this.writes.write(this.scope(account), holder, 'keepKey', [], [idempotencyKey, positionId]);
    if (result === FENCED_OUT) throw new LeaseLost(account, `writing back the key of ${positionId}`);
  }

  /** Throws `LeaseLost` unless `holder` still holds the account's lease (checked in Redis, with the writes of the tick). */
  async fence(account: AccountId, holder: string, operation: string): Promise<void> {
    const result = await this.writes.write(this.scope(account), holder, 'fence', [], []);
    if (result === FENCED_OUT) throw new LeaseLost(account, operation);
  }

  /** The snapshot with its history entry, the indexes and (for a change of state) the event stream's entry, written together (fenced). */
  async saveSnapshot(account: AccountId, holder: string, w: SnapshotWrite): Promise<void> {
    const row =
      w.row === undefined
        ? ''
        : JSON.stringify({
            account: w.row.account,
            symbol: w.row.symbol,
            side: w.row.side,
            amount: w.row.amount,
            size: w.row.size,
            reason: w.row.reason,
            protection: w.row.protection,
          });
    const result = await this.writes.write(
      this.scope(account),
      holder,
      'saveSnapshot',
      [this.keys.position(w.positionId), this.keys.history(w.positionId), this.keys.events()],
      [
        w.positionId,
        w.state,
        JSON.stringify(w.snapshot),
        w.at,
        w.final ? '1' : '0',
        w.event.type,
        JSON.stringify(w.event.payload ?? null),
        row,
        EVENTS_MAX,
      ],
    );
    if (result === FENCED_OUT) throw new LeaseLost(account, `saving position ${w.positionId}`);
  }

  /**
   * Every non-final position of the account, read through the live-set index (no scan). A
   * record that cannot be read (missing its intent or baseline, JSON that does not parse) is
   * answered apart, naming its key and why: it is never skipped in silence, and it stops no
   * other record.
   */
  async loadLive(account: AccountId): Promise<StoredPosition[]> {
    return (await this.loadLiveRecords(account)).positions;
  }

  async loadLiveRecords(account: AccountId): Promise<{ positions: StoredPosition[]; unreadable: UnreadableRecord[] }> {
    const ids = await this.redis.smembers(this.keys.live(account));
    const positions: StoredPosition[] = [];
    const unreadable: UnreadableRecord[] = [];
    if (ids.length === 0) return { positions, unreadable };
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hmget(this.keys.position(id), 'intent', 'baseline', 'state', 'snapshot');
    const replies = (await pipeline.exec()) ?? [];
    ids.forEach((id, i) => {
      const [err, fields] = replies[i] ?? [null, null];
      if (err) throw err;
      const [intent, baseline, state, snapshot] = (fields ?? []) as (string | null)[];
      const record = readRecord(id as PositionId, this.keys.position(id), { intent, baseline, state, snapshot });
      if (isUnreadable(record)) unreadable.push(record);
      else positions.push(record);
    });
    return { positions, unreadable };
  }

  /** Position ids of the account in `state`, through the per-state index. */
  async idsInState(account: AccountId, state: string): Promise<PositionId[]> {
    return (await this.redis.smembers(this.keys.stateSet(account, state))) as PositionId[];
  }

  async positionForKey(account: AccountId, idempotencyKey: string): Promise<PositionId | undefined> {
    return ((await this.redis.hget(this.keys.idempotency(account), idempotencyKey)) ?? undefined) as
      PositionId | undefined;
  }

  async history(positionId: PositionId, count = HISTORY_MAX): Promise<HistoryEntry[]> {
    const entries = await this.redis.xrange(this.keys.history(positionId), '-', '+', 'COUNT', count);
    return entries.map(([id, flat]) => {
      const f: Record<string, string> = {};
      for (let i = 0; i + 1 < flat.length; i += 2) f[flat[i] as string] = flat[i + 1] as string;
      return {
        id,
        at: Number(f.at),
        state: f.state ?? '',
        event: f.event ?? '',
        payload: f.payload === undefined ? null : JSON.parse(f.payload),
      };
    });
  }
}
