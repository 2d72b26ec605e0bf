/**
 * The Bybit v5 side of the wire simulator, checked on the wire itself (no ccxt): envelopes,
 * the ids-only create reply, signature and key checks, faults as HTTP behaviour, and the
 * private stream's auth, subscriptions and pushes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { SimExchange } from '../../src/exchange/sim/index.js';
import { startWireSimulator } from '../../src/venue-simulator/index.js';
import { hmac, bybit, plain, socket, type Socket } from '../support/wire-client.js';
import { API_KEY, API_SECRET, AVL, wireHarness, type WireHarness } from '../support/wire-harness.js';

let h: WireHarness;
let ws: Socket | undefined;
const cred = { key: API_KEY, secret: API_SECRET };
const rest = () => h.wire.urls.bybit.rest;
const order = (linkId: string, extra: Record<string, unknown> = {}) => ({
  category: 'linear',
  symbol: 'AVLUSDT',
  side: 'Buy',
  orderType: 'Market',
  qty: '43',
  orderLinkId: linkId,
  ...extra,
});

beforeEach(async () => {
  h = await wireHarness();
});
afterEach(async () => {
  ws?.close();
  ws = undefined;
  await h.close();
});

describe('Bybit v5 REST on the wire simulator', () => {
  it('answers a create with the ids only, in the documented envelope', async () => {
    const reply = await bybit(rest(), 'POST', '/v5/order/create', order('pg-a-e'), cred);
    expect(reply.status).toBe(200);
    const body = reply.json as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['result', 'retCode', 'retExtInfo', 'retMsg', 'time']);
    expect(body).toMatchObject({ retCode: 0, retMsg: 'OK', retExtInfo: {} });
    expect(Object.keys(body.result as object).sort()).toEqual(['orderId', 'orderLinkId']);
    expect((body.result as { orderId: string }).orderId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9]{12}$/,
    );
  });

  it('shows the order by id on /v5/order/realtime with string numbers and status words', async () => {
    const created = await bybit(rest(), 'POST', '/v5/order/create', order('pg-b-e'), cred);
    const orderId = (created.json as { result: { orderId: string } }).result.orderId;
    const reply = await bybit(
      rest(),
      'GET',
      '/v5/order/realtime',
      { category: 'linear', symbol: 'AVLUSDT', orderId },
      cred,
    );
    const [o] = (reply.json as { result: { list: Record<string, unknown>[] } }).result.list;
    expect(o).toMatchObject({
      orderId,
      orderLinkId: 'pg-b-e',
      side: 'Buy',
      orderType: 'Market',
      qty: '43',
      cumExecQty: '43',
      orderStatus: 'Filled',
      avgPrice: '0.25',
    });
  });

  it('refuses a bad signature with 10004, an unknown key with 10003, a stale timestamp with 10002, and records none', async () => {
    const bad = await bybit(rest(), 'POST', '/v5/order/create', order('pg-c-e'), { ...cred, sign: hmac('wrong', 'x') });
    expect(bad.json).toMatchObject({ retCode: 10004 });
    expect(bad.text).not.toContain(API_SECRET);
    expect(
      (await bybit(rest(), 'POST', '/v5/order/create', order('pg-c-e'), { key: 'nobody', secret: API_SECRET })).json,
    ).toMatchObject({ retCode: 10003 });
    expect(
      (await bybit(rest(), 'POST', '/v5/order/create', order('pg-c-e'), { ...cred, ts: Date.now() - 60_000 })).json,
    ).toMatchObject({ retCode: 10002 });
    expect(h.venue.requests({ method: 'createOrder' })).toHaveLength(0);
  });

  it('refuses a reused orderLinkId with 110072 and a reduce-only that would open with 110017', async () => {
    await bybit(rest(), 'POST', '/v5/order/create', order('pg-d-e'), cred);
    expect((await bybit(rest(), 'POST', '/v5/order/create', order('pg-d-e'), cred)).json).toMatchObject({
      retCode: 110072,
    });
    const reduce = await bybit(
      rest(),
      'POST',
      '/v5/order/create',
      order('pg-d-x', { side: 'Buy', reduceOnly: true }),
      cred,
    );
    expect(reduce.json).toMatchObject({ retCode: 110017 });
  });

  it('turns a serverError fault into HTTP 503 and a timeout after accept into no reply, the order placed', async () => {
    h.venue.faults.set({ fault: { kind: 'serverError', status: 503 }, when: { calls: 1 } });
    expect(
      (await bybit(rest(), 'GET', '/v5/position/list', { category: 'linear', settleCoin: 'USDT' }, cred)).status,
    ).toBe(503);
    h.venue.faults.set({ fault: { kind: 'timeoutAfterAccept' }, when: { calls: 1 } });
    const held = bybit(rest(), 'POST', '/v5/order/create', order('pg-e-e'), cred);
    const raced = await Promise.race([
      held.then(() => 'answered'),
      new Promise((r) => setTimeout(() => r('no reply'), 300)),
    ]);
    expect(raced).toBe('no reply');
    expect(h.venue.orders('main').map((o) => o.clientOrderId)).toContain('pg-e-e');
    void held.catch(() => undefined);
  });

  it('lists one symbol flat (seq -1 when never traded) and, by settle coin, only held positions', async () => {
    const one = await bybit(rest(), 'GET', '/v5/position/list', { category: 'linear', symbol: 'BTCUSDT' }, cred);
    expect((one.json as { result: { list: unknown[] } }).result.list).toEqual([
      expect.objectContaining({ symbol: 'BTCUSDT', side: '', size: '0', seq: -1, positionIdx: 0 }),
    ]);
    h.venue.openExternalPosition('main', AVL, 'sell', 40);
    const held = await bybit(rest(), 'GET', '/v5/position/list', { category: 'linear', settleCoin: 'USDT' }, cred);
    expect((held.json as { result: { list: unknown[] } }).result.list).toEqual([
      expect.objectContaining({ symbol: 'AVLUSDT', side: 'Sell', size: '40', seq: 1 }),
    ]);
  });
});

describe('Bybit v5 REST on a venue with its own clock', () => {
  it('checks signatures against real time and stamps replies with the venue clock', async () => {
    const clock = new SimulatedClock();
    clock.set(1_700_000_000_000);
    const venue = new SimExchange({ clock, seed: 1 });
    const wire = await startWireSimulator({
      venue,
      credentials: [{ apiKey: API_KEY, secret: API_SECRET, account: 'main' }],
    });
    try {
      const reply = await bybit(
        wire.urls.bybit.rest,
        'POST',
        '/v5/order/create',
        order('pg-f-e', { qty: '1', symbol: 'BTCUSDT' }),
        cred,
      );
      expect(reply.json).toMatchObject({ retCode: 0, time: 1_700_000_000_000 });
    } finally {
      await wire.close();
      venue.close();
    }
  });
});

describe('Bybit v5 private stream on the wire simulator', () => {
  const auth = (s: Socket, secret = API_SECRET) => {
    const expires = Date.now() + 10_000;
    s.send({ op: 'auth', args: [API_KEY, expires, hmac(secret, `GET/realtime${expires}`)] });
  };

  it('refuses a bad auth signature and anything subscribed before auth', async () => {
    ws = await socket(h.wire.urls.bybit.ws);
    ws.send({ op: 'subscribe', req_id: '1', args: ['position'] });
    expect(await ws.next((m) => m.op === 'subscribe')).toMatchObject({ success: false });
    auth(ws, 'wrong');
    expect(await ws.next((m) => m.op === 'auth')).toMatchObject({ success: false });
  });

  it('pushes position, order and execution records of the authenticated account, and answers ping', async () => {
    ws = await socket(h.wire.urls.bybit.ws);
    auth(ws);
    expect(await ws.next((m) => m.op === 'auth')).toMatchObject({ success: true });
    ws.send({ op: 'subscribe', req_id: '2', args: ['position', 'order', 'execution'] });
    await ws.next((m) => m.op === 'subscribe');
    ws.send({ op: 'ping', req_id: '3' });
    expect(await ws.next((m) => m.op === 'pong')).toMatchObject({ req_id: '3' });
    h.venue.openExternalPosition('main', AVL, 'buy', 43);
    const position = await ws.next((m) => m.topic === 'position');
    expect((position.data as unknown[])[0]).toMatchObject({
      category: 'linear',
      symbol: 'AVLUSDT',
      side: 'Buy',
      size: '43',
      seq: 1,
    });
    const orderPush = await ws.next(
      (m) => m.topic === 'order' && (m.data as { orderStatus: string }[])[0]?.orderStatus === 'Filled',
    );
    expect((orderPush.data as unknown[])[0]).toMatchObject({
      category: 'linear',
      side: 'Buy',
      qty: '43',
      tpslMode: '',
    });
    const execution = await ws.next((m) => m.topic === 'execution');
    expect((execution.data as unknown[])[0]).toMatchObject({
      category: 'linear',
      execType: 'Trade',
      execQty: '43',
      side: 'Buy',
    });
  });

  it('closes the socket on a venue disconnect', async () => {
    ws = await socket(h.wire.urls.bybit.ws);
    auth(ws);
    await ws.next((m) => m.op === 'auth');
    h.venue.faults.set({ fault: { kind: 'disconnect' }, when: { from: Date.now(), until: Date.now() + 200 } });
    expect(
      await Promise.race([ws.closed.then(() => 'closed'), new Promise((r) => setTimeout(() => r('open'), 1_000))]),
    ).toBe('closed');
  });

  it('serves public market data without a key', async () => {
    const info = await plain(`${rest()}/v5/market/instruments-info?category=linear&limit=1000`);
    expect((info.json as { result: { list: { symbol: string }[] } }).result.list.map((m) => m.symbol)).toEqual([
      'BTCUSDT',
      'ETHUSDT',
      'AVLUSDT',
    ]);
    const ticker = await plain(`${rest()}/v5/market/tickers?category=linear&symbol=AVLUSDT`);
    expect((ticker.json as { result: { list: unknown[] } }).result.list[0]).toMatchObject({
      symbol: 'AVLUSDT',
      markPrice: '0.25',
    });
  });
});

describe('Bybit v5 linear orders, trigger prices, limits and disconnect protection on the wire simulator', () => {
  const history = async (orderLinkId: string): Promise<Record<string, unknown>> =>
    (
      (await bybit(rest(), 'GET', '/v5/order/history', { category: 'linear', symbol: 'AVLUSDT', orderLinkId }, cred))
        .json as { result: { list: Record<string, unknown>[] } }
    ).result.list[0] ?? {};
  const stop = (linkId: string, extra: Record<string, unknown> = {}) =>
    order(linkId, {
      side: 'Sell',
      triggerPrice: '0.21',
      triggerDirection: 2,
      reduceOnly: true,
      closeOnTrigger: true,
      ...extra,
    });

  it('reports a linear market order cancelled past its slippage cap as Cancelled with its executed quantity (never PartiallyFilledCanceled)', async () => {
    h.venue.faults.set({ fault: { kind: 'partialFill', fraction: 0.5 }, when: { calls: 1 } });
    await bybit(rest(), 'POST', '/v5/order/create', order('pg-n-e'), cred);
    expect(await history('pg-n-e')).toMatchObject({
      orderStatus: 'Cancelled',
      cumExecQty: '21',
      qty: '43',
      leavesQty: '0',
      rejectReason: 'EC_CancelForNoFullFill',
      timeInForce: 'IOC',
    });
    expect(h.venue.position('main', AVL).size).toBe(21);
  });

  it('gives a market order its protected limit price apart from its average price, and lastPriceOnCreated', async () => {
    await bybit(rest(), 'POST', '/v5/order/create', order('pg-o-e'), cred);
    expect(await history('pg-o-e')).toMatchObject({
      orderStatus: 'Filled',
      avgPrice: '0.25',
      price: '0.2525',
      lastPriceOnCreated: '0.25',
    });
  });

  it('fires a stop on the price its triggerBy names, and refuses one already past on that price (110093)', async () => {
    await bybit(rest(), 'POST', '/v5/order/create', order('pg-p-e'), cred);
    h.venue.setPrices(AVL, { mark: 0.25, last: 0.2 });
    expect((await bybit(rest(), 'POST', '/v5/order/create', stop('pg-p-s1'), cred)).json).toMatchObject({
      retCode: 110093,
    });
    expect(
      (await bybit(rest(), 'POST', '/v5/order/create', stop('pg-p-s2', { triggerBy: 'MarkPrice' }), cred)).json,
    ).toMatchObject({ retCode: 0 });
    expect(await history('pg-p-s2')).toMatchObject({
      orderStatus: 'Untriggered',
      triggerBy: 'MarkPrice',
      stopOrderType: 'Stop',
    });
    h.venue.setPrices(AVL, { last: 0.25 });
    h.venue.setPrices(AVL, { mark: 0.2 });
    expect(await history('pg-p-s2')).toMatchObject({ orderStatus: 'Filled', cumExecQty: '43', avgPrice: '0.25' });
  });

  it('sends X-Bapi-Limit headers on every private reply, counting down per endpoint', async () => {
    const a = await bybit(rest(), 'GET', '/v5/position/list', { category: 'linear', symbol: 'AVLUSDT' }, cred);
    const b = await bybit(rest(), 'GET', '/v5/position/list', { category: 'linear', symbol: 'AVLUSDT' }, cred);
    expect(a.headers).toMatchObject({
      'x-bapi-limit': '50',
      'x-bapi-limit-reset-timestamp': expect.stringMatching(/^\d{13}$/),
    });
    const left = (r: typeof a) => Number(r.headers['x-bapi-limit-status']);
    expect(left(a) === 49 ? left(b) : 48).toBe(48);
    expect((await bybit(rest(), 'POST', '/v5/order/create', order('pg-q-e'), cred)).headers['x-bapi-limit']).toBe('10');
  });

  it('answers the IP limit with HTTP 403 and system protection with HTTP 429', async () => {
    h.venue.faults.set({ fault: { kind: 'rateLimited', http: 403 }, when: { calls: 1 } });
    expect(
      (await bybit(rest(), 'GET', '/v5/position/list', { category: 'linear', symbol: 'AVLUSDT' }, cred)).status,
    ).toBe(403);
    h.venue.faults.set({ fault: { kind: 'rateLimited', http: 429 }, when: { calls: 1 } });
    expect(
      (await bybit(rest(), 'GET', '/v5/position/list', { category: 'linear', symbol: 'AVLUSDT' }, cred)).status,
    ).toBe(429);
  });

  const authed = async (): Promise<Socket> => {
    const s = await socket(h.wire.urls.bybit.ws);
    const expires = Date.now() + 10_000;
    s.send({ op: 'auth', args: [API_KEY, expires, hmac(API_SECRET, `GET/realtime${expires}`)] });
    await s.next((m) => m.op === 'auth');
    return s;
  };

  it('cancels every active order (CancelByDCP) when the last connection that subscribed dcp stays away past the window', async () => {
    await bybit(rest(), 'POST', '/v5/order/create', order('pg-r-e'), cred);
    await bybit(rest(), 'POST', '/v5/order/create', stop('pg-r-s1'), cred);
    expect(
      (
        await bybit(
          rest(),
          'POST',
          '/v5/order/disconnected-cancel-all',
          { product: 'DERIVATIVES', timeWindow: 3 },
          cred,
        )
      ).json,
    ).toMatchObject({ retCode: 0 });
    expect(h.venue.faults.list()).toMatchObject([{ fault: { kind: 'dcp', timeWindowMs: 3_000 }, account: 'main' }]);
    h.venue.faults.clear();
    h.venue.faults.set({ fault: { kind: 'dcp', timeWindowMs: 200 }, account: 'main' });
    const plainClient = await authed();
    plainClient.close();
    await new Promise((r) => setTimeout(r, 300));
    expect(await history('pg-r-s1')).toMatchObject({ orderStatus: 'Untriggered' });
    ws = await authed();
    ws.send({ op: 'subscribe', req_id: 'd', args: ['dcp'] });
    expect(await ws.next((m) => m.op === 'subscribe')).toMatchObject({ success: true });
    ws.close();
    ws = undefined;
    await new Promise((r) => setTimeout(r, 400));
    expect(await history('pg-r-s1')).toMatchObject({ orderStatus: 'Deactivated', cancelType: 'CancelByDCP' });
    expect(h.venue.position('main', AVL).size).toBe(43);
  });

  it('does not cancel when a dcp connection comes back within the window', async () => {
    await bybit(rest(), 'POST', '/v5/order/create', order('pg-s-e'), cred);
    await bybit(rest(), 'POST', '/v5/order/create', stop('pg-s-s1'), cred);
    h.venue.faults.set({ fault: { kind: 'dcp', timeWindowMs: 300 }, account: 'main' });
    const first = await authed();
    first.send({ op: 'subscribe', req_id: 'd', args: ['dcp'] });
    await first.next((m) => m.op === 'subscribe');
    first.close();
    ws = await authed();
    ws.send({ op: 'subscribe', req_id: 'd', args: ['dcp'] });
    await ws.next((m) => m.op === 'subscribe');
    await new Promise((r) => setTimeout(r, 450));
    expect(await history('pg-s-s1')).toMatchObject({ orderStatus: 'Untriggered' });
  });
});
