/**
 * What the ccxt port reports about a stop on each venue, through real ccxt against the wire
 * simulator: the price that fires it sent explicitly (`triggerBy`: Bybit `triggerBy`, Binance
 * `workingType`), every report of the order a triggered Binance stop placed carrying the stop's
 * client order id (so that its fills are attributed to the stop), a triggered stop reported
 * executing, and a stop cancelled in the engine reported lost.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { asClientOrderId, asVenueOrderId } from '../../../src/domain/ids.js';
import { orderFate } from '../../../src/domain/order-fate.js';
import type { OrderRequest, StreamEvent } from '../../../src/exchange/port.js';
import { liveStream } from '../../support/stream-recorder.js';
import { AVL, wireHarness, type WireHarness, type WireVenue } from '../../support/wire-harness.js';

let h: WireHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const POS = 'pg-01JD0000000000000000000077';
const entry: OrderRequest = {
  symbol: AVL,
  side: 'buy',
  type: 'market',
  amount: 43,
  clientOrderId: asClientOrderId(`${POS}-e`),
  reduceOnly: false,
};
const stop: OrderRequest = {
  symbol: AVL,
  side: 'sell',
  type: 'stop-market',
  amount: 43,
  triggerPrice: 0.21,
  clientOrderId: asClientOrderId(`${POS}-s1`),
  reduceOnly: true,
};
const ofStop = (e: StreamEvent): boolean =>
  (e.type === 'order' || e.type === 'fill') && e.report.clientOrderId === stop.clientOrderId;

describe.each<WireVenue>(['bybit', 'binanceusdm'])('stops placed through the %s port', (venue) => {
  it('sends the configured trigger price explicitly, and the stop fires on the mark price, not the last', async () => {
    h = await wireHarness();
    const port = await h.port(venue, { triggerBy: 'mark' });
    await port.createOrder(entry);
    expect(await port.createOrder(stop)).toMatchObject({ kind: 'accepted' });
    expect(h.venue.requests({ method: 'createOrder' })[1]?.params).toMatchObject({
      type: 'stop-market',
      triggerBy: 'mark',
    });
    h.venue.setPrices(AVL, { last: 0.2 });
    expect(await port.fetchOrder({ clientOrderId: stop.clientOrderId }, AVL)).toMatchObject({ status: 'open' });
    h.venue.setPrices(AVL, { mark: 0.2 });
    expect(await port.fetchOrder({ clientOrderId: stop.clientOrderId }, AVL)).toMatchObject({
      status: 'filled',
      filled: 43,
    });
  });

  it('leaves the trigger price to the venue (its last price) when none is configured', async () => {
    h = await wireHarness();
    const port = await h.port(venue);
    await port.createOrder(entry);
    await port.createOrder(stop);
    expect(h.venue.requests({ method: 'createOrder' })[1]?.params).not.toHaveProperty('triggerBy');
  });

  it('reports a triggered stop waiting in the engine as executing, and lost when the engine cancels it unfilled', async () => {
    h = await wireHarness();
    const port = await h.port(venue);
    await port.createOrder(entry);
    await port.createOrder(stop);
    h.venue.faults.set({ fault: { kind: 'triggeredStop', holdMs: 300, outcome: 'cancel' }, when: { calls: 1 } });
    h.venue.setPrice(AVL, 0.2);
    const triggered = await port.fetchOrder({ clientOrderId: stop.clientOrderId }, AVL);
    expect(triggered).toMatchObject({ status: 'triggered', filled: 0 });
    expect(orderFate(triggered)).toBe('executing');
    await new Promise((r) => setTimeout(r, 400));
    const lost = await port.fetchOrder({ clientOrderId: stop.clientOrderId }, AVL);
    expect(lost).toMatchObject({ status: 'cancelled', filled: 0 });
    expect(orderFate(lost)).toBe('lost');
    expect(h.venue.position('main', AVL).size).toBe(43);
  });

  it("attributes a filled stop's reports and fills to the stop's client order id, and ends with the stop filled", async () => {
    h = await wireHarness();
    const port = await h.port(venue);
    const stream = await liveStream(port);
    await port.createOrder(entry);
    const placed = await port.createOrder(stop);
    const stopId = placed.kind === 'accepted' ? placed.value.venueOrderId : asVenueOrderId('?');
    await stream.until((e) => e.type === 'order' && e.report.venueOrderId === stopId && e.report.status === 'open');
    const from = stream.events.length;
    h.venue.setPrice(AVL, 0.2);
    await stream.until(
      (e) => e.type === 'order' && e.report.venueOrderId === stopId && e.report.status === 'filled',
      from,
    );
    await stream.until((e) => e.type === 'fill' && e.report.clientOrderId === stop.clientOrderId, from);
    const after = stream.events.slice(from);
    // ccxt hands over each order's latest state per watch: intermediate states may be merged, never misattributed.
    const unattributed = after.filter(
      (e) =>
        (e.type === 'order' || e.type === 'fill') && e.report.symbol === AVL && e.report.side === 'sell' && !ofStop(e),
    );
    expect(unattributed).toEqual([]);
    expect(after.filter((e) => e.type === 'fill')).toEqual([
      expect.objectContaining({ report: expect.objectContaining({ clientOrderId: stop.clientOrderId, amount: 43 }) }),
    ]);
    const last = after.filter((e) => e.type === 'order' && e.report.venueOrderId === stopId).at(-1);
    expect(last).toMatchObject({
      report: {
        status: 'filled',
        filled: 43,
        ...(venue === 'binanceusdm' ? { venueStatus: 'FINISHED' } : { venueStatus: 'Filled' }),
      },
    });
    if (venue === 'binanceusdm') {
      // The order the stop placed in the matching engine has an id of its own and the stop's client id.
      expect(after).toContainEqual(
        expect.objectContaining({
          type: 'order',
          report: expect.objectContaining({
            clientOrderId: stop.clientOrderId,
            status: 'filled',
            filled: 43,
            venueStatus: 'FILLED',
          }),
        }),
      );
      expect(
        after.some(
          (e) =>
            e.type === 'order' && e.report.venueOrderId !== stopId && e.report.clientOrderId === stop.clientOrderId,
        ),
      ).toBe(true);
    }
    expect(await port.fetchOrder({ venueOrderId: stopId }, AVL)).toMatchObject({ status: 'filled', filled: 43 });
  });
});
