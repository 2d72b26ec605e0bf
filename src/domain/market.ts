/**
 * What posguard needs to know of a market to validate intents and size closes. Steps and
 * minimums come from the venue (ccxt's `market.precision` and `market.limits`).
 */
export interface Market {
  readonly symbol: string;
  /** Smallest increment of an order amount, in contracts (or base units for linear). */
  readonly amountStep: number;
  /** Smallest increment of a price. */
  readonly priceStep: number;
  /** Smallest order amount. */
  readonly minAmount: number;
  /** Smallest order value (amount × price × contractSize), in the quote currency. */
  readonly minNotional: number;
  /** Base units per contract; 1 for the linear USDT perpetuals. */
  readonly contractSize: number;
}
