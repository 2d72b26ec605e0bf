/**
 * The entry's journal write (see docs/architecture.md, Request budget): the intent journalled,
 * and, when nothing stands between that write and the entry's send (no idempotency key to look
 * up, no opposite position to refuse, the entry's lane of the request budget free), the entry
 * claimed and the intent confirmed in the same fenced write — one Redis round trip before the
 * entry leaves. A claim taken so is kept in this process only, for that entry's first send
 * (`take`), and is `fresh` only until the steps that follow the write without a wait (its reply
 * handled, the position moved on, its send handed to the request budget) are done
 * (`process.nextTick` runs after them): a send that takes it later — an actor restarted before
 * its send — has the claim fenced again before it leaves. Otherwise the entry is claimed (and
 * its intent confirmed) when the budget releases it.
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

/** An entry's claim taken with its journal write. */
export interface ClaimWithJournal {
  readonly claim: string;
  /** Still in the steps that follow the write without a wait: no time for the lease to be lost since. */
  readonly fresh: boolean;
}

export class EntryJournal {
  /** Entry claims taken with the journal write, by position, until the entry's first send takes them. */
  private readonly claims = new Map<PositionId, { claim: string; fresh: boolean }>();

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
    if (claim !== undefined) {
      const taken = { claim, fresh: true };
      this.claims.set(entry.positionId, taken);
      // After every step the reply sets off without a wait (they are promise jobs, run first).
      process.nextTick(() => {
        taken.fresh = false;
      });
    }
    return result;
  }

  /** The claim taken with `positionId`'s journal write, once: `undefined` ever after, or when none was. */
  take(positionId: PositionId): ClaimWithJournal | undefined {
    const taken = this.claims.get(positionId);
    this.claims.delete(positionId);
    return taken === undefined ? undefined : { claim: taken.claim, fresh: taken.fresh };
  }
}
