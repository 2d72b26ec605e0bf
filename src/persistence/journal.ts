/**
 * The journal: what a position writes **before** it acts (see docs/architecture.md, Principles). The intent,
 * its entry client order id and the baseline position are recorded before the entry is sent;
 * every order's client order id is claimed just before it is sent, and a claim is granted
 * once only, so that no order is ever sent twice — not after a crash, not after a restore.
 *
 * `MemoryJournal` keeps nothing across restarts (a guard without Redis); `RedisJournal`
 * writes through the Redis store, fenced by the account's lease.
 */
import type { AccountId, ClientOrderId, PositionId } from '../domain/ids.js';
import type { Intent } from '../domain/intent.js';
import type { Baseline } from '../domain/reports.js';
import type { Store } from './store.js';

export interface JournalEntry {
  readonly positionId: PositionId;
  readonly intent: Intent;
  readonly entryClientOrderId: ClientOrderId;
  readonly baseline: Baseline;
  readonly at: number;
  /** `adopted`: an orphan taken over, whose entry is never sent. `intent` unless given. */
  readonly origin?: 'intent' | 'adopted';
}

/**
 * What journalling an intent found: `new` (written now), or — after a restart — the intent
 * journalled before, `confirmed` if the bot was told it was accepted, else `unconfirmed`.
 */
export type JournalResult = {
  readonly kind: 'new' | 'confirmed' | 'unconfirmed' | 'adopted';
  readonly baseline: Baseline;
};

/** What journalling an intent and claiming its entry together found (`recordAndClaim`). */
export interface EntryClaim {
  readonly result: JournalResult;
  /**
   * The value of the entry's claim when it was taken now (a new intent): the entry may leave
   * at once, or, if it is held, once `holdClaim` says the claim is still this worker's.
   * `undefined` when the intent was journalled before: the entry is claimed the usual way.
   */
  readonly claim: string | undefined;
}

export interface Journal {
  /** Journals the intent, or finds it journalled before a restart (with its first baseline). */
  recordIntent(entry: JournalEntry): Promise<JournalResult>;
  /**
   * Marks the intent as acknowledged: only then may a restarted worker send it. An entry's
   * claim confirms its intent by itself; this is for a position journalled with no entry to
   * send (an adopted orphan, a write-back).
   */
  confirmIntent(positionId: PositionId): Promise<void>;
  /**
   * True the first time `clientOrderId` is claimed; false ever after (it may have been sent).
   * An entry's claim confirms its intent in the same write.
   */
  claimSend(positionId: PositionId, clientOrderId: ClientOrderId, at: number): Promise<boolean>;
  /**
   * Journals a new intent and claims its entry in one write (see `EntryClaim`); a journal
   * without it has the entry claimed at its send. Optional: a journal may not offer it.
   */
  recordAndClaim?(entry: JournalEntry): Promise<EntryClaim>;
  /** Whether the claim `recordAndClaim` took is still this worker's (fenced; see `Store.holdClaim`). */
  holdClaim?(positionId: PositionId, clientOrderId: ClientOrderId, claim: string): Promise<boolean>;
  /** Releases a claim whose order certainly never left (the worker began to stop in between). */
  releaseClaim(positionId: PositionId, clientOrderId: ClientOrderId): Promise<void>;
  /** Throws unless this worker may still act for the account (with Redis: it holds the lease). */
  fence(operation: string): Promise<void>;
}

export class MemoryJournal implements Journal {
  private readonly intents = new Map<PositionId, JournalEntry>();
  private readonly claims = new Map<ClientOrderId, { positionId: PositionId; at: number; claim?: string }>();
  private nonce = 0;

  private readonly confirmed = new Set<PositionId>();

  async recordIntent(entry: JournalEntry): Promise<JournalResult> {
    const first = this.intents.get(entry.positionId);
    if (first !== undefined) {
      if (first.origin === 'adopted') return { kind: 'adopted', baseline: first.baseline };
      return { kind: this.confirmed.has(entry.positionId) ? 'confirmed' : 'unconfirmed', baseline: first.baseline };
    }
    this.intents.set(entry.positionId, entry);
    return { kind: 'new', baseline: entry.baseline };
  }

  async confirmIntent(positionId: PositionId): Promise<void> {
    this.confirmed.add(positionId);
  }

  async claimSend(positionId: PositionId, clientOrderId: ClientOrderId, at: number): Promise<boolean> {
    if (this.claims.has(clientOrderId)) return false;
    this.claims.set(clientOrderId, { positionId, at });
    if (this.intents.get(positionId)?.entryClientOrderId === clientOrderId) this.confirmed.add(positionId);
    return true;
  }

  async recordAndClaim(entry: JournalEntry): Promise<EntryClaim> {
    const result = await this.recordIntent(entry);
    if (result.kind !== 'new') return { result, claim: undefined };
    const claim = `${entry.at}:${++this.nonce}`;
    this.claims.set(entry.entryClientOrderId, { positionId: entry.positionId, at: entry.at, claim });
    this.confirmed.add(entry.positionId);
    return { result, claim };
  }

  async holdClaim(_positionId: PositionId, clientOrderId: ClientOrderId, claim: string): Promise<boolean> {
    return this.claims.get(clientOrderId)?.claim === claim;
  }

  async releaseClaim(_positionId: PositionId, clientOrderId: ClientOrderId): Promise<void> {
    this.claims.delete(clientOrderId);
  }

  async fence(_operation: string): Promise<void> {}

  intent(positionId: PositionId): JournalEntry | undefined {
    return this.intents.get(positionId);
  }
}

/** The journal of one account in the store (Redis, or the simulation's memory store), written under the lease this worker holds now. */
export class RedisJournal implements Journal {
  constructor(
    private readonly store: Store,
    private readonly account: AccountId,
    private readonly holder: () => string,
  ) {}

  recordIntent(entry: JournalEntry): Promise<JournalResult> {
    return this.store.recordIntent(this.account, this.holder(), entry);
  }

  confirmIntent(positionId: PositionId): Promise<void> {
    return this.store.confirmIntent(this.account, this.holder(), positionId);
  }

  claimSend(positionId: PositionId, clientOrderId: ClientOrderId, at: number): Promise<boolean> {
    return this.store.claimSend(this.account, this.holder(), positionId, clientOrderId, at);
  }

  recordAndClaim(entry: JournalEntry): Promise<EntryClaim> {
    return this.store.recordAndClaim(this.account, this.holder(), entry);
  }

  holdClaim(positionId: PositionId, clientOrderId: ClientOrderId, claim: string): Promise<boolean> {
    return this.store.holdClaim(this.account, this.holder(), positionId, clientOrderId, claim);
  }

  releaseClaim(positionId: PositionId, clientOrderId: ClientOrderId): Promise<void> {
    return this.store.releaseClaim(this.account, this.holder(), positionId, clientOrderId);
  }

  fence(operation: string): Promise<void> {
    return this.store.fence(this.account, this.holder(), operation);
  }
}
