/**
 * ccxt markets into posguard's `Market`: the amount and price steps (ccxt's `precision`, read
 * as tick sizes or as decimal places depending on the exchange's precision mode), the minimum
 * amount and order value, the contract size. Only derivatives (`contract`) markets with both
 * steps known are kept: posguard guards positions, and refuses what it cannot validate. Pure.
 *
 * @example
 * toMarkets(exchange.markets, exchange.precisionMode).get('AVL/USDT:USDT') // { amountStep: 1, priceStep: 0.0001, … }
 */
import type { Market } from '../../domain/market.js';

/** ccxt's precision modes (`ccxt/js/src/base/functions/number.js`). */
const DECIMAL_PLACES = 2;
const TICK_SIZE = 4;

interface CcxtMarketLike {
  readonly symbol?: unknown;
  readonly contract?: unknown;
  readonly contractSize?: unknown;
  readonly precision?: { readonly amount?: unknown; readonly price?: unknown };
  readonly limits?: { readonly amount?: { readonly min?: unknown }; readonly cost?: { readonly min?: unknown } };
}

const positive = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;

function step(value: unknown, mode: number): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  if (mode === TICK_SIZE) return positive(value);
  if (mode === DECIMAL_PLACES && Number.isInteger(value) && value >= 0) return Number(`1e-${value}`);
  return undefined;
}

/** The derivatives markets of an exchange, by symbol. */
export function toMarkets(
  markets: Readonly<Record<string, unknown>> | undefined,
  precisionMode: number,
): Map<string, Market> {
  const out = new Map<string, Market>();
  for (const raw of Object.values(markets ?? {})) {
    const m = raw as CcxtMarketLike;
    if (typeof m.symbol !== 'string' || m.contract !== true) continue;
    const amountStep = step(m.precision?.amount, precisionMode);
    const priceStep = step(m.precision?.price, precisionMode);
    if (amountStep === undefined || priceStep === undefined) continue;
    out.set(m.symbol, {
      symbol: m.symbol,
      amountStep,
      priceStep,
      minAmount: positive(m.limits?.amount?.min) ?? amountStep,
      minNotional: positive(m.limits?.cost?.min) ?? 0,
      contractSize: positive(m.contractSize) ?? 1,
    });
  }
  return out;
}
