/**
 * Paged lists through the real ccxt over the wire simulator (see docs/architecture.md, Request
 * budget): Bybit v5's position list (200 a page) and open orders (50 a page) come back whole,
 * each page one request in the venue's record; Binance USD-M's lists are not paged and weigh
 * 5 (position risk) and 40 (open orders without a symbol).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { asClientOrderId } from '../../src/domain/ids.js';
import type { SimMarketSpec } from '../../src/exchange/sim/markets.js';
import { binance } from '../support/wire-client.js';
import { API_KEY, API_SECRET, wireHarness, type WireHarness } from '../support/wire-harness.js';

let h: WireHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** `n` linear perpetuals priced at 1. */
const markets = (n: number): SimMarketSpec[] =>
  Array.from({ length: n }, (_, i) => ({
    symbol: `P${i}/USDT:USDT`,
    amountStep: 1,
    priceStep: 0.0001,
    minAmount: 1,
    minNotional: 5,
    contractSize: 1,
    initialPrice: 1,
    volatility: 0,
  }));

/** Opens a position on each of the first `n` markets, as another program would (not recorded). */
function openPositions(venue: WireHarness['venue'], n: number): void {
  for (let i = 0; i < n; i += 1) venue.openExternalPosition('main', `P${i}/USDT:USDT`, 'buy', 10);
}

/** Rests `n` limit buys far below the price on P0 (recorded as creates, not as list reads). */
function restOrders(venue: WireHarness['venue'], n: number): void {
  for (let i = 0; i < n; i += 1) {
    const reply = venue.server.createOrder('main' as never, {
      symbol: 'P0/USDT:USDT',
      side: 'buy',
      type: 'limit',
      amount: 10,
      price: 0.6,
      clientOrderId: asClientOrderId(`pg-rest-${i}`),
      reduceOnly: false,
    });
    if (!reply.ok) throw new Error('the resting order was refused');
  }
}

describe('paged lists on Bybit v5 through ccxt', () => {
  it('reads 450 positions whole in three pages of at most 200, following the cursor', async () => {
    h = await wireHarness({ markets: markets(450) });
    openPositions(h.venue, 450);
    const port = await h.port('bybit');
    const from = h.venue.requests({ method: 'fetchPositions' }).length;
    const reports = await port.fetchPositions();
    expect(new Set(reports.map((r) => r.symbol)).size).toBe(450);
    const pages = h.venue.requests({ method: 'fetchPositions' }).slice(from);
    expect(pages.map((r) => r.params.limit)).toEqual([200, 200, 200]);
    expect(pages[0]?.params.cursor).toBeUndefined();
    expect(pages.slice(1).every((r) => typeof r.params.cursor === 'string')).toBe(true);
  });

  it('reads 120 open orders whole in three pages of at most 50 (Bybit answers 20 when not asked for more)', async () => {
    h = await wireHarness({ markets: markets(2) });
    restOrders(h.venue, 120);
    const port = await h.port('bybit');
    const reports = await port.fetchOpenOrders();
    expect(new Set(reports.map((r) => r.clientOrderId)).size).toBe(120);
    const pages = h.venue.requests({ method: 'fetchOpenOrders' });
    expect(pages.map((r) => r.params.limit)).toEqual([50, 50, 50]);
  });

  it('asks once more only when the last page is full: 400 positions are two pages and one empty', async () => {
    h = await wireHarness({ markets: markets(400) });
    openPositions(h.venue, 400);
    const port = await h.port('bybit');
    expect(await port.fetchPositions()).toHaveLength(400);
    expect(h.venue.requests({ method: 'fetchPositions' })).toHaveLength(3);
  });

  it("refuses a page limit out of Bybit's bounds with 10001", async () => {
    h = await wireHarness({ markets: markets(2) });
    const port = await h.port('bybit');
    await expect(port.fetchPositions()).resolves.toEqual([]);
    const { bybit } = await import('../support/wire-client.js');
    const reply = await bybit(
      h.wire.urls.bybit.rest,
      'GET',
      '/v5/position/list',
      { category: 'linear', settleCoin: 'USDT', limit: 201 },
      { key: API_KEY, secret: API_SECRET },
    );
    expect(reply.json).toMatchObject({ retCode: 10001 });
  });
});

describe('Binance USD-M lists through the wire', () => {
  it('answers every position in one unpaged request through ccxt', async () => {
    h = await wireHarness({ markets: markets(250) });
    openPositions(h.venue, 250);
    const port = await h.port('binanceusdm');
    expect((await port.fetchPositions()).filter((r) => r.size !== 0)).toHaveLength(250);
    expect(h.venue.requests({ method: 'fetchPositions' })).toHaveLength(1);
  });

  it('weighs open orders 40 without a symbol and 1 with one, position risk 5', async () => {
    h = await wireHarness({ markets: markets(2) });
    const rest = h.wire.urls.binanceusdm.rest;
    const cred = { key: API_KEY, secret: API_SECRET };
    const used = async (path: string, params: Record<string, string>) =>
      Number((await binance(rest, 'GET', path, params, cred)).headers['x-mbx-used-weight-1m']);
    const a = await used('/fapi/v1/openOrders', {});
    const b = await used('/fapi/v1/openOrders', { symbol: 'P0USDT' });
    const c = await used('/fapi/v3/positionRisk', {});
    const d = await used('/fapi/v1/openOrders', {});
    expect([b - a, c - b, d - c]).toEqual([1, 5, 40]);
  });
});
