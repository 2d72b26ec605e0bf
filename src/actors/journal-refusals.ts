/**
 * Intents the journal refused before it wrote anything of them (the account is halted: the
 * journal script reads the persisted halt in the same step as the write). The position wiring
 * notes the refusal; the position's child takes it when the position fails before its entry,
 * leaves nothing of the position behind (no row, no snapshot, its symbol free) and hands the
 * refusal itself to the caller of `guard.open` (see docs/architecture.md, Request budget).
 * One per account worker; an entry lives from the refusal to the position's next snapshot.
 *
 * @example
 * refusals.note(positionId, new Halted('account main', 'incident 7'));
 * refusals.take(positionId); // the Halted error, once
 */
import type { PosguardError } from '../domain/errors.js';
import type { PositionId } from '../domain/ids.js';

export class JournalRefusals {
  private readonly refused = new Map<PositionId, PosguardError>();

  note(positionId: PositionId, refusal: PosguardError): void {
    this.refused.set(positionId, refusal);
  }

  /** The refusal of `positionId`'s intent, once; `undefined` when it was not refused. */
  take(positionId: PositionId): PosguardError | undefined {
    const refusal = this.refused.get(positionId);
    this.refused.delete(positionId);
    return refusal;
  }
}
