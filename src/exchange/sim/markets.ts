/**
 * The markets the simulated venue lists: the linear USDT perpetuals of see docs/architecture.md, Exchanges,
 * with venue-like steps and minimums, a starting price and a per-step volatility for the
 * seeded price path. Pure data.
 *
 * @example
 * const venue = new SimExchange({ clock, seed: 1, markets: [...DEFAULT_SIM_MARKETS, myMarket] });
 */
import type { Market } from '../../domain/market.js';

/** A listed market, plus what the price path needs. */
export interface SimMarketSpec extends Market {
  /** Mark price when the venue starts (a multiple of `priceStep`). */
  readonly initialPrice: number;
  /** Largest relative move of one price step, e.g. 0.001 for ±0.1 %. */
  readonly volatility: number;
}

export const DEFAULT_SIM_MARKETS: readonly SimMarketSpec[] = [
  {
    symbol: 'BTC/USDT:USDT',
    amountStep: 0.001,
    priceStep: 0.1,
    minAmount: 0.001,
    minNotional: 5,
    contractSize: 1,
    initialPrice: 60_000,
    volatility: 0.0005,
  },
  {
    symbol: 'ETH/USDT:USDT',
    amountStep: 0.01,
    priceStep: 0.01,
    minAmount: 0.01,
    minNotional: 5,
    contractSize: 1,
    initialPrice: 3_000,
    volatility: 0.0007,
  },
  {
    symbol: 'AVL/USDT:USDT',
    amountStep: 1,
    priceStep: 0.0001,
    minAmount: 1,
    minNotional: 5,
    contractSize: 1,
    initialPrice: 0.25,
    volatility: 0.002,
  },
];

/** The `Market` part of a spec, as `loadMarkets` returns it. */
export function marketOf(spec: SimMarketSpec): Market {
  const { symbol, amountStep, priceStep, minAmount, minNotional, contractSize } = spec;
  return { symbol, amountStep, priceStep, minAmount, minNotional, contractSize };
}
