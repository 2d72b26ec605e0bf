/**
 * The Binance USD-M side of the wire simulator, checked on the wire itself (no ccxt): 19-digit
 * order ids as JSON numbers, the Algo Service for stops, signature and key checks, 429 with
 * `-1003`, listen keys and the user-data stream.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BINANCE_ORDER_ID_BASE } from '../../src/venue-simulator/index.js';
import { binance, hmac, plain, socket, type Socket } from '../support/wire-client.js';
import { API_KEY, API_SECRET, AVL, wireHarness, type WireHarness } from '../support/wire-harness.js';

let h: WireHarness;
let ws: Socket | undefined;
const cred = { key: API_KEY, secret: API_SECRET };
const rest = () => h.wire.urls.binanceusdm.rest;
const market = (cid: string) => ({
  symbol: 'AVLUSDT',
  side: 'BUY',
  type: 'MARKET',
  quantity: '43',
  newClientOrderId: cid,
  newOrderRespType: 'RESULT',
});

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
    expect(reply.json).toMatchObject({
      symbol: 'AVLUSDT',
      status: 'FILLED',
      side: 'BUY',
      type: 'MARKET',
      origQty: '43',
      executedQty: '43',
      clientOrderId: 'pg-a-e',
    });
    const id = /"orderId":(\d+)/.exec(reply.text)?.[1] ?? '';
    const again = await binance(rest(), 'GET', '/fapi/v1/order', { symbol: 'AVLUSDT', orderId: id }, cred);
    expect(again.text).toContain(`"orderId":${id},`);
  });

  it('sends stops to the Algo Service: STOP_MARKET on /fapi/v1/order is -4120, on /fapi/v1/algoOrder it rests', async () => {
    await binance(rest(), 'POST', '/fapi/v1/order', market('pg-b-e'), cred);
    const stop = {
      symbol: 'AVLUSDT',
      side: 'SELL',
      type: 'STOP_MARKET',
      quantity: '43',
      triggerPrice: '0.21',
      reduceOnly: 'true',
    };
    expect(
      (await binance(rest(), 'POST', '/fapi/v1/order', { ...stop, newClientOrderId: 'pg-b-s1' }, cred)).json,
    ).toMatchObject({ code: -4120 });
    const algo = await binance(
      rest(),
      'POST',
      '/fapi/v1/algoOrder',
      { ...stop, algoType: 'CONDITIONAL', clientAlgoId: 'pg-b-s1' },
      cred,
    );
    expect(algo.json).toMatchObject({
      clientAlgoId: 'pg-b-s1',
      algoType: 'CONDITIONAL',
      orderType: 'STOP_MARKET',
      algoStatus: 'NEW',
      triggerPrice: '0.21',
      reduceOnly: true,
    });
    const open = await binance(rest(), 'GET', '/fapi/v1/openAlgoOrders', { symbol: 'AVLUSDT' }, cred);
    expect(open.json).toEqual([expect.objectContaining({ clientAlgoId: 'pg-b-s1' })]);
  });

  it('refuses a bad signature with -1022, an unknown key with 401 -2015, thin margin with -2019, and the client id of an open order with -4116', async () => {
    expect(
      (await binance(rest(), 'POST', '/fapi/v1/order', market('pg-c-e'), { ...cred, sign: hmac('wrong', 'x') })).json,
    ).toMatchObject({ code: -1022 });
    const unknownKey = await binance(rest(), 'POST', '/fapi/v1/order', market('pg-c-e'), {
      key: 'nobody',
      secret: API_SECRET,
    });
    expect(unknownKey.status).toBe(401);
    expect(unknownKey.json).toMatchObject({ code: -2015 });
    expect(h.venue.requests({ method: 'createOrder' })).toHaveLength(0);
    h.venue.faults.set({
      fault: { kind: 'reject', reason: 'Margin is insufficient.', code: 'INSUFFICIENT_MARGIN' },
      when: { calls: 1 },
    });
    expect((await binance(rest(), 'POST', '/fapi/v1/order', market('pg-c-e'), cred)).json).toMatchObject({
      code: -2019,
    });
    expect((await binance(rest(), 'POST', '/fapi/v1/order', market('pg-c-e'), cred)).json).toMatchObject({
      status: 'FILLED',
    });
    const resting = {
      symbol: 'AVLUSDT',
      side: 'BUY',
      type: 'LIMIT',
      quantity: '40',
      price: '0.2',
      timeInForce: 'GTC',
      newClientOrderId: 'pg-c-x1',
    };
    expect((await binance(rest(), 'POST', '/fapi/v1/order', resting, cred)).json).toMatchObject({ status: 'NEW' });
    expect((await binance(rest(), 'POST', '/fapi/v1/order', resting, cred)).json).toMatchObject({ code: -4116 });
  });

  it('accepts the client id of a closed order again (ids are unique only among open orders)', async () => {
    expect((await binance(rest(), 'POST', '/fapi/v1/order', market('pg-g-e'), cred)).json).toMatchObject({
      status: 'FILLED',
      clientOrderId: 'pg-g-e',
    });
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
    expect((await binance(rest(), 'GET', '/fapi/v3/positionRisk', {}, cred)).json).toEqual([
      expect.objectContaining({ symbol: 'AVLUSDT', positionAmt: '-40', positionSide: 'BOTH' }),
    ]);
    expect((await binance(rest(), 'GET', '/fapi/v2/positionRisk', {}, cred)).json).toHaveLength(3);
    expect((await binance(rest(), 'GET', '/fapi/v1/positionSide/dual', {}, cred)).json).toEqual({
      dualSidePosition: false,
    });
    h.venue.setPositionMode('main', 'hedge');
    expect((await binance(rest(), 'GET', '/fapi/v1/positionSide/dual', {}, cred)).json).toEqual({
      dualSidePosition: true,
    });
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
    expect(trade.o).toMatchObject({
      s: 'AVLUSDT',
      c: 'pg-d-e',
      S: 'BUY',
      x: 'TRADE',
      X: 'FILLED',
      l: '43',
      z: '43',
      ps: 'BOTH',
    });
    const account = await ws.next((m) => m.e === 'ACCOUNT_UPDATE');
    expect((account.a as { P: unknown[] }).P).toEqual([
      expect.objectContaining({ s: 'AVLUSDT', pa: '43', ps: 'BOTH' }),
    ]);
  });
});

describe('Binance USD-M stops, listen keys and limits on the wire simulator', () => {
  const listenKey = async (): Promise<string> =>
    (
      (await plain(`${rest()}/fapi/v1/listenKey`, 'POST', undefined, { 'X-MBX-APIKEY': API_KEY })).json as {
        listenKey: string;
      }
    ).listenKey;
  const stream = async (): Promise<Socket> => {
    const s = await socket(`${h.wire.urls.binanceusdm.ws}?listenKey=${await listenKey()}`);
    await new Promise((r) => setTimeout(r, 50));
    return s;
  };
  const stop = {
    symbol: 'AVLUSDT',
    side: 'SELL',
    type: 'STOP_MARKET',
    quantity: '43',
    triggerPrice: '0.21',
    reduceOnly: 'true',
    algoType: 'CONDITIONAL',
    clientAlgoId: 'pg-h-s1',
  };

  it("tells a filled stop as Binance does: the actual order (the stop's client id) and its trade first, then ALGO_UPDATE TRIGGERED and FINISHED", async () => {
    await binance(rest(), 'POST', '/fapi/v1/order', market('pg-h-e'), cred);
    await binance(rest(), 'POST', '/fapi/v1/algoOrder', { ...stop, workingType: 'MARK_PRICE' }, cred);
    ws = await stream();
    h.venue.setPrice(AVL, 0.2);
    await ws.next((m) => m.e === 'ALGO_UPDATE' && (m.o as { X: string }).X === 'FINISHED');
    const seen = ws.messages
      .filter((m) => m.e !== 'ACCOUNT_UPDATE')
      .map((m) => {
        const o = m.o as Record<string, unknown>;
        return m.e === 'ALGO_UPDATE'
          ? `ALGO ${String(o.X)} aq=${String(o.aq)}`
          : `ORDER ${String(o.x)} ${String(o.X)} c=${String(o.c)} ot=${String(o.ot)}`;
      });
    expect(seen).toEqual([
      'ORDER NEW NEW c=pg-h-s1 ot=STOP_MARKET',
      'ORDER TRADE FILLED c=pg-h-s1 ot=STOP_MARKET',
      'ALGO TRIGGERED aq=0',
      'ALGO FINISHED aq=43',
    ]);
    const finished = ws.messages.find((m) => m.e === 'ALGO_UPDATE' && (m.o as { X: string }).X === 'FINISHED')
      ?.o as Record<string, unknown>;
    // The stop is the venue's second order: its actual order has the regular id of that number.
    expect(finished).toMatchObject({
      caid: 'pg-h-s1',
      wt: 'MARK_PRICE',
      ai: (BINANCE_ORDER_ID_BASE + 1_000_002n).toString(),
    });
    expect(ws.messages.find((m) => m.e === 'ORDER_TRADE_UPDATE')?.o).toMatchObject({
      i: Number(BINANCE_ORDER_ID_BASE + 1_000_002n),
    });
    expect(finished).not.toHaveProperty('rm');
  });

  it("shows a triggered stop's actual order on /fapi/v1/order, and its algo order FINISHED with actualOrderId", async () => {
    await binance(rest(), 'POST', '/fapi/v1/order', market('pg-i-e'), cred);
    const placed = (await binance(rest(), 'POST', '/fapi/v1/algoOrder', { ...stop, clientAlgoId: 'pg-i-s1' }, cred))
      .json as { algoId: number };
    expect(
      (await binance(rest(), 'GET', '/fapi/v1/order', { symbol: 'AVLUSDT', origClientOrderId: 'pg-i-s1' }, cred)).json,
    ).toMatchObject({ code: -2013 });
    h.venue.setPrice(AVL, 0.2);
    const algo = (await binance(rest(), 'GET', '/fapi/v1/algoOrder', { algoId: String(placed.algoId) }, cred))
      .json as Record<string, unknown>;
    expect(algo).toMatchObject({ algoStatus: 'FINISHED', actualPrice: '0.2', workingType: 'CONTRACT_PRICE' });
    const actual = await binance(
      rest(),
      'GET',
      '/fapi/v1/order',
      { symbol: 'AVLUSDT', orderId: String(algo.actualOrderId) },
      cred,
    );
    expect(actual.json).toMatchObject({
      clientOrderId: 'pg-i-s1',
      status: 'FILLED',
      executedQty: '43',
      type: 'MARKET',
      origType: 'STOP_MARKET',
    });
  });

  it('expires an untriggered reduce-only stop when its position closes (ALGO_UPDATE EXPIRED), and rejects one that triggers on no position', async () => {
    await binance(rest(), 'POST', '/fapi/v1/order', market('pg-j-e'), cred);
    await binance(rest(), 'POST', '/fapi/v1/algoOrder', { ...stop, clientAlgoId: 'pg-j-s1' }, cred);
    ws = await stream();
    await binance(rest(), 'POST', '/fapi/v1/order', { ...market('pg-j-c1'), side: 'SELL', reduceOnly: 'true' }, cred);
    expect((await ws.next((m) => m.e === 'ALGO_UPDATE')).o).toMatchObject({ caid: 'pg-j-s1', X: 'EXPIRED', aq: '0' });
    expect(
      (await binance(rest(), 'POST', '/fapi/v1/algoOrder', { ...stop, clientAlgoId: 'pg-j-s2' }, cred)).json,
    ).toMatchObject({ algoStatus: 'NEW' });
    h.venue.setPrice(AVL, 0.2);
    expect(
      (
        await ws.next(
          (m) =>
            m.e === 'ALGO_UPDATE' && (m.o as { caid: string }).caid === 'pg-j-s2' && (m.o as { X: string }).X !== 'NEW',
        )
      ).o,
    ).toMatchObject({ X: 'REJECTED', rm: 'Reduce Only reject', ai: '' });
  });

  it('refuses a stop whose trigger the working-type price already passed with -2021, on the mark or the last price as asked', async () => {
    await binance(rest(), 'POST', '/fapi/v1/order', market('pg-k-e'), cred);
    h.venue.setPrices(AVL, { mark: 0.25, last: 0.2 });
    expect(
      (await binance(rest(), 'POST', '/fapi/v1/algoOrder', { ...stop, clientAlgoId: 'pg-k-s1' }, cred)).json,
    ).toMatchObject({ code: -2021 });
    expect(
      (
        await binance(
          rest(),
          'POST',
          '/fapi/v1/algoOrder',
          { ...stop, clientAlgoId: 'pg-k-s2', workingType: 'MARK_PRICE' },
          cred,
        )
      ).json,
    ).toMatchObject({ algoStatus: 'NEW', workingType: 'MARK_PRICE' });
    expect(
      (
        await binance(
          rest(),
          'POST',
          '/fapi/v1/algoOrder',
          { ...stop, clientAlgoId: 'pg-k-s3', workingType: 'INDEX' },
          cred,
        )
      ).json,
    ).toMatchObject({ code: -1130 });
  });

  it('ends a partly filled market order EXPIRED, and refuses one its price protection stops with -4131', async () => {
    h.venue.faults.set({ fault: { kind: 'partialFill', fraction: 0.5 }, when: { calls: 1 } });
    expect((await binance(rest(), 'POST', '/fapi/v1/order', market('pg-l-e'), cred)).json).toMatchObject({
      status: 'EXPIRED',
      executedQty: '21',
      origQty: '43',
    });
    h.venue.faults.set({ fault: { kind: 'marketProtection' }, when: { calls: 1 } });
    const refused = await binance(rest(), 'POST', '/fapi/v1/order', market('pg-l-e2'), cred);
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({ code: -4131 });
  });

  it('closes the stream a DELETE of its listen key invalidates', async () => {
    ws = await stream();
    await plain(`${rest()}/fapi/v1/listenKey`, 'DELETE', undefined, { 'X-MBX-APIKEY': API_KEY });
    expect(await Promise.race([ws.closed, new Promise((r) => setTimeout(() => r('open'), 1_000))])).toBe(1000);
  });

  it('tells a stream its listen key expired (listenKeyExpired) and sends nothing more on it', async () => {
    ws = await stream();
    expect(h.wire.expireListenKeys('main')).toBe(1);
    expect(await ws.next((m) => m.e === 'listenKeyExpired')).toMatchObject({ listenKey: expect.any(String) });
    h.venue.openExternalPosition('main', AVL, 'buy', 43);
    await new Promise((r) => setTimeout(r, 100));
    expect(ws.messages.map((m) => m.e)).toEqual(['listenKeyExpired']);
    await expect(
      socket(`${h.wire.urls.binanceusdm.ws}?listenKey=${String(ws.messages[0]?.listenKey)}`).then((s) => s.closed),
    ).resolves.toBe(4001);
  });

  it('fails keep-alives (-1125) while the listenKeyKeepAliveFailure knob is on', async () => {
    await listenKey();
    h.venue.faults.set({ fault: { kind: 'listenKeyKeepAliveFailure' }, when: { calls: 1 } });
    const headers = { 'X-MBX-APIKEY': API_KEY };
    expect((await plain(`${rest()}/fapi/v1/listenKey`, 'PUT', undefined, headers)).json).toMatchObject({ code: -1125 });
    expect((await plain(`${rest()}/fapi/v1/listenKey`, 'PUT', undefined, headers)).json).toMatchObject({
      listenKey: expect.any(String),
    });
  });

  it('sends the used weight on every reply, order counts on orders, and 418 or 403 for IP-level limits', async () => {
    const first = await binance(rest(), 'GET', '/fapi/v3/positionRisk', {}, cred);
    const order = await binance(rest(), 'POST', '/fapi/v1/order', market('pg-m-e'), cred);
    expect(Number(order.headers['x-mbx-used-weight-1m'])).toBeGreaterThan(
      Number(first.headers['x-mbx-used-weight-1m']),
    );
    expect(order.headers).toMatchObject({
      'x-mbx-order-count-10s': expect.any(String),
      'x-mbx-order-count-1m': expect.any(String),
    });
    expect((await plain(`${rest()}/fapi/v1/time`)).headers['x-mbx-used-weight-1m']).toBeDefined();
    h.venue.faults.set({ fault: { kind: 'rateLimited', http: 418, retryAfterMs: 120_000 }, when: { calls: 1 } });
    const banned = await binance(rest(), 'GET', '/fapi/v3/positionRisk', {}, cred);
    expect([banned.status, banned.headers['retry-after']]).toEqual([418, '120']);
    h.venue.faults.set({ fault: { kind: 'rateLimited', http: 403 }, when: { calls: 1 } });
    expect((await binance(rest(), 'GET', '/fapi/v3/positionRisk', {}, cred)).status).toBe(403);
  });
});
