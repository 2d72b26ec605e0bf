/**
 * Paged lists on the in-process simulated exchange: the sim port follows the venue's pages as
 * the ccxt adapter does on Bybit (200 positions, 50 open orders a page), each page one
 * request in the venue's record; a Binance-like venue answers each list in one request.
 */
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { pageOf } from '../../../src/exchange/sim/paging.js';
import { SimExchange, createSimPort } from '../../../src/exchange/sim/index.js';
import type { VenueKind } from '../../../src/exchange/sim/venue-rules.js';
import { cid, MAIN, T0 } from './helpers.js';

function venueWith(n: number, venue: VenueKind): SimExchange {
  const clock = new SimulatedClock();
  clock.set(T0);
  const markets = Array.from({ length: n }, (_, i) => ({
    symbol: `P${i}/USDT:USDT`,
    amountStep: 1,
    priceStep: 0.0001,
    minAmount: 1,
    minNotional: 5,
    contractSize: 1,
    initialPrice: 1,
    volatility: 0,
  }));
  const sim = new SimExchange({ clock, seed: 1, markets, venue });
  for (let i = 0; i < n; i += 1) sim.openExternalPosition(MAIN, `P${i}/USDT:USDT`, 'buy', 10);
  return sim;
}

describe('pageOf', () => {
  it('pages by key, numeric keys by value, and names the last record as the cursor until the last page', () => {
    const keys = ['10', '9', '2', '1', '11'];
    const first = pageOf(keys, (k) => k, { limit: 2 });
    expect(first).toEqual({ items: ['1', '2'], nextCursor: '2' });
    expect(pageOf(keys, (k) => k, { limit: 2, cursor: '2' })).toEqual({ items: ['9', '10'], nextCursor: '10' });
    expect(pageOf(keys, (k) => k, { limit: 2, cursor: '10' })).toEqual({ items: ['11'] });
  });

  it('starts after the cursor even when its record is gone, and refuses a limit that is not a positive integer', () => {
    expect(pageOf(['a', 'c', 'd'], (k) => k, { limit: 5, cursor: 'b' }).items).toEqual(['c', 'd']);
    expect(() => pageOf(['a'], (k) => k, { limit: 0 })).toThrow(RangeError);
  });
});

describe('the sim port pages as the venue does', () => {
  it('reads 450 positions on a Bybit-like venue in three requests of at most 200', async () => {
    const sim = venueWith(450, 'bybit');
    const reports = await createSimPort(sim, MAIN).fetchPositions();
    expect(new Set(reports.map((r) => r.symbol)).size).toBe(450);
    expect(sim.requests({ method: 'fetchPositions' }).map((r) => r.params.limit)).toEqual([200, 200, 200]);
    sim.close();
  });

  it('reads 120 open orders in three requests of at most 50, none lost', async () => {
    const sim = venueWith(1, 'bybit');
    const port = createSimPort(sim, MAIN);
    for (let i = 0; i < 120; i += 1)
      await port.createOrder({
        symbol: 'P0/USDT:USDT',
        side: 'buy',
        type: 'limit',
        amount: 10,
        price: 0.6,
        clientOrderId: cid(),
        reduceOnly: false,
      });
    expect(await port.fetchOpenOrders()).toHaveLength(120);
    expect(sim.requests({ method: 'fetchOpenOrders' })).toHaveLength(3);
    sim.close();
  });

  it('reads every position of a Binance-like venue in one request', async () => {
    const sim = venueWith(450, 'binance');
    expect(await createSimPort(sim, MAIN).fetchPositions()).toHaveLength(450);
    expect(sim.requests({ method: 'fetchPositions' })).toHaveLength(1);
    sim.close();
  });
});
