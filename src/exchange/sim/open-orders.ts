/**
 * Which orders of one account a list of open orders must look at, kept as orders open and end,
 * so that a page of the list costs its size and not the account's whole history (see
 * docs/architecture.md, Exchanges). An order is a candidate for a view at venue
 * time `t` when it is open now, or ended after `t` (a lagging view still shows it open);
 * whether it is on the list at `t` is then read from its timeline. Touches only its own state.
 *
 * @example
 * const index = new OpenOrderIndex(); index.opened('1000001', 'BTC/USDT:USDT');
 * index.ended('1000001', 'BTC/USDT:USDT', 5_000);
 * [...index.candidatesAt(4_999)] // ['1000001']; [...index.candidatesAt(5_000)] // []
 */
import { compareKeys } from './paging.js';
import { mergeKeys, SortedKeys } from './sorted-keys.js';

interface Ended {
  readonly id: string;
  readonly symbol: string;
  readonly at: number;
}

/** The open orders of one account in page order, and the ends in time order; see the module header. */
export class OpenOrderIndex {
  private readonly open = new SortedKeys();
  private readonly bySymbol = new Map<string, SortedKeys>();
  /** Every end, in the venue time order it happened (the clock never goes back). */
  private readonly ends: Ended[] = [];

  opened(id: string, symbol: string): void {
    this.open.add(id);
    let keys = this.bySymbol.get(symbol);
    if (keys === undefined) {
      keys = new SortedKeys();
      this.bySymbol.set(symbol, keys);
    }
    keys.add(id);
  }

  /** The order ended (filled, cancelled, expired, rejected) at venue time `at`. */
  ended(id: string, symbol: string, at: number): void {
    if (!this.open.delete(id)) return;
    this.bySymbol.get(symbol)?.delete(id);
    let i = this.ends.length;
    while (i > 0 && (this.ends[i - 1]?.at ?? -Infinity) > at) i--;
    this.ends.splice(i, 0, { id, symbol, at });
  }

  /** The ids that may be open at venue time `t` (on `symbol` only, when given), in page order after `cursor`. */
  candidatesAt(t: number, symbol?: string, cursor?: string): Iterable<string> {
    const open = symbol === undefined ? this.open : this.bySymbol.get(symbol);
    const openAfter = open === undefined ? [] : open.after(cursor);
    const recent: string[] = [];
    for (let i = this.ends.length - 1; i >= 0; i--) {
      const e = this.ends[i] as Ended;
      if (e.at <= t) break;
      if (symbol === undefined || e.symbol === symbol) recent.push(e.id);
    }
    if (recent.length === 0) return openAfter;
    const endedAfter = recent
      .filter((id) => cursor === undefined || cursor === '' || compareKeys(id, cursor) > 0)
      .sort(compareKeys);
    return mergeKeys(openAfter, endedAfter);
  }
}
