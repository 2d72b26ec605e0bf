/**
 * The simulated venue's two prices per market: the mark price (what the venue values positions
 * at, and what `fetchMarkPrice` answers) and the last traded price (what market and limit orders
 * trade at). They move together unless set apart; a stop fires on the one its `triggerBy` names.
 * Receives price moves; touches only itself.
 *
 * @example
 * const prices = new PriceBook(markets); prices.set(AVL, { mark: 0.25, last: 0.2480 });
 * prices.of(AVL, 'last') // 0.248
 */
import { gt, isMultipleOf } from '../../domain/decimal.js';
import type { SimMarketSpec } from './markets.js';
import type { TriggerBy } from './venue-rules.js';

/** A market's prices at one moment. */
export interface MarketPrices {
  readonly mark: number;
  readonly last: number;
}

export class PriceBook {
  private readonly prices = new Map<string, MarketPrices>();
  private readonly specs: ReadonlyMap<string, SimMarketSpec>;

  constructor(markets: readonly SimMarketSpec[]) {
    this.specs = new Map(markets.map((m) => [m.symbol, m]));
    for (const m of markets) this.prices.set(m.symbol, { mark: m.initialPrice, last: m.initialPrice });
  }

  /** The listed market, or `undefined`. */
  spec(symbol: string): SimMarketSpec | undefined {
    return this.specs.get(symbol);
  }

  get markets(): SimMarketSpec[] {
    return [...this.specs.values()];
  }

  /** Both prices of `symbol`, or `undefined` when it is not listed. */
  get(symbol: string): MarketPrices | undefined {
    return this.prices.get(symbol);
  }

  /** The price a stop with `by` fires on, or `undefined` when `symbol` is not listed. */
  of(symbol: string, by: TriggerBy): number | undefined {
    return this.prices.get(symbol)?.[by];
  }

  /** Sets one or both prices (each on the market's price grid); throws `RangeError` otherwise. */
  set(symbol: string, next: Partial<MarketPrices>): MarketPrices {
    const spec = this.specs.get(symbol);
    const current = this.prices.get(symbol);
    if (spec === undefined || current === undefined)
      throw new RangeError(`the simulated venue does not list ${symbol}`);
    for (const price of [next.mark, next.last]) {
      if (price !== undefined && (!Number.isFinite(price) || !gt(price, 0) || !isMultipleOf(price, spec.priceStep))) {
        throw new RangeError(`price ${price} is not a positive multiple of ${spec.priceStep}`);
      }
    }
    const updated = { mark: next.mark ?? current.mark, last: next.last ?? current.last };
    this.prices.set(symbol, updated);
    return updated;
  }
}
