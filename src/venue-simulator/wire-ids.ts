/**
 * Names on the wire: the venues' market ids (`AVLUSDT` for `AVL/USDT:USDT`) and order ids.
 * Bybit's linear order ids are UUIDs; Binance's are integers, up to 19 digits, and its
 * conditional (algo) orders have ids of their own. The simulated venue numbers its orders
 * `1000001, 1000002, …`; these functions map both ways, so that a venue id sent back by a
 * client finds its order. Pure.
 *
 * @example
 * bybitOrderId('1000001')            // '5c0d1b2e-0000-4000-8000-000001000001'
 * simIdOfBinanceOrderId('8389765000001000001', BINANCE_ORDER_ID_BASE) // '1000001'
 */
import type { Market } from '../domain/market.js';

/** The wire id of a linear perpetual: base and quote run together. */
export function marketIdOf(symbol: string): string {
  const m = /^([A-Z0-9]+)\/([A-Z0-9]+):([A-Z0-9]+)$/.exec(symbol);
  if (m === null) throw new RangeError(`not a linear perpetual symbol: ${symbol}`);
  return `${m[1]}${m[2]}`;
}

/** Market ids both ways, for the venue's listed markets. */
export class MarketIds {
  private readonly bySymbol = new Map<string, string>();
  private readonly byId = new Map<string, Market>();

  constructor(markets: readonly Market[]) {
    for (const m of markets) {
      const id = marketIdOf(m.symbol);
      this.bySymbol.set(m.symbol, id);
      this.byId.set(id, m);
    }
  }

  id(symbol: string): string {
    return this.bySymbol.get(symbol) ?? marketIdOf(symbol);
  }

  /** The market of a wire id, or `undefined` if it is not listed. */
  market(id: string | null | undefined): Market | undefined {
    return id === null || id === undefined ? undefined : this.byId.get(id);
  }

  get specs(): Market[] {
    return [...this.byId.values()];
  }
}

const BYBIT_PREFIX = '5c0d1b2e-0000-4000-8000-';

/** Bybit's form of a simulated order id: a UUID whose last group is the number. */
export function bybitOrderId(simId: string): string {
  return BYBIT_PREFIX + simId.padStart(12, '0');
}

/** The simulated order id behind a Bybit order id, or `undefined` for ids it never gave. */
export function simIdOfBybitOrderId(id: string): string | undefined {
  if (!id.startsWith(BYBIT_PREFIX)) return undefined;
  const digits = id.slice(BYBIT_PREFIX.length);
  return /^\d{12}$/.test(digits) ? String(Number(digits)) : undefined;
}

/** Added to simulated order ids on Binance: ids of 19 digits, beyond 2^53. */
export const BINANCE_ORDER_ID_BASE = 8_389_765_000_000_000_000n;

/** Binance's order id of a simulated order (a JSON number of 19 digits). */
export function binanceOrderId(simId: string, base: bigint): bigint {
  return base + BigInt(simId);
}

/** The simulated order id behind a Binance order id, or `undefined` for ids it never gave. */
export function simIdOfBinanceOrderId(id: string | null, base: bigint): string | undefined {
  if (id === null || !/^\d{1,20}$/.test(id)) return undefined;
  const n = BigInt(id) - base;
  return n > 0n ? n.toString() : undefined;
}

/** Binance's algo id of a simulated stop order: a small integer of its own. */
export function binanceAlgoId(simId: string): bigint {
  return BigInt(simId);
}

/** The simulated order id behind a Binance algo id. */
export function simIdOfBinanceAlgoId(id: string | null): string | undefined {
  return id !== null && /^\d{1,15}$/.test(id) ? String(Number(id)) : undefined;
}
