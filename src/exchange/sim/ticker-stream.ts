/**
 * The venue's public ticker stream (see docs/architecture.md, Exchanges): every
 * price set on a market (a move, or a step of its price path) is sent to the subscribers of that symbol as a tick
 * stamped with the venue time of the change. The `tickerDelay` fault holds ticks back by its
 * `ms` (each tick one "call"), as a slow public feed would; the tick keeps the venue time of
 * its change, so a late tick is visibly old. No account: the stream is public. Touches its
 * subscribers and the venue's timers.
 *
 * @example
 * const sub = venue.subscribeTickers(['AVL/USDT:USDT'], (tick) => cache.set(tick.symbol, tick));
 * venue.setPrice('AVL/USDT:USDT', 0.26); // → { symbol: 'AVL/USDT:USDT', mark: 0.26, last: 0.26, at: now }
 */
import { asAccountId } from '../../domain/ids.js';
import type { FaultBook } from './faults.js';

/** One tick: a market's mark and last price at venue time `at`. */
export interface Tick {
  readonly symbol: string;
  readonly mark: number;
  readonly last: number;
  /** Venue time of the price change. */
  readonly at: number;
}

export interface TickerSubscription {
  close(): void;
}

/** The account the public stream's faults are counted under (a rule for every account applies). */
const PUBLIC = asAccountId('public');

interface Subscriber {
  /** The symbols asked for; every symbol when absent. */
  readonly symbols: ReadonlySet<string> | undefined;
  readonly onTick: (tick: Tick) => void;
}

export class TickerStream {
  private readonly subscribers = new Set<Subscriber>();

  /** `later(ms, fn)`: the venue's timer (cleared when the venue closes). */
  constructor(
    private readonly faults: FaultBook,
    private readonly later: (ms: number, fn: () => void) => void,
  ) {}

  /** Ticks of `symbols` (every symbol when absent) to `onTick`, from the next price change on. */
  subscribe(symbols: readonly string[] | undefined, onTick: (tick: Tick) => void): TickerSubscription {
    const subscriber: Subscriber = { symbols: symbols === undefined ? undefined : new Set(symbols), onTick };
    this.subscribers.add(subscriber);
    return { close: () => this.subscribers.delete(subscriber) };
  }

  /** Sends one tick to its symbol's subscribers, after the `tickerDelay` fault's hold when one is on. */
  publish(tick: Tick): void {
    const to = [...this.subscribers].filter((s) => s.symbols === undefined || s.symbols.has(tick.symbol));
    if (to.length === 0) return;
    const delay = this.faults.take('tickerDelay', PUBLIC)?.ms ?? 0;
    this.later(delay, () => {
      for (const s of to) if (this.subscribers.has(s)) s.onTick(tick);
    });
  }

  close(): void {
    this.subscribers.clear();
  }
}
