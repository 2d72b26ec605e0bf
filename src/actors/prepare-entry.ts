/**
 * The entry's preparation, before it is sent (see docs/architecture.md, Request budget and
 * Evidence and freshness): the baseline (the feed's proven view of the symbol, else a read), the
 * intent's journal write (with its entry's claim when it may leave at once), and, for a keyed
 * intent the store does not know, the look-up of its earlier life. Refuses what must never be
 * sent: an unconfirmed or adopted intent, an entry that would net away a position on the other
 * side.
 *
 * Receives: the machine's `prepareEntry` input. Sends: position and order queries to the port,
 * the intent to the journal.
 */
import type { PrepareEntryInput, PrepareEntryOutput } from '../machines/position.effects.js';
import { compareTiming } from '../domain/freshness.js';
import {
  Halted,
  IntentUnconfirmed,
  JournalUnavailable,
  OppositePositionHeld,
  PosguardError,
  errorText,
} from '../domain/errors.js';
import type { Baseline, PositionStatusReport } from '../domain/reports.js';
import type { JournalResult } from '../persistence/journal.js';
import { lookUpEarlier, ordersOfEarlierLife, type EarlierLife } from './earlier-life.js';
import { opposite, type EntryJournal } from './entry-journal.js';
import type { PositionWiring } from './position.wiring.js';

const timingOf = (r: PositionStatusReport) => ({
  source: r.source,
  venueTime: r.venueTime,
  venueSeq: r.venueSeq,
  receivedAt: r.receivedAt,
});

/**
 * The entry's baseline: the REST read, or what the account already knows of the symbol when
 * that shows a later state (the stream's last report, the previous position's proven flat).
 * It carries the timing of the report it came from.
 */
function baselineOf(read: PositionStatusReport | undefined, known: PositionStatusReport | undefined): Baseline {
  const pick = read === undefined ? known : known !== undefined && compareTiming(known, read) > 0 ? known : read;
  if (pick === undefined) return { side: undefined, size: 0, timing: undefined };
  return { side: pick.size > 0 ? pick.side : undefined, size: pick.size, timing: timingOf(pick) };
}

/** What the entry's preparation keeps across the positions of one wiring. */
export interface EntryPreparation {
  readonly entries: EntryJournal;
  /** When this worker took the account. */
  readonly heldSince: () => number;
}

export async function prepareEntry(
  w: PositionWiring,
  { entries, heldSince }: EntryPreparation,
  input: PrepareEntryInput,
): Promise<PrepareEntryOutput> {
  const { port, journal, clock } = w;
  const symbol = input.intent.symbol;
  // With a live feed whose view of the symbol is proven fresh, no venue call before the entry
  // leaves (see docs/architecture.md, Request budget); else the careful read.
  const read =
    w.feedBaseline?.(symbol) ??
    baselineOf(
      (await port.fetchPositions([symbol])).find((p) => p.symbol === symbol),
      w.known?.(symbol),
    );
  let journalled: JournalResult;
  try {
    // The intent is confirmed by its entry's claim (with this write, or at the send): an intent
    // whose journal reply was lost is never claimed, so never confirmed and never sent.
    journalled = await entries.record({
      positionId: input.positionId,
      intent: input.intent,
      entryClientOrderId: input.clientOrderId,
      baseline: read,
      at: clock.now(),
    });
  } catch (e) {
    // Refused before anything was written: the position leaves nothing behind, the caller hears the refusal itself.
    if (e instanceof Halted) w.refusals?.note(input.positionId, e);
    throw e instanceof PosguardError ? e : new JournalUnavailable(errorText(e));
  }
  // Journalled before a restart, but the bot never heard it was accepted: never send it.
  if (journalled.kind === 'unconfirmed') throw new IntentUnconfirmed(input.positionId);
  // An orphan taken over has no entry of posguard's to send.
  if (journalled.kind === 'adopted')
    throw new IntentUnconfirmed(input.positionId, 'it was journalled as an adopted orphan: its entry is never sent');
  // An intent named by an idempotency key has a position id (and so client order ids) of the
  // key's own: if the store forgot an earlier position of this key, its entry is on the venue.
  // Looked up before sending until a "not found" is new enough to believe (on Binance a filled
  // order's id is accepted again; see docs/architecture.md, Evidence and freshness).
  // The intent is confirmed only after that look-up (by the entry's claim, when it is sent): a
  // worker killed while it waits leaves the intent unconfirmed, and so never sent.
  const life: EarlierLife = {
    port,
    clock,
    symbol,
    since: heldSince(),
    restLagMs: input.restLagMs,
    timeoutMs: input.timeoutMs,
  };
  // Also when the intent was confirmed by an earlier run of this step whose answer was lost
  // (the actor restarted in it): what that look-up found is found again.
  const earlier =
    input.intent.idempotencyKey !== undefined && (journalled.kind === 'new' || journalled.kind === 'confirmed')
      ? await lookUpEarlier(life, input.clientOrderId)
      : undefined;
  const foundOrders = earlier?.kind === 'found' ? await ordersOfEarlierLife(life, input.positionId) : [];
  // An entry found or left unproven is never sent, so never claimed: its intent is confirmed here.
  if (earlier !== undefined && earlier.kind !== 'absent') {
    try {
      await journal.confirmIntent(input.positionId);
    } catch (e) {
      throw e instanceof PosguardError ? e : new JournalUnavailable(errorText(e));
    }
  }
  if (earlier?.kind === 'found')
    return { at: clock.now(), baseline: journalled.baseline, found: earlier.order, foundOrders };
  if (earlier?.kind === 'unproven') return { at: clock.now(), baseline: journalled.baseline, unproven: earlier.why };
  // An untracked position on the other side would net the entry away: refused, never sent.
  const held = journalled.baseline;
  if (journalled.kind === 'new' && held.side !== undefined && opposite(held, input.intent.side)) {
    throw new OppositePositionHeld(input.intent.symbol, { side: held.side, size: held.size }, input.intent.side);
  }
  // After a restart the journal answers the baseline written before the first send.
  return { at: clock.now(), baseline: journalled.baseline };
}
