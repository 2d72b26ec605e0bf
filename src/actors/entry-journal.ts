/**
 * The entry's journal write (see docs/architecture.md, Request budget): the intent journalled,
 * and, when nothing stands between that write and the entry's send (no idempotency key to look
 * up, no opposite position to refuse, the entry's lane of the request budget free), the entry
 * claimed and the intent confirmed in the same fenced write — one Redis round trip before the
 * entry leaves. A claim taken so is kept in this process only, for that entry's first send
 * (`take`): no restored or restarted send ever leaves on it. Otherwise the entry is claimed
 * (and its intent confirmed) when the budget releases it.
 *
 * Receives: the intents of one account's positions. Touches: the journal, and asks the port
 * whether an entry would leave at once.
 *
 * @example
 * const entries = new EntryJournal(journal, port);
 * const journalled = await entries.record(entry); // then, at the entry's send:
 * const claim = entries.take(entry.positionId);    // its claim, once, if taken with the write
 */
import { entryLeavesAtOnce } from '../budget/scheduled-port.js';
import type { PositionId } from '../domain/ids.js';
import type { Baseline } from '../domain/reports.js';
import type { ExchangePort } from '../exchange/port.js';
import type { Journal, JournalEntry, JournalResult } from '../persistence/journal.js';

/** Whether the baseline is a position on the other side of `side` (the entry would net it away). */
export const opposite = (b: Baseline, side: string): boolean => b.side !== undefined && b.side !== side && b.size > 0;

export class EntryJournal {
  /** Entry claims taken with the journal write, by position, until the entry's first send takes them. */
  private readonly claims = new Map<PositionId, string>();

  constructor(
    private readonly journal: Journal,
    private readonly port: ExchangePort,
  ) {}

  /** Journals the intent, its entry claimed in the same write when it may leave at once (see the header). */
  async record(entry: JournalEntry): Promise<JournalResult> {
    const { intent } = entry;
    const journal = this.journal;
    if (
      journal.recordAndClaim === undefined ||
      intent.idempotencyKey !== undefined ||
      opposite(entry.baseline, intent.side) ||
      !entryLeavesAtOnce(this.port, intent.symbol)
    )
      return journal.recordIntent(entry);
    const { result, claim } = await journal.recordAndClaim(entry);
    if (claim !== undefined) this.claims.set(entry.positionId, claim);
    return result;
  }

  /** The claim taken with `positionId`'s journal write, once: `undefined` ever after, or when none was. */
  take(positionId: PositionId): string | undefined {
    const claim = this.claims.get(positionId);
    this.claims.delete(positionId);
    return claim;
  }
}
