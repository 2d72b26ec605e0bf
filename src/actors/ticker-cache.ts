/**
 * One account's cache of the venue's public ticker stream (see docs/architecture.md, Request
 * budget): the last tick of every symbol it watches, and the newest venue time any tick carried
 * (the venue's "now" as best known). A symbol is watched from the first intent on it on (that
 * entry fetches its price) for as long as the account is held; the entry fast path reads the
 * cache through the pure `priceFromTicker`, which judges the tick's age.
 *
 * Receives: ticks from the port's `watchTicker`. Sends nothing. Touches the port's public stream.
 *
 * @example
 * const cache = new TickerCache(port);
 * cache.watch('AVL/USDT:USDT'); // idempotent
 * cache.latest('AVL/USDT:USDT') // the last tick, or undefined
 */
import type { PriceTick } from '../domain/entry-fast-path.js';
import type { ExchangePort, StreamSubscription } from '../exchange/port.js';

export class TickerCache {
  private readonly ticks = new Map<string, PriceTick>();
  private readonly watching = new Map<string, StreamSubscription>();
  private newest = 0;

  constructor(private readonly port: Pick<ExchangePort, 'watchTicker'>) {}

  /** Starts watching `symbol` unless it is watched already (no-op on a port without a ticker stream). */
  watch(symbol: string): void {
    if (this.port.watchTicker === undefined || this.watching.has(symbol)) return;
    this.watching.set(
      symbol,
      this.port.watchTicker(symbol, (tick) => this.take(tick)),
    );
  }

  /** The last tick of `symbol`, if one arrived. */
  latest(symbol: string): PriceTick | undefined {
    return this.ticks.get(symbol);
  }

  /** The newest venue time of any tick (0 before the first). */
  get newestVenueTime(): number {
    return this.newest;
  }

  /** Stops every watch and forgets every tick (the account is let go). */
  close(): void {
    for (const s of this.watching.values()) void s.close().catch(() => {});
    this.watching.clear();
    this.ticks.clear();
  }

  private take(tick: PriceTick): void {
    if (!this.watching.has(tick.symbol)) return;
    const kept = this.ticks.get(tick.symbol);
    // A tick that arrives out of order never replaces a later one.
    if (kept === undefined || tick.venueTime >= kept.venueTime) this.ticks.set(tick.symbol, tick);
    if (tick.venueTime > this.newest) this.newest = tick.venueTime;
  }
}
