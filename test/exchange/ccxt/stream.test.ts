/**
 * The ccxt port's private stream (ccxt.pro `watchOrders`, `watchPositions`, `watchMyTrades`)
 * against the wire simulator: `up` once connected, reports as they happen (a flat position as
 * a positive flat report with Bybit's `seq`), and after a disconnect `down`, a reconnect with
 * backoff, `up` again, and events flowing again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { StreamEvent } from '../../../src/exchange/port.js';
import { isConnection, recorder } from '../../support/stream-recorder.js';
import { AVL, wireHarness, type WireHarness, type WireVenue } from '../../support/wire-harness.js';

let h: WireHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const positionOf = (size: number) => (e: StreamEvent) =>
  e.type === 'position' && e.report.symbol === AVL && e.report.size === size;

describe.each<WireVenue>(['bybit', 'binanceusdm'])('the %s private stream through ccxt.pro', (venue) => {
  it('reports orders, fills and positions, a flat position as a positive flat report', async () => {
    h = await wireHarness();
    const port = await h.port(venue);
    const r = recorder();
    port.subscribe(r.onEvent);
    await r.until(isConnection('up'));
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
    const firstUp = await r.until(isConnection('up'));
    const now = Date.now();
    h.venue.faults.set({
      fault: { kind: 'disconnect', reason: 'cable pulled' },
      when: { from: now, until: now + 400 },
    });
    const down = await r.until(isConnection('down'), firstUp + 1);
    const up = await r.until(isConnection('up'), down + 1);
    expect(up).toBeGreaterThan(down);
    h.venue.openExternalPosition('main', AVL, 'buy', 43);
    await r.until(positionOf(43), up + 1);
    expect(
      r.events.filter((e) => e.type === 'connection').map((e) => (e.type === 'connection' ? e.status : '')),
    ).toEqual(['up', 'down', 'up']);
  }, 15_000);

  it('gives a late subscriber the current connection state', async () => {
    h = await wireHarness();
    const port = await h.port(venue);
    const first = recorder();
    port.subscribe(first.onEvent);
    await first.until(isConnection('up'));
    const second = recorder();
    const sub = port.subscribe(second.onEvent);
    await second.until(isConnection('up'));
    await sub.close();
  }, 15_000);
});
