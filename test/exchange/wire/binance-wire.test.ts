/**
 * The Binance USD-M side of the wire simulator, checked on the wire itself (no ccxt): 19-digit
 * order ids as JSON numbers, the Algo Service for stops, signature and key checks, 429 with
 * `-1003`, listen keys and the user-data stream.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { binance, hmac, plain, socket, type Socket } from '../../support/wire-client.js';
import { API_KEY, API_SECRET, AVL, wireHarness, type WireHarness } from '../../support/wire-harness.js';

let h: WireHarness;
let ws: Socket | undefined;
const cred = { key: API_KEY, secret: API_SECRET };
const rest = () => h.wire.urls.binanceusdm.rest;
const market = (cid: string) => ({ symbol: 'AVLUSDT', side: 'BUY', type: 'MARKET', quantity: '43', newClientOrderId: cid, newOrderRespType: 'RESULT' });

beforeEach(async () => {
  h = await wireHarness();
});
afterEach(async () => {
  ws?.close();
  ws = undefined;
  await h.close();
});

describe('Binance USD-M REST on the wire simulator', () => {
  it('answers a create with the full order and a 19-digit orderId written as a JSON number', async () => {
    const reply = await binance(rest(), 'POST', '/fapi/v1/order', market('pg-a-e'), cred);
    expect(reply.status).toBe(200);
    expect(reply.text).toMatch(/"orderId":8389765\d{12},/);
    expect(reply.json).toMatchObject({ symbol: 'AVLUSDT', status: 'FILLED', side: 'BUY', type: 'MARKET', origQty: '43', executedQty: '43', clientOrderId: 'pg-a-e' });
    const id = /"orderId":(\d+)/.exec(reply.text)?.[1] ?? '';
    const again = await binance(rest(), 'GET', '/fapi/v1/order', { symbol: 'AVLUSDT', orderId: id }, cred);
    expect(again.text).toContain(`"orderId":${id},`);
  });

  it('sends stops to the Algo Service: STOP_MARKET on /fapi/v1/order is -4120, on /fapi/v1/algoOrder it rests', async () => {
    await binance(rest(), 'POST', '/fapi/v1/order', market('pg-b-e'), cred);
    const stop = { symbol: 'AVLUSDT', side: 'SELL', type: 'STOP_MARKET', quantity: '43', triggerPrice: '0.21', reduceOnly: 'true' };
    expect((await binance(rest(), 'POST', '/fapi/v1/order', { ...stop, newClientOrderId: 'pg-b-s1' }, cred)).json).toMatchObject({ code: -4120 });
    const algo = await binance(rest(), 'POST', '/fapi/v1/algoOrder', { ...stop, algoType: 'CONDITIONAL', clientAlgoId: 'pg-b-s1' }, cred);
    expect(algo.json).toMatchObject({ clientAlgoId: 'pg-b-s1', algoType: 'CONDITIONAL', orderType: 'STOP_MARKET', algoStatus: 'NEW', triggerPrice: '0.21', reduceOnly: true });
    const open = await binance(rest(), 'GET', '/fapi/v1/openAlgoOrders', { symbol: 'AVLUSDT' }, cred);
    expect(open.json).toEqual([expect.objectContaining({ clientAlgoId: 'pg-b-s1' })]);
  });

  it('refuses a bad signature with -1022, an unknown key with 401 -2015, thin margin with -2019, and the client id of an open order with -4116', async () => {
    expect((await binance(rest(), 'POST', '/fapi/v1/order', market('pg-c-e'), { ...cred, sign: hmac('wrong', 'x') })).json).toMatchObject({ code: -1022 });
    const unknownKey = await binance(rest(), 'POST', '/fapi/v1/order', market('pg-c-e'), { key: 'nobody', secret: API_SECRET });
    expect(unknownKey.status).toBe(401);
    expect(unknownKey.json).toMatchObject({ code: -2015 });
    expect(h.venue.requests({ method: 'createOrder' })).toHaveLength(0);
    h.venue.faults.set({ fault: { kind: 'reject', reason: 'Margin is insufficient.', code: 'INSUFFICIENT_MARGIN' }, when: { calls: 1 } });
    expect((await binance(rest(), 'POST', '/fapi/v1/order', market('pg-c-e'), cred)).json).toMatchObject({ code: -2019 });
    expect((await binance(rest(), 'POST', '/fapi/v1/order', market('pg-c-e'), cred)).json).toMatchObject({ status: 'FILLED' });
    const resting = { symbol: 'AVLUSDT', side: 'BUY', type: 'LIMIT', quantity: '40', price: '0.2', timeInForce: 'GTC', newClientOrderId: 'pg-c-x1' };
    expect((await binance(rest(), 'POST', '/fapi/v1/order', resting, cred)).json).toMatchObject({ status: 'NEW' });
    expect((await binance(rest(), 'POST', '/fapi/v1/order', resting, cred)).json).toMatchObject({ code: -4116 });
  });

  it('accepts the client id of a closed order again (ids are unique only among open orders)', async () => {
    expect((await binance(rest(), 'POST', '/fapi/v1/order', market('pg-g-e'), cred)).json).toMatchObject({ status: 'FILLED', clientOrderId: 'pg-g-e' });
    const again = await binance(rest(), 'POST', '/fapi/v1/order', { ...market('pg-g-e'), side: 'SELL' }, cred);
    expect(again.json).toMatchObject({ status: 'FILLED', clientOrderId: 'pg-g-e', side: 'SELL' });
    expect(h.venue.orders('main').filter((o) => o.clientOrderId === 'pg-g-e')).toHaveLength(2);
  });

  it('answers a rate-limit fault with 429, -1003 and Retry-After', async () => {
    h.venue.faults.set({ fault: { kind: 'rateLimited', retryAfterMs: 2_000 }, when: { calls: 1 } });
    const reply = await binance(rest(), 'GET', '/fapi/v3/positionRisk', {}, cred);
    expect(reply.status).toBe(429);
    expect(reply.json).toMatchObject({ code: -1003 });
  });

  it('lists held positions on v3, every symbol (flat ones too) on v2, and the position mode', async () => {
    h.venue.openExternalPosition('main', AVL, 'sell', 40);
    expect((await binance(rest(), 'GET', '/fapi/v3/positionRisk', {}, cred)).json).toEqual([expect.objectContaining({ symbol: 'AVLUSDT', positionAmt: '-40', positionSide: 'BOTH' })]);
    expect((await binance(rest(), 'GET', '/fapi/v2/positionRisk', {}, cred)).json).toHaveLength(3);
    expect((await binance(rest(), 'GET', '/fapi/v1/positionSide/dual', {}, cred)).json).toEqual({ dualSidePosition: false });
    h.venue.setPositionMode('main', 'hedge');
    expect((await binance(rest(), 'GET', '/fapi/v1/positionSide/dual', {}, cred)).json).toEqual({ dualSidePosition: true });
  });
});

describe('Binance USD-M user-data stream on the wire simulator', () => {
  it('needs a valid listen key and pushes ORDER_TRADE_UPDATE and ACCOUNT_UPDATE', async () => {
    const key = await plain(`${rest()}/fapi/v1/listenKey`, 'POST', undefined, { 'X-MBX-APIKEY': API_KEY });
    const listenKey = (key.json as { listenKey: string }).listenKey;
    expect(listenKey).toMatch(/^[A-Za-z0-9_-]{64}$/);
    await expect(socket(`${h.wire.urls.binanceusdm.ws}?listenKey=not-a-key`).then((s) => s.closed)).resolves.toBe(4001);
    ws = await socket(`${h.wire.urls.binanceusdm.ws.replace(/\/ws$/, '/private/ws')}?listenKey=${listenKey}`);
    await new Promise((r) => setTimeout(r, 50));
    await binance(rest(), 'POST', '/fapi/v1/order', market('pg-d-e'), cred);
    const placed = await ws.next((m) => m.e === 'ORDER_TRADE_UPDATE');
    expect(placed.o).toMatchObject({ c: 'pg-d-e', x: 'NEW', X: 'NEW' });
    const trade = await ws.next((m) => m.e === 'ORDER_TRADE_UPDATE' && (m.o as { x: string }).x === 'TRADE');
    expect(trade.o).toMatchObject({ s: 'AVLUSDT', c: 'pg-d-e', S: 'BUY', x: 'TRADE', X: 'FILLED', l: '43', z: '43', ps: 'BOTH' });
    const account = await ws.next((m) => m.e === 'ACCOUNT_UPDATE');
    expect((account.a as { P: unknown[] }).P).toEqual([expect.objectContaining({ s: 'AVLUSDT', pa: '43', ps: 'BOTH' })]);
  });
});
