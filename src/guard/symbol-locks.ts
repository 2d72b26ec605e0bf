/**
 * The symbol locks of one account (see docs/architecture.md, Symbol locks): one position per
 * (account, symbol) while it is not final. The only owner of that map: everything else uses
 * its verbs. An intent `reserve`s its symbol before anything is awaited (the mark-price
 * check), then `commit`s the reservation to its position, or `cancel`s it; a final position
 * `release`s its symbol. A sweep counts a reserved symbol as tracked (`symbols()`), so an
 * intent being opened is never taken for an orphan.
 *
 * Receives: the verbs, from the guard's `open()`, the account worker's admission (open,
 * adopt, rehydrate) and the position children. Sends nothing. Touches nothing else.
 *
 * @example
 * const r = locks.reserve('AVL/USDT:USDT');      // undefined if the symbol is busy
 * await check();                                 // the lock is held meanwhile
 * locks.commit(r, positionId);                   // or locks.cancel(r)
 * locks.release('AVL/USDT:USDT', positionId);    // when the position is final
 */
import type { PositionId } from '../domain/ids.js';

/** A symbol held for an intent that is being checked: not yet a position. */
export class Reservation {
  constructor(readonly symbol: string) {}
}

/** A reservation used after it was committed, cancelled or lost: a programming error. */
export class ReservationLost extends Error {
  constructor(symbol: string) {
    super(`the reservation of ${symbol} is no longer held (committed, cancelled or cleared before)`);
    this.name = 'ReservationLost';
  }
}

export class SymbolLocks {
  private readonly held = new Map<string, PositionId | Reservation>();

  /** Holds `symbol` for an intent being checked; `undefined` when it is busy. */
  reserve(symbol: string): Reservation | undefined {
    if (this.held.has(symbol)) return undefined;
    const r = new Reservation(symbol);
    this.held.set(symbol, r);
    return r;
  }

  /** Hands a reservation to the position it became; throws `ReservationLost` if it is not held. */
  commit(r: Reservation, id: PositionId): void {
    if (this.held.get(r.symbol) !== r) throw new ReservationLost(r.symbol);
    this.held.set(r.symbol, id);
  }

  /** Gives a reservation up (the intent was refused); a no-op if it is no longer held. */
  cancel(r: Reservation): void {
    if (this.held.get(r.symbol) === r) this.held.delete(r.symbol);
  }

  /** Frees `symbol` if position `id` holds it (the position is final). */
  release(symbol: string, id: PositionId): void {
    if (this.held.get(symbol) === id) this.held.delete(symbol);
  }

  /** The position that holds `symbol`, `'reserved'` while an intent is checked, else `undefined`. */
  holder(symbol: string): PositionId | 'reserved' | undefined {
    const h = this.held.get(symbol);
    return h instanceof Reservation ? 'reserved' : h;
  }

  /** The position that holds `symbol` (not a reservation). */
  positionOn(symbol: string): PositionId | undefined {
    const h = this.held.get(symbol);
    return h instanceof Reservation ? undefined : h;
  }

  /** Every held symbol, reservations included: what a sweep counts as tracked. */
  symbols(): string[] {
    return [...this.held.keys()];
  }

  /** Forgets every lock (the account is let go). */
  clear(): void {
    this.held.clear();
  }
}
