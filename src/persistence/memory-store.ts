/**
 * Over 300 lines on purpose: every method of the Store interface in memory, mirroring the Lua scripts one for one (the conformance suite holds both to one contract).
 *
 * The in-memory store of the deterministic simulation (see docs/architecture.md, Persistence
 * and ownership): the same interface, atomicity and fencing as the Redis store, on an injected
 * clock. A lease lives `ttlMs` of that clock; every write checks, in the same synchronous step
 * that writes, that its holder still holds the lease — a fenced-out holder gets `LeaseLost` and
 * nothing is kept, as the Lua scripts answer. Records are kept as the strings Redis would keep
 * and read back through the same reader (`readRecord`).
 *
 * Store faults for the simulation: `setReachable(false)` (every call refused with
 * `StoreUnreachable`), `wipe()` (a Redis restarted without its data), `checkpoint()` /
 * `restore()` (a failover to a replica that lacks the last writes), `corrupt(id)` (a record
 * that cannot be read). Touches only its own maps.
 *
 * @example
 * const store = new MemoryStore(clock);
 * const { token } = await store.takeLease(account, 'w1', 15_000, 0);
 */
import type { Clock } from '../clock.js';
import { PosguardError } from '../domain/errors.js';
import type { AccountId, ClientOrderId, PositionId } from '../domain/ids.js';
import type { Baseline } from '../domain/reports.js';
import type { EntryClaim, JournalEntry, JournalResult } from './journal.js';
import { parseClientOrderId } from '../domain/client-order-id.js';
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

/** The memory store is unreachable (a simulated outage). */
export class StoreUnreachable extends PosguardError {
  readonly code = 'STORE_UNREACHABLE';
  constructor(operation: string) {
    super(`${operation} failed: the store cannot be reached (a simulated outage); nothing was written`);
  }
}

interface PositionRecord {
  intent?: string;
  baseline?: string;
  entryCid?: string;
  confirmed?: boolean;
  origin?: string;
  createdAt?: number;
  state?: string;
  snapshot?: string;
  updatedAt?: number;
}

/** Everything the store holds: plain maps, so that a checkpoint is one `structuredClone`. */
interface Data {
  leases: Map<string, { value: string; expiresAt: number }>;
  tokens: Map<string, number>;
  positions: Map<string, PositionRecord>;
  live: Map<string, Set<string>>;
  states: Map<string, Map<string, Set<string>>>;
  keys: Map<string, Map<string, string>>;
  claims: Map<string, Map<string, string>>;
  history: Map<string, HistoryEntry[]>;
  sweeps: Map<string, string[]>;
}

const empty = (): Data => ({
  leases: new Map(),
  tokens: new Map(),
  positions: new Map(),
  live: new Map(),
  states: new Map(),
  keys: new Map(),
  claims: new Map(),
  history: new Map(),
  sweeps: new Map(),
});

function entry<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

/** A point to fail over to (`restore`): what the store held when it was taken. */
export interface StoreCheckpoint {
  readonly data: Data;
}

export class MemoryStore implements Store {
  private data: Data = empty();
  private reachable = true;
  private seq = 0;

  constructor(private readonly clock: Clock) {}

  /** Turns a simulated outage on (`false`) or off. */
  setReachable(reachable: boolean): void {
    this.reachable = reachable;
  }

  /** Everything is lost, the token counters too (a Redis restarted without its data). */
  wipe(): void {
    this.data = empty();
  }

  checkpoint(): StoreCheckpoint {
    return { data: structuredClone(this.data) };
  }

  /** Fails over to `checkpoint`: every write made after it is lost. */
  restore(checkpoint: StoreCheckpoint): void {
    this.data = structuredClone(checkpoint.data);
  }

  /** Makes a position's record unreadable (its snapshot no longer parses). */
  corrupt(positionId: string): boolean {
    const record = this.data.positions.get(positionId);
    if (record === undefined) return false;
    record.snapshot = '{"truncated';
    return true;
  }

  /** Ids of every position ever written (the simulation picks one to corrupt). */
  positionIds(): string[] {
    return [...this.data.positions.keys()];
  }

  private reach(operation: string): void {
    if (!this.reachable) throw new StoreUnreachable(operation);
  }

  private leaseValue(account: string): string | undefined {
    const lease = this.data.leases.get(account);
    if (lease === undefined) return undefined;
    if (lease.expiresAt <= this.clock.now()) {
      this.data.leases.delete(account);
      return undefined;
    }
    return lease.value;
  }

  /** The fencing check every write begins with (the scripts' `GET lease == holder`). */
  private fenced(account: AccountId, holder: string, operation: string): void {
    this.reach(operation);
    if (this.leaseValue(account) !== holder) throw new LeaseLost(account, operation);
  }

  async acquireLease(account: AccountId, worker: string, ttlMs: number): Promise<number> {
    return (await this.takeLease(account, worker, ttlMs, 0)).token;
  }

  async takeLease(
    account: AccountId,
    worker: string,
    ttlMs: number,
    floor: number,
  ): Promise<{ token: number; wiped: boolean }> {
    this.reach('taking a lease');
    const current = this.leaseValue(account);
    if (current !== undefined) {
      const at = current.lastIndexOf('|');
      if (current.slice(0, at) !== worker) return { token: 0, wiped: false };
      this.data.leases.set(account, { value: current, expiresAt: this.clock.now() + ttlMs });
      return { token: Number(current.slice(at + 1)), wiped: false };
    }
    let token = (this.data.tokens.get(account) ?? 0) + 1;
    let wiped = false;
    if (token <= floor) {
      token = floor + 1;
      wiped = true;
    }
    this.data.tokens.set(account, token);
    this.data.leases.set(account, { value: `${worker}|${token}`, expiresAt: this.clock.now() + ttlMs });
    return { token, wiped };
  }

  async leaseToken(account: AccountId): Promise<number | undefined> {
    this.reach('reading a lease');
    const value = this.leaseValue(account);
    const token = value === undefined ? NaN : Number(value.split('|').pop());
    return Number.isFinite(token) ? token : undefined;
  }

  async renewLease(account: AccountId, holder: string, ttlMs: number): Promise<boolean> {
    this.reach('renewing a lease');
    if (this.leaseValue(account) !== holder) return false;
    this.data.leases.set(account, { value: holder, expiresAt: this.clock.now() + ttlMs });
    return true;
  }

  async releaseLease(account: AccountId, holder: string): Promise<void> {
    this.reach('releasing a lease');
    if (this.leaseValue(account) !== holder) return;
    this.data.leases.delete(account);
    // As the Redis script: the counter is bumped, so the next holder's token is new.
    this.data.tokens.set(account, (this.data.tokens.get(account) ?? 0) + 1);
  }

  async recordIntent(account: AccountId, holder: string, e: JournalEntry): Promise<JournalResult> {
    this.fenced(account, holder, 'journalling an intent');
    return this.journal(account, e);
  }

  /** The journal write itself, in the caller's synchronous step (so that it is atomic with what follows). */
  private journal(account: AccountId, e: JournalEntry): JournalResult {
    const record = entry<string, PositionRecord>(this.data.positions, e.positionId, () => ({}));
    if (record.baseline !== undefined) {
      const baseline = JSON.parse(record.baseline) as Baseline;
      if (record.origin === 'adopted') return { kind: 'adopted', baseline };
      return { kind: record.confirmed === true ? 'confirmed' : 'unconfirmed', baseline };
    }
    const baseline = JSON.stringify(e.baseline);
    Object.assign(record, {
      intent: JSON.stringify(e.intent),
      entryCid: e.entryClientOrderId,
      baseline,
      createdAt: e.at,
      confirmed: false,
      origin: e.origin ?? 'intent',
    });
    entry(this.data.live, account, () => new Set()).add(e.positionId);
    if (e.intent.idempotencyKey !== undefined && e.intent.idempotencyKey !== '')
      entry(this.data.keys, account, () => new Map()).set(e.intent.idempotencyKey, e.positionId);
    return { kind: 'new', baseline: JSON.parse(baseline) as Baseline };
  }

  async confirmIntent(account: AccountId, holder: string, positionId: PositionId): Promise<void> {
    this.fenced(account, holder, `confirming position ${positionId}`);
    entry<string, PositionRecord>(this.data.positions, positionId, () => ({})).confirmed = true;
  }

  async claimSend(
    account: AccountId,
    holder: string,
    positionId: PositionId,
    clientOrderId: ClientOrderId,
    at: number,
  ): Promise<boolean> {
    this.fenced(account, holder, `sending ${clientOrderId}`);
    const claims = entry(this.data.claims, positionId, () => new Map());
    if (claims.has(clientOrderId)) return false;
    claims.set(clientOrderId, `${at}:${++this.seq}`);
    // As the script: an entry's claim confirms its journalled intent in the same step.
    const record = this.data.positions.get(positionId);
    if (parseClientOrderId(clientOrderId)?.role === 'entry' && record?.baseline !== undefined) record.confirmed = true;
    return true;
  }

  async recordAndClaim(account: AccountId, holder: string, e: JournalEntry): Promise<EntryClaim> {
    this.fenced(account, holder, 'journalling an intent');
    const result = this.journal(account, e);
    if (result.kind !== 'new') return { result, claim: undefined };
    const claim = `${e.at}:${++this.seq}`;
    entry(this.data.claims, e.positionId, () => new Map()).set(e.entryClientOrderId, claim);
    entry<string, PositionRecord>(this.data.positions, e.positionId, () => ({})).confirmed = true;
    return { result, claim };
  }

  async holdClaim(
    account: AccountId,
    holder: string,
    positionId: PositionId,
    clientOrderId: ClientOrderId,
    claim: string,
  ): Promise<boolean> {
    this.fenced(account, holder, `sending ${clientOrderId}`);
    return this.data.claims.get(positionId)?.get(clientOrderId) === claim;
  }

  async releaseClaim(
    account: AccountId,
    holder: string,
    positionId: PositionId,
    clientOrderId: ClientOrderId,
  ): Promise<void> {
    this.fenced(account, holder, `releasing the claim of ${clientOrderId}`);
    this.data.claims.get(positionId)?.delete(clientOrderId);
  }

  async keepKey(account: AccountId, holder: string, idempotencyKey: string, positionId: PositionId): Promise<void> {
    this.fenced(account, holder, `writing back the key of ${positionId}`);
    entry(this.data.keys, account, () => new Map()).set(idempotencyKey, positionId);
  }

  async fence(account: AccountId, holder: string, operation: string): Promise<void> {
    this.fenced(account, holder, operation);
  }

  async saveSnapshot(account: AccountId, holder: string, w: SnapshotWrite): Promise<void> {
    this.fenced(account, holder, `saving position ${w.positionId}`);
    const record = entry<string, PositionRecord>(this.data.positions, w.positionId, () => ({}));
    const old = record.state;
    Object.assign(record, { state: w.state, snapshot: JSON.stringify(w.snapshot), updatedAt: w.at });
    if (old !== w.state) {
      const sets = entry(this.data.states, account, () => new Map<string, Set<string>>());
      if (old !== undefined) sets.get(old)?.delete(w.positionId);
      entry(sets, w.state, () => new Set()).add(w.positionId);
    }
    if (w.final) this.data.live.get(account)?.delete(w.positionId);
    const history = entry(this.data.history, w.positionId, () => []);
    history.push({
      id: `${w.at}-${++this.seq}`,
      at: w.at,
      state: w.state,
      event: w.event.type,
      payload: JSON.parse(JSON.stringify(w.event.payload ?? null)) as unknown,
    });
    if (history.length > HISTORY_MAX) history.splice(0, history.length - HISTORY_MAX);
  }

  async loadLive(account: AccountId): Promise<StoredPosition[]> {
    return (await this.loadLiveRecords(account)).positions;
  }

  async loadLiveRecords(account: AccountId): Promise<{ positions: StoredPosition[]; unreadable: UnreadableRecord[] }> {
    this.reach('loading live positions');
    const positions: StoredPosition[] = [];
    const unreadable: UnreadableRecord[] = [];
    for (const id of this.data.live.get(account) ?? []) {
      const r = this.data.positions.get(id) ?? {};
      const record = readRecord(id as PositionId, `pos:${id}`, {
        intent: r.intent,
        baseline: r.baseline,
        state: r.state,
        snapshot: r.snapshot,
      });
      if (isUnreadable(record)) unreadable.push(record);
      else positions.push(record);
    }
    return { positions, unreadable };
  }

  async idsInState(account: AccountId, state: string): Promise<PositionId[]> {
    this.reach('reading a state index');
    return [...(this.data.states.get(account)?.get(state) ?? [])] as PositionId[];
  }

  async positionForKey(account: AccountId, idempotencyKey: string): Promise<PositionId | undefined> {
    this.reach('looking up an idempotency key');
    return this.data.keys.get(account)?.get(idempotencyKey) as PositionId | undefined;
  }

  async history(positionId: PositionId, count = HISTORY_MAX): Promise<HistoryEntry[]> {
    this.reach('reading a history');
    return (this.data.history.get(positionId) ?? []).slice(0, count);
  }

  async saveSweepReport(account: AccountId, report: unknown, keep = 50): Promise<void> {
    this.reach('saving a sweep report');
    const list = entry(this.data.sweeps, account, () => []);
    list.unshift(JSON.stringify(report));
    list.splice(keep);
  }

  async sweepReports(account: AccountId, count = 50): Promise<unknown[]> {
    this.reach('reading sweep reports');
    return (this.data.sweeps.get(account) ?? []).slice(0, count).map((r) => JSON.parse(r) as unknown);
  }
}
