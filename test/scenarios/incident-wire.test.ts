/**
 * The incident and the refused stop, end to end through the real ccxt against the wire
 * simulator (Bybit v5 and Binance USD-M formats, HTTP and WebSocket on loopback), driven by
 * `createGuard` on the system clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  AVL,
  streamUp,
  wireGuard,
  wireHarness,
  type WireGuard,
  type WireHarness,
  type WireVenue,
} from '../support/wire-harness.js';

let h: WireHarness | undefined;
let g: WireGuard | undefined;
afterEach(async () => {
  await g?.guard.stop();
  await h?.close();
  g = undefined;
  h = undefined;
});

const STOP_REFUSAL: Record<WireVenue, string> = { bybit: '110093', binanceusdm: '-2021' };

describe.each<WireVenue>(['bybit', 'binanceusdm'])('on the %s wire', (venue) => {
  it('ends open at 43 with one create sent, despite a minimal create reply and REST behind the stream', async () => {
    h = await wireHarness();
    g = await wireGuard(h, venue);
    await streamUp(g);
    h.venue.faults.set({ fault: { kind: 'minimalCreateReply' } });
    h.venue.faults.set({ fault: { kind: 'restLag', ms: 1_500 } });
    const pos = await g.guard.open({ account: 'main', symbol: AVL, side: 'buy', amount: 43 });
    expect(await g.until(pos)).toBe('open');
    expect(h.venue.requests({ account: 'main', method: 'createOrder' })).toHaveLength(1);
    expect(h.venue.position('main', AVL).size).toBe(43);
  }, 20_000);

  it('rolls back a refused stop with a reduce-only sell of 43, proves it flat and ends closed', async () => {
    h = await wireHarness();
    g = await wireGuard(h, venue);
    await streamUp(g);
    h.venue.faults.set({ fault: { kind: 'minimalCreateReply' } });
    h.venue.faults.set({
      fault: {
        kind: 'reject',
        reason: 'trigger price invalid',
        code: STOP_REFUSAL[venue],
        orderTypes: ['stop-market'],
      },
    });
    const pos = await g.guard.open({ account: 'main', symbol: AVL, side: 'buy', amount: 43, stopLoss: 0.21 });
    expect(await g.until(pos, ['closed', 'orphanAlert', 'failed'])).toBe('closed');
    const creates = h.venue
      .requests({ account: 'main', method: 'createOrder' })
      .map((r) => ({ ...r.params, result: r.result }));
    expect(creates).toHaveLength(3);
    expect(creates[0]).toMatchObject({ side: 'buy', amount: 43, reduceOnly: false, result: 'accepted' });
    expect(creates[1]).toMatchObject({ side: 'sell', type: 'stop-market', reduceOnly: true, result: 'rejected' });
    expect(creates[2]).toMatchObject({
      side: 'sell',
      amount: 43,
      type: 'market',
      reduceOnly: true,
      result: 'accepted',
    });
    expect(h.venue.position('main', AVL).size).toBe(0);
    expect((await g.guard.alerts()).map((a) => a.kind)).toEqual(['protectionFailed']);
  }, 20_000);
});
