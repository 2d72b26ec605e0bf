/**
 * The journal: what a position writes **before** it acts (DESIGN principle 7). The intent,
 * its entry client order id and the baseline position are recorded before the entry is sent;
 * every order's client order id is claimed just before it is sent, and a claim is granted
 * once only, so that no order is ever sent twice — not after a crash, not after a restore.
 *
 * `MemoryJournal` serves until the Redis journal lands; it keeps nothing across restarts.
 */
import type { ClientOrderId, PositionId } from '../domain/ids.js';
import type { Intent } from '../domain/intent.js';
import type { Baseline } from '../machines/position.context.js';

export interface JournalEntry {
  readonly positionId: PositionId;
  readonly intent: Intent;
  readonly entryClientOrderId: ClientOrderId;
  readonly baseline: Baseline;
  readonly at: number;
}

export interface Journal {
  recordIntent(entry: JournalEntry): Promise<void>;
  /** True the first time `clientOrderId` is claimed; false ever after (it may have been sent). */
  claimSend(positionId: PositionId, clientOrderId: ClientOrderId, at: number): Promise<boolean>;
}

export class MemoryJournal implements Journal {
  private readonly intents = new Map<PositionId, JournalEntry>();
  private readonly claims = new Map<ClientOrderId, { positionId: PositionId; at: number }>();

  async recordIntent(entry: JournalEntry): Promise<void> {
    this.intents.set(entry.positionId, entry);
  }

  async claimSend(positionId: PositionId, clientOrderId: ClientOrderId, at: number): Promise<boolean> {
    if (this.claims.has(clientOrderId)) return false;
    this.claims.set(clientOrderId, { positionId, at });
    return true;
  }

  intent(positionId: PositionId): JournalEntry | undefined {
    return this.intents.get(positionId);
  }
}
