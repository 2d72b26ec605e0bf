/**
 * What the guard asks of its store (see docs/architecture.md, Persistence and ownership): the
 * ownership lease with its fencing token, the journal (intent, baseline, send claims,
 * idempotency keys), the persisted snapshots with their history, and the sweep reports. Two
 * implementations answer it with the same atomicity and fencing: `RedisStore` (Lua scripts)
 * and `MemoryStore` (the deterministic simulation's, `memory-store.ts`); one conformance suite
 * (`test/persistence/store-conformance.ts`) runs against both.
 *
 * Every write names the holder (`<worker>|<token>`) it is made under; a holder that no longer
 * holds the account's lease is refused with `LeaseLost` and nothing of the write is kept.
 *
 * @example
 * const { token } = await store.takeLease(account, 'w1', 15_000, 0);
 * await store.claimSend(account, `w1|${token}`, positionId, clientOrderId, now); // true once
 */
import { PosguardError, errorText } from '../domain/errors.js';
import type { AccountId, ClientOrderId, PositionId } from '../domain/ids.js';
import type { Intent } from '../domain/intent.js';
import type { Baseline } from '../domain/reports.js';
import type { EntryClaim, JournalEntry, JournalResult } from './journal.js';

/** A write was refused because this worker no longer holds the account's lease. */
export class LeaseLost extends PosguardError {
  readonly code = 'LEASE_LOST';
  constructor(
    readonly account: string,
    operation: string,
  ) {
    super(
      `${operation} refused: this worker no longer holds the lease of account ${account} (it expired, or another worker took it)`,
    );
  }
}

export interface SnapshotWrite {
  readonly positionId: PositionId;
  readonly state: string;
  readonly final: boolean;
  readonly snapshot: unknown;
  readonly at: number;
  /** The event that caused the transition, with the raw exchange payload it carried. */
  readonly event: { readonly type: string; readonly payload: unknown };
  /** The position as the registry shows it after this snapshot (for the fleet-wide event stream). */
  readonly row?: EventRow | undefined;
}

/** What an entry of the event stream says of a position besides its states. */
export interface EventRow {
  readonly account: string;
  readonly symbol: string;
  readonly side: string;
  readonly amount: number;
  readonly size: number;
  readonly reason: string | undefined;
  /** Whether its stop is working (`protectionOf`). */
  readonly protection?: { readonly kind: string };
}

export interface StoredPosition {
  readonly id: PositionId;
  readonly intent: Intent;
  readonly baseline: Baseline;
  readonly state: string | undefined;
  /** The persisted actor snapshot, or `undefined` if the actor never wrote one. */
  readonly snapshot: unknown;
}

/** A stored position that cannot be read: quarantined, with an alert naming it. */
export interface UnreadableRecord {
  readonly id: PositionId;
  readonly key: string;
  readonly reason: string;
  /** Its symbol, when its intent could be read. */
  readonly symbol?: string;
}

export interface HistoryEntry {
  readonly id: string;
  readonly at: number;
  readonly state: string;
  readonly event: string;
  readonly payload: unknown;
}

/** History entries kept (approximately) per position. */
export const HISTORY_MAX = 1_000;

/** The store the guard writes through; see the module header. */
export interface Store {
  /** The fencing token if `worker` holds (or now takes) the account's lease, else 0. */
  acquireLease(account: AccountId, worker: string, ttlMs: number): Promise<number>;
  /**
   * As `acquireLease`, never answering a token at or below `floor` (the highest this worker has
   * seen): `wiped` is true when the counter had gone below it — the store lost its data.
   */
  takeLease(
    account: AccountId,
    worker: string,
    ttlMs: number,
    floor: number,
  ): Promise<{ token: number; wiped: boolean }>;
  /** The token of the account's lease as it stands (whoever holds it), or `undefined` when nobody does. */
  leaseToken(account: AccountId): Promise<number | undefined>;
  renewLease(account: AccountId, holder: string, ttlMs: number): Promise<boolean>;
  releaseLease(account: AccountId, holder: string): Promise<void>;
  /** Journals the intent, or finds it journalled before (see `JournalResult`). */
  recordIntent(account: AccountId, holder: string, entry: JournalEntry): Promise<JournalResult>;
  confirmIntent(account: AccountId, holder: string, positionId: PositionId): Promise<void>;
  /**
   * The fenced "about to send" marker: true the first time only. An entry's claim also
   * confirms its intent, in the same write (see docs/architecture.md, Request budget).
   */
  claimSend(
    account: AccountId,
    holder: string,
    positionId: PositionId,
    clientOrderId: ClientOrderId,
    at: number,
  ): Promise<boolean>;
  /**
   * `recordIntent`, then, only for a new intent, its entry's claim and confirmation, in one
   * fenced write (the entry fast path; see docs/architecture.md, Request budget). Refuses as
   * `recordIntent` does (nothing written); an entry a flatten aborted throws `EntryAborted`
   * (journalled, never confirmed, never sent).
   */
  recordAndClaim(account: AccountId, holder: string, entry: JournalEntry): Promise<EntryClaim>;
  /**
   * Whether the claim `recordAndClaim` took is still this worker's to send on (fenced: a
   * worker that lost the lease gets `LeaseLost`); an entry a flatten aborted meanwhile throws
   * `EntryAborted`. Writes nothing.
   */
  holdClaim(
    account: AccountId,
    holder: string,
    positionId: PositionId,
    clientOrderId: ClientOrderId,
    claim: string,
  ): Promise<boolean>;
  /** Releases a claim whose order certainly never left (fenced). */
  releaseClaim(account: AccountId, holder: string, positionId: PositionId, clientOrderId: ClientOrderId): Promise<void>;
  /** Writes an idempotency key back (after the store lost its data; fenced). */
  keepKey(account: AccountId, holder: string, idempotencyKey: string, positionId: PositionId): Promise<void>;
  /** Throws `LeaseLost` unless `holder` still holds the account's lease. */
  fence(account: AccountId, holder: string, operation: string): Promise<void>;
  /** The snapshot with its history entry and the indexes, written together (fenced). */
  saveSnapshot(account: AccountId, holder: string, w: SnapshotWrite): Promise<void>;
  loadLive(account: AccountId): Promise<StoredPosition[]>;
  /** Every non-final position of the account; a record that cannot be read is answered apart, never skipped. */
  loadLiveRecords(account: AccountId): Promise<{ positions: StoredPosition[]; unreadable: UnreadableRecord[] }>;
  /** Position ids of the account in `state`. */
  idsInState(account: AccountId, state: string): Promise<PositionId[]>;
  positionForKey(account: AccountId, idempotencyKey: string): Promise<PositionId | undefined>;
  history(positionId: PositionId, count?: number): Promise<HistoryEntry[]>;
  /** Keeps a sweep's report, the last `keep` per account. */
  saveSweepReport(account: AccountId, report: unknown, keep?: number): Promise<void>;
  /** The account's latest sweep reports, newest first. */
  sweepReports(account: AccountId, count?: number): Promise<unknown[]>;
}

/** The stored fields of a position record, as strings the way both stores keep them. */
export interface RecordFields {
  readonly intent: string | null | undefined;
  readonly baseline: string | null | undefined;
  readonly state: string | null | undefined;
  readonly snapshot: string | null | undefined;
}

/** Reads one stored record: the position, or why it cannot be read (the one rule of both stores). */
export function readRecord(id: PositionId, key: string, f: RecordFields): StoredPosition | UnreadableRecord {
  const bad = (reason: string, symbol?: string): UnreadableRecord => ({
    id,
    key,
    reason,
    ...(symbol === undefined ? {} : { symbol }),
  });
  if (f.intent == null || f.baseline == null) return bad(f.intent == null ? 'it has no intent' : 'it has no baseline');
  let intent: Intent;
  try {
    intent = JSON.parse(f.intent) as Intent;
  } catch (e) {
    return bad(`its intent is not JSON (${errorText(e)})`);
  }
  try {
    return {
      id,
      intent,
      baseline: JSON.parse(f.baseline) as Baseline,
      state: f.state ?? undefined,
      snapshot: f.snapshot == null ? undefined : JSON.parse(f.snapshot),
    };
  } catch (e) {
    return bad(
      `its baseline or snapshot is not JSON (${errorText(e)})`,
      typeof intent?.symbol === 'string' ? intent.symbol : undefined,
    );
  }
}

export function isUnreadable(r: StoredPosition | UnreadableRecord): r is UnreadableRecord {
  return 'reason' in r;
}
