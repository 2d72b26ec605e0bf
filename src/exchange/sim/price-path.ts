/**
 * The seeded price path: one step moves a mark price by a random fraction of the market's
 * volatility, kept on the price grid and above zero. Pure: the randomness is passed in.
 *
 * @example
 * const rnd = seededRandom(7);
 * const next = nextPrice(0.25, spec, rnd); // e.g. 0.2503
 */
import { dec, floorToStep, gte } from '../../domain/decimal.js';
import type { Random } from '../../domain/random.js';
import type { SimMarketSpec } from './markets.js';

/** The mark price after one step of the path from `price`. */
export function nextPrice(price: number, spec: Pick<SimMarketSpec, 'priceStep' | 'volatility'>, rnd: Random): number {
  const move = (rnd() * 2 - 1) * spec.volatility;
  const raw = dec(price).times(dec(1).plus(move));
  const onGrid = floorToStep(raw, spec.priceStep);
  return gte(onGrid, spec.priceStep) ? onGrid : spec.priceStep;
}
