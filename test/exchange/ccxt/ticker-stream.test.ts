/**
 * The wire simulator's public ticker streams read by the real ccxt (`watchTicker` on Bybit's
 * `/v5/public/linear`, `watchMarkPrice` on Binance USD-M): what a later price cache will be fed from. The account's REST URLs from
 * the config; the public stream's URL set here (the config has no field for it yet).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildExchange, type BuiltExchange } from '../../../src/exchange/ccxt/exchange-factory.js';
import { AVL, wireHarness, type WireHarness } from '../../support/wire-harness.js';

let h: WireHarness;
let built: BuiltExchange | undefined;
beforeEach(async () => {
  h = await wireHarness();
});
afterEach(async () => {
  await built?.exchange.close();
  built?.dispose();
  built = undefined;
  await h.close();
});

describe('ccxt reads the public ticker stream of the wire simulator', () => {
  it('watchTicker on Bybit gets the snapshot, then the mark and last of each price set', async () => {
    built = buildExchange(h.account('bybit'));
    const ex = built.exchange;
    (ex.urls.api as unknown as { ws: { public: Record<string, string> } }).ws.public.linear =
      h.wire.urls.publicWs.bybit;
    await ex.loadMarkets();
    const first = await ex.watchTicker(AVL);
    expect(first).toMatchObject({ symbol: AVL, markPrice: 0.25, last: 0.25 });
    const next = ex.watchTicker(AVL);
    h.venue.setPrices(AVL, { mark: 0.26, last: 0.27 });
    expect(await next).toMatchObject({ symbol: AVL, markPrice: 0.26, last: 0.27 });
  });
});

describe('ccxt reads the mark price stream of the wire simulator', () => {
  it('watchMarkPrice on Binance USD-M gets the mark of each price set', async () => {
    built = buildExchange(h.account('binanceusdm'));
    const ex = built.exchange as BuiltExchange['exchange'] & {
      watchMarkPrice(symbol: string): Promise<{ symbol: string; markPrice?: number }>;
    };
    await ex.loadMarkets();
    let received = false;
    const first = ex.watchMarkPrice(AVL).finally(() => {
      received = true;
    });
    // Binance sends nothing on subscribing: set the price until the subscription has reached the venue.
    for (let i = 0; i < 30 && !received; i += 1) {
      h.venue.setPrice(AVL, 0.26);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await first).toMatchObject({ symbol: AVL, markPrice: 0.26 });
  });
});
