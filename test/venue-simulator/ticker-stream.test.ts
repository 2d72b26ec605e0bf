/**
 * The wire simulator's public ticker streams, checked on the wire: Bybit's `tickers.{symbol}`
 * on `/v5/public/linear` and Binance's `<symbol>@markPrice` on `/market/ws`, each tick pushed
 * when the venue's price is set, and the `tickerDelay` fault holding ticks back (the tick keeping
 * the venue time of its change).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { socket, type Socket } from '../support/wire-client.js';
import { AVL, wireHarness, type WireHarness } from '../support/wire-harness.js';

let h: WireHarness;
let ws: Socket | undefined;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

beforeEach(async () => {
  h = await wireHarness();
});
afterEach(async () => {
  ws?.close();
  ws = undefined;
  await h.close();
});

const bybitTick = (mark: string) => (m: Record<string, unknown>) =>
  m.topic === 'tickers.AVLUSDT' && (m.data as { markPrice?: string } | undefined)?.markPrice === mark;

describe('Bybit public tickers on the wire', () => {
  it('acknowledges tickers.AVLUSDT, sends its snapshot, then a push of mark and last for each price set', async () => {
    ws = await socket(h.wire.urls.publicWs.bybit);
    ws.send({ op: 'subscribe', args: ['tickers.AVLUSDT'], req_id: 'r1' });
    expect(await ws.next((m) => m.op === 'subscribe')).toMatchObject({ success: true, req_id: 'r1' });
    expect(await ws.next(bybitTick('0.25'))).toMatchObject({
      type: 'snapshot',
      data: { symbol: 'AVLUSDT', lastPrice: '0.25' },
    });
    const at = Date.now();
    h.venue.setPrices(AVL, { mark: 0.26, last: 0.27 });
    const push = await ws.next(bybitTick('0.26'));
    expect(push).toMatchObject({ data: { markPrice: '0.26', lastPrice: '0.27' } });
    expect(Number(push.ts)).toBeGreaterThanOrEqual(at);
  });

  it('refuses an unknown topic', async () => {
    ws = await socket(h.wire.urls.publicWs.bybit);
    ws.send({ op: 'subscribe', args: ['tickers.NOPEUSDT'] });
    expect(await ws.next((m) => m.op === 'subscribe')).toMatchObject({ success: false });
  });

  it('holds a tick back under tickerDelay, and the tick carries the time of its change', async () => {
    ws = await socket(h.wire.urls.publicWs.bybit);
    ws.send({ op: 'subscribe', args: ['tickers.AVLUSDT'] });
    await ws.next(bybitTick('0.25'));
    h.venue.faults.set({ fault: { kind: 'tickerDelay', ms: 800 }, when: { calls: 1 } });
    const changedAt = Date.now();
    h.venue.setPrice(AVL, 0.3);
    await sleep(400);
    expect(ws.messages.some(bybitTick('0.3'))).toBe(false);
    const push = await ws.next(bybitTick('0.3'), 3_000);
    expect(Date.now() - changedAt).toBeGreaterThanOrEqual(800);
    expect(Number(push.ts)).toBeLessThan(changedAt + 400);
  });
});

describe('Binance mark price stream on the wire', () => {
  const markTick = (p: string) => (m: Record<string, unknown>) => m.e === 'markPriceUpdate' && m.p === p;

  it('pushes markPriceUpdate on a raw stream path, and after SUBSCRIBE on the bare path', async () => {
    ws = await socket(`${h.wire.urls.publicWs.binanceusdm}/avlusdt@markPrice`);
    h.venue.setPrice(AVL, 0.26);
    expect(await ws.next(markTick('0.26'))).toMatchObject({ s: 'AVLUSDT', E: expect.any(Number) });
    ws.close();
    ws = await socket(h.wire.urls.publicWs.binanceusdm);
    ws.send({ method: 'SUBSCRIBE', params: ['avlusdt@markPrice@1s'], id: 7 });
    expect(await ws.next((m) => m.id === 7)).toEqual({ result: null, id: 7 });
    h.venue.setPrice(AVL, 0.27);
    expect(await ws.next(markTick('0.27'))).toMatchObject({ s: 'AVLUSDT' });
  });

  it('holds a tick back under tickerDelay', async () => {
    ws = await socket(`${h.wire.urls.publicWs.binanceusdm}/avlusdt@markPrice`);
    h.venue.faults.set({ fault: { kind: 'tickerDelay', ms: 800 }, when: { calls: 1 } });
    const changedAt = Date.now();
    h.venue.setPrice(AVL, 0.31);
    await sleep(400);
    expect(ws.messages.some(markTick('0.31'))).toBe(false);
    const push = await ws.next(markTick('0.31'), 3_000);
    expect(Date.now() - changedAt).toBeGreaterThanOrEqual(800);
    expect(Number(push.E)).toBeLessThan(changedAt + 400);
  });
});
