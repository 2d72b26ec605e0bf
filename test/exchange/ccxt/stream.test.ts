/**
 * The ccxt port's private stream (ccxt.pro `watchOrders`, `watchPositions`, `watchMyTrades`)
 * against the wire simulator: `up` once connected, reports as they happen (a flat position as
 * a positive flat report with Bybit's `seq`), and after a disconnect `down`, a reconnect with
 * backoff, `up` again, and events flowing again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { StreamEvent } from '../../../src/exchange/port.js';
import { AVL, wireHarness, type WireHarness, type WireVenue } from '../../support/wire-harness.js';

let h: WireHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Collects events; `until` waits (real time) for a matching one after `from`. */
function recorder() {
  const events: StreamEvent[] = [];
  const until = async (match: (e: StreamEvent) => boolean, from = 0, timeoutMs = 5_000): Promise<number> => {
    for (const start = Date.now(); Date.now() - start < timeoutMs; await new Promise((r) => setTimeout(r, 10))) {
      const i = events.findIndex((e, k) => k >= from && match(e));
      if (i !== -1) return i;
    }
    throw new Error(`no matching event; got ${events.map((e) => (e.type === 'connection' ? e.status : e.type)).join(',')}`);
  };
  return { events, onEvent: (e: StreamEvent) => events.push(e), until };
}

const isConn = (status: 'up' | 'down') => (e: StreamEvent) => e.type === 'connection' && e.status === status;
const positionOf = (size: number) => (e: StreamEvent) => e.type === 'position' && e.report.symbol === AVL && e.report.size === size;

describe.each<WireVenue>(['bybit', 'binanceusdm'])('the %s private stream through ccxt.pro', (venue) => {
  it('reports orders, fills and positions, a flat position as a positive flat report', async () => {
    h = await wireHarness();
    const port = await h.port(venue);
    const r = recorder();
    port.subscribe(r.onEvent);
    await r.until(isConn('up'));
    h.venue.openExternalPosition('main', AVL, 'buy', 43);
    const open = r.events[await r.until(positionOf(43))];
    expect(open).toMatchObject({ type: 'position', report: { source: 'stream', side: 'buy', size: 43 } });
    await r.until((e) => e.type === 'fill' && e.report.amount === 43 && e.report.side === 'buy');
    await r.until((e) => e.type === 'order' && e.report.status === 'filled' && e.report.clientOrderId === 'ext-1');
    h.venue.openExternalPosition('main', AVL, 'sell', 43);
    const flat = r.events[await r.until(positionOf(0))];
    expect(flat).toMatchObject({ type: 'position', report: { side: undefined, size: 0 } });
    if (venue === 'bybit') expect(flat?.type === 'position' && flat.report.venueSeq).toBe(2);
  }, 15_000);

  it('after a disconnect emits down, reconnects, emits up, and delivers events again', async () => {
    h = await wireHarness();
    const port = await h.port(venue, { reconnect: { initialMs: 50, maxMs: 200 } });
    const r = recorder();
    port.subscribe(r.onEvent);
    const firstUp = await r.until(isConn('up'));
    const now = Date.now();
    h.venue.faults.set({ fault: { kind: 'disconnect', reason: 'cable pulled' }, when: { from: now, until: now + 400 } });
    const down = await r.until(isConn('down'), firstUp + 1);
    const up = await r.until(isConn('up'), down + 1);
    expect(up).toBeGreaterThan(down);
    h.venue.openExternalPosition('main', AVL, 'buy', 43);
    await r.until(positionOf(43), up + 1);
    expect(r.events.filter((e) => e.type === 'connection').map((e) => (e.type === 'connection' ? e.status : ''))).toEqual(['up', 'down', 'up']);
  }, 15_000);

  it('gives a late subscriber the current connection state', async () => {
    h = await wireHarness();
    const port = await h.port(venue);
    const first = recorder();
    port.subscribe(first.onEvent);
    await first.until(isConn('up'));
    const second = recorder();
    const sub = port.subscribe(second.onEvent);
    await second.until(isConn('up'));
    await sub.close();
  }, 15_000);
});
