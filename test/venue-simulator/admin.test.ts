/**
 * The wire simulator's admin endpoint: fault rules set, listed and cleared as JSON, prices,
 * the position mode, external positions, and the request record.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { SimExchange } from '../../src/exchange/sim/index.js';
import { startWireSimulator, type WireSimulator } from '../../src/venue-simulator/index.js';
import { plain } from '../support/wire-client.js';
import { AVL } from '../support/wire-harness.js';

let venue: SimExchange;
let wire: WireSimulator;
const admin = (path: string) => `${wire.urls.admin}${path}`;

beforeEach(async () => {
  venue = new SimExchange({ clock: systemClock, seed: 3 });
  wire = await startWireSimulator({ venue });
});
afterEach(async () => {
  await wire.close();
  venue.close();
});

describe('the admin endpoint', () => {
  it('describes where to point accounts', async () => {
    const info = await plain(admin(''));
    expect(info.json).toMatchObject({
      urls: { bybit: wire.urls.bybit, binanceusdm: wire.urls.binanceusdm },
      accounts: ['main'],
    });
  });

  it('sets, lists and clears fault rules, refusing an invalid one with the reason', async () => {
    const set = await plain(admin('/faults'), 'POST', { fault: { kind: 'restLag', ms: 5_000 }, account: 'main' });
    expect(set.status).toBe(201);
    const { id } = set.json as { id: string };
    await plain(admin('/faults'), 'POST', { fault: { kind: 'serverError', status: 502 }, when: { calls: 2 } });
    expect((await plain(admin('/faults'))).json).toEqual([
      expect.objectContaining({ id, fault: { kind: 'restLag', ms: 5_000 }, account: 'main' }),
      expect.objectContaining({ fault: { kind: 'serverError', status: 502 }, callsLeft: 2 }),
    ]);
    const bad = await plain(admin('/faults'), 'POST', { fault: { kind: 'nope' } });
    expect(bad.status).toBe(400);
    expect((bad.json as { error: string }).error).toContain('invalid fault rule');
    await plain(admin(`/faults/${id}`), 'DELETE');
    expect(venue.faults.list()).toHaveLength(1);
    await plain(admin('/faults'), 'DELETE');
    expect(venue.faults.list()).toHaveLength(0);
  });

  it('sets a price, the position mode, and opens a position as another program would', async () => {
    expect((await plain(admin('/price'), 'POST', { symbol: AVL, price: 0.3 })).json).toEqual({
      symbol: AVL,
      price: 0.3,
    });
    expect(venue.markPrice(AVL)).toBe(0.3);
    await plain(admin('/position-mode'), 'POST', { account: 'main', mode: 'hedge' });
    expect(venue.positionMode('main')).toBe('hedge');
    const opened = await plain(admin('/external-position'), 'POST', {
      account: 'main',
      symbol: AVL,
      side: 'sell',
      size: 20,
    });
    expect(opened.status).toBe(201);
    expect(venue.position('main', AVL).size).toBe(-20);
    expect(
      ((await plain(admin(`/positions?account=main&symbol=${encodeURIComponent(AVL)}`))).json as { size: number }[])[0]
        ?.size,
    ).toBe(-20);
    expect((await plain(admin('/price'), 'POST', { symbol: 'NOPE/USDT:USDT', price: 1 })).status).toBe(400);
  });

  it('reads the request record, filtered by account and method', async () => {
    await plain(`${wire.urls.bybit.rest}/v5/market/tickers?category=linear&symbol=AVLUSDT`);
    const record = await plain(admin('/requests?method=fetchMarkPrice'));
    expect(record.json).toEqual([
      expect.objectContaining({ account: 'public', method: 'fetchMarkPrice', params: { symbol: AVL }, result: 'ok' }),
    ]);
    expect((await plain(admin('/requests?method=bogus'))).status).toBe(400);
  });

  it('requires the bearer token when one is configured', async () => {
    const guarded = await startWireSimulator({ venue, adminToken: 'tok' });
    try {
      expect((await plain(`${guarded.urls.admin}/faults`)).status).toBe(401);
      expect(
        (await plain(`${guarded.urls.admin}/faults`, 'GET', undefined, { Authorization: 'Bearer tok' })).status,
      ).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});
