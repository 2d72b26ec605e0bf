/**
 * Binance USD-M conformance: recorded-shape replies and pushes (fixtures/binance/, each naming
 * the ccxt recording or Binance page it follows) run through the whole adapter — real ccxt over
 * HTTP, the venue profile, the domain's normalisation — and the wire simulator's replies to the
 * same calls compared with them: field names, types and empty values (the recorder's string
 * numbers aside).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { asVenueOrderId } from '../../src/domain/ids.js';
import type { CcxtPort } from '../../src/exchange/ccxt/index.js';
import { binance, plain, socket } from '../support/wire-client.js';
import { API_KEY, API_SECRET, AVL, wireHarness, type WireHarness } from '../support/wire-harness.js';
import { fixture, type CaseFixture, type Fixture } from './fixtures.js';
import { shapeDifferences } from './shape.js';

type Record_ = Record<string, unknown>;
type Shaped<T> = Fixture<T> & { readonly recorderStrings?: readonly string[] };

const open = fixture<Shaped<Record_>>('binance/order-limit-open.json');
const filled = fixture<Shaped<Record_>>('binance/order-market-filled.json');
const v3 = fixture<Shaped<Record_[]>>('binance/position-v3.json');
const v2Flat = fixture<Shaped<Record_[]>>('binance/position-v2-flat.json');
const algo = fixture<Shaped<Record_>>('binance/algo-order-finished.json');
const actual = fixture<Shaped<Record_>>('binance/actual-order-filled.json');
const updates = fixture<CaseFixture<{ readonly name: string; readonly message: Record_ }>>('binance/algo-updates.json');

let h: WireHarness;
let port: CcxtPort;
const cred = { key: API_KEY, secret: API_SECRET };
const rest = () => h.wire.urls.binanceusdm.rest;
const market = (cid: string, extra: Record<string, string> = {}) => ({
  symbol: 'AVLUSDT',
  side: 'BUY',
  type: 'MARKET',
  quantity: '43',
  newClientOrderId: cid,
  ...extra,
});
const idOf = (text: string): string => /"orderId":(\d+)/.exec(text)?.[1] ?? '';
const rules = (f: Shaped<unknown>) => ({ recorderStrings: f.recorderStrings ?? [] });

beforeAll(async () => {
  h = await wireHarness();
  port = await h.port('binanceusdm');
}, 15_000);
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  h.venue.faults.clear();
  // Each test starts flat, whatever the previous one held.
  await binance(
    rest(),
    'POST',
    '/fapi/v1/order',
    market(`pg-flat-${Date.now()}`, { side: 'SELL', quantity: '100000', reduceOnly: 'true' }),
    cred,
  );
});

describe('Binance replies through the adapter', () => {
  it('reads a resting limit order', async () => {
    h.wire.script({ method: 'GET', path: '/fapi/v1/order', body: open.reply });
    expect(await port.fetchOrder({ venueOrderId: asVenueOrderId('8389765000001000002') }, AVL)).toMatchObject({
      venueOrderId: '8389765000001000002',
      status: 'open',
      type: 'limit',
      amount: 40,
      filled: 0,
      side: 'buy',
      venueStatus: 'NEW',
    });
  });

  it('reads a filled market order\'s average price, not its price "0"', async () => {
    h.wire.script({ method: 'GET', path: '/fapi/v1/order', body: filled.reply });
    expect(await port.fetchOrder({ venueOrderId: asVenueOrderId('8389765000001000001') }, AVL)).toMatchObject({
      status: 'filled',
      type: 'market',
      filled: 43,
      averagePrice: 0.2501,
      venueStatus: 'FILLED',
    });
  });

  it('reads a held position from position risk v3', async () => {
    h.wire.script({ method: 'GET', path: '/fapi/v3/positionRisk', body: v3.reply });
    expect(await port.fetchPositions()).toEqual([
      expect.objectContaining({ symbol: AVL, side: 'buy', size: 43, entryPrice: 0.2501, source: 'position-query' }),
    ]);
  });

  it('reads a flat position from position risk v2 as a positive flat report when v3 leaves the symbol out', async () => {
    h.wire.script({ method: 'GET', path: '/fapi/v3/positionRisk', body: [] });
    h.wire.script({ method: 'GET', path: '/fapi/v2/positionRisk', body: v2Flat.reply });
    expect(await port.fetchPositions([AVL])).toEqual([
      expect.objectContaining({ symbol: AVL, side: undefined, size: 0, entryPrice: undefined }),
    ]);
  });
});

describe("the wire simulator's Binance replies have the recorded shape", () => {
  it('shows a resting limit order and a filled market order as Binance does', async () => {
    const placed = await binance(
      rest(),
      'POST',
      '/fapi/v1/order',
      { ...market('pg-b1-x1'), type: 'LIMIT', price: '0.2', quantity: '40', timeInForce: 'GTC' },
      cred,
    );
    const resting = await binance(
      rest(),
      'GET',
      '/fapi/v1/order',
      { symbol: 'AVLUSDT', orderId: idOf(placed.text) },
      cred,
    );
    expect(shapeDifferences(open.reply, resting.json, rules(open))).toEqual([]);
    const done = await binance(rest(), 'POST', '/fapi/v1/order', market('pg-b1-e'), cred);
    const fill = await binance(rest(), 'GET', '/fapi/v1/order', { symbol: 'AVLUSDT', orderId: idOf(done.text) }, cred);
    expect(shapeDifferences(filled.reply, fill.json, rules(filled))).toEqual([]);
    expect((fill.json as Record_).price).toBe('0');
  });

  it('lists a held position on v3 and a flat one on v2 as Binance does', async () => {
    await binance(rest(), 'POST', '/fapi/v1/order', market('pg-b2-e'), cred);
    expect(
      shapeDifferences(v3.reply, (await binance(rest(), 'GET', '/fapi/v3/positionRisk', {}, cred)).json, rules(v3)),
    ).toEqual([]);
    await binance(rest(), 'POST', '/fapi/v1/order', market('pg-b2-c1', { side: 'SELL', reduceOnly: 'true' }), cred);
    const none = await binance(rest(), 'GET', '/fapi/v2/positionRisk', { symbol: 'AVLUSDT' }, cred);
    expect(shapeDifferences(v2Flat.reply, none.json, rules(v2Flat))).toEqual([]);
  });

  it('shows a finished stop on the Algo Service and its actual order on /fapi/v1/order as Binance does', async () => {
    await binance(rest(), 'POST', '/fapi/v1/order', market('pg-b3-e'), cred);
    const stop = {
      symbol: 'AVLUSDT',
      side: 'SELL',
      type: 'STOP_MARKET',
      quantity: '43',
      triggerPrice: '0.21',
      reduceOnly: 'true',
      algoType: 'CONDITIONAL',
      clientAlgoId: 'pg-b3-s1',
      workingType: 'MARK_PRICE',
    };
    const placed = (await binance(rest(), 'POST', '/fapi/v1/algoOrder', stop, cred)).json as { algoId: number };
    h.venue.setPrice(AVL, 0.2);
    const finished = await binance(rest(), 'GET', '/fapi/v1/algoOrder', { algoId: String(placed.algoId) }, cred);
    expect(shapeDifferences(algo.reply, finished.json, rules(algo))).toEqual([]);
    const engine = await binance(
      rest(),
      'GET',
      '/fapi/v1/order',
      { symbol: 'AVLUSDT', orderId: String((finished.json as Record_).actualOrderId) },
      cred,
    );
    expect(shapeDifferences(actual.reply, engine.json, rules(actual))).toEqual([]);
    h.venue.setPrice(AVL, 0.25);
  });

  it('pushes ALGO_UPDATE as Binance does, rm only with a reason', async () => {
    const key = (
      (await plain(`${rest()}/fapi/v1/listenKey`, 'POST', undefined, { 'X-MBX-APIKEY': API_KEY })).json as {
        listenKey: string;
      }
    ).listenKey;
    const ws = await socket(`${h.wire.urls.binanceusdm.ws}?listenKey=${key}`);
    try {
      await new Promise((r) => setTimeout(r, 50));
      await binance(rest(), 'POST', '/fapi/v1/order', market('pg-b4-e'), cred);
      const stop = {
        symbol: 'AVLUSDT',
        side: 'SELL',
        type: 'STOP_MARKET',
        quantity: '43',
        triggerPrice: '0.21',
        reduceOnly: 'true',
        algoType: 'CONDITIONAL',
        workingType: 'MARK_PRICE',
      };
      await binance(rest(), 'POST', '/fapi/v1/algoOrder', { ...stop, clientAlgoId: 'pg-b4-s1' }, cred);
      h.venue.setPrice(AVL, 0.2);
      const byStatus = async (status: string, caid: string) =>
        ws.next((m) => m.e === 'ALGO_UPDATE' && (m.o as Record_).X === status && (m.o as Record_).caid === caid);
      const sample = (name: string) => updates.cases.find((c) => c.name.startsWith(name))?.message;
      expect(shapeDifferences(sample('new'), await byStatus('NEW', 'pg-b4-s1'))).toEqual([]);
      expect(shapeDifferences(sample('triggered'), await byStatus('TRIGGERED', 'pg-b4-s1'))).toEqual([]);
      expect(shapeDifferences(sample('finished, filled'), await byStatus('FINISHED', 'pg-b4-s1'))).toEqual([]);
      await binance(
        rest(),
        'POST',
        '/fapi/v1/algoOrder',
        { ...stop, clientAlgoId: 'pg-b4-s2', triggerPrice: '0.19' },
        cred,
      );
      h.venue.setPrice(AVL, 0.18);
      expect(shapeDifferences(sample('rejected'), await byStatus('REJECTED', 'pg-b4-s2'))).toEqual([]);
    } finally {
      ws.close();
      h.venue.setPrice(AVL, 0.25);
    }
  });
});
