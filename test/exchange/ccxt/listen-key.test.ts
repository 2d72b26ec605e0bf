/**
 * Binance listen keys through the ccxt port: when the key expires Binance says so once
 * (`listenKeyExpired`) and then sends nothing more on the open socket, which ccxt ignores; the
 * port must report the stream down, reconnect with a new key and report it up, so that no event
 * is silently lost. A failing keep-alive does the same.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { StreamEvent } from '../../../src/exchange/port.js';
import { isConnection, liveStream } from '../../support/stream-recorder.js';
import { AVL, wireHarness, type WireHarness } from '../../support/wire-harness.js';

let h: WireHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const positionOf =
  (size: number) =>
  (e: StreamEvent): boolean =>
    e.type === 'position' && e.report.symbol === AVL && e.report.size === size;

describe('Binance listen keys through the ccxt port', () => {
  it('reports the stream down when its listen key expires, reconnects with a new key, and delivers events again', async () => {
    h = await wireHarness();
    const port = await h.port('binanceusdm');
    const stream = await liveStream(port);
    expect(h.wire.expireListenKeys('main')).toBe(1);
    const down = await stream.until(isConnection('down'));
    expect(stream.events[down]).toMatchObject({ reason: expect.stringContaining('listen key expired') });
    const up = await stream.until(isConnection('up'), down + 1);
    h.venue.openExternalPosition('main', AVL, 'buy', 43);
    await stream.until(positionOf(43), up + 1);
    expect(h.venue.requests().length).toBeGreaterThan(0);
  }, 15_000);

  it('reports the stream down when a keep-alive fails, and comes back up', async () => {
    h = await wireHarness();
    const port = await h.port('binanceusdm', { listenKeyKeepAliveMs: 200 });
    const stream = await liveStream(port);
    h.venue.faults.set({ fault: { kind: 'listenKeyKeepAliveFailure' }, when: { calls: 1 } });
    const down = await stream.until(isConnection('down'));
    const up = await stream.until(isConnection('up'), down + 1);
    h.venue.openExternalPosition('main', AVL, 'buy', 43);
    await stream.until(positionOf(43), up + 1);
  }, 15_000);
});
