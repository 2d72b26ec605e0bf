/**
 * The ccxt port on Binance USD-M, through the real ccxt against the wire simulator: 19-digit
 * order ids survive every round trip, stops live on the Algo Service under `algo:` ids, a
 * duplicate client id is Unknown and resolved by `origClientOrderId`, positive flat reports,
 * position mode from `dualSidePosition`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { asClientOrderId, asVenueOrderId } from '../../../src/domain/ids.js';
import { DUPLICATE_CLIENT_ORDER_ID } from '../../../src/domain/outcome.js';
import type { CcxtPort } from '../../../src/exchange/ccxt/index.js';
import type { OrderRequest } from '../../../src/exchange/port.js';
import { liveStream } from '../../support/stream-recorder.js';
import { AVL, wireHarness, type WireHarness } from '../../support/wire-harness.js';

let h: WireHarness;
let port: CcxtPort;
const POS = 'pg-01JD0000000000000000000001';
const order = (role: string, extra: Partial<OrderRequest> = {}): OrderRequest => ({
  symbol: AVL,
  side: 'buy',
  type: 'market',
  amount: 43,
  clientOrderId: asClientOrderId(`${POS}-${role}`),
  reduceOnly: false,
  ...extra,
});

beforeEach(async () => {
  h = await wireHarness();
  port = await h.port('binanceusdm');
});
afterEach(async () => {
  await h.close();
});

describe('the ccxt port on Binance USD-M', () => {
  it('keeps 19-digit order ids exact through create, query and cancel', async () => {
    const placed = await port.createOrder(order('e'));
    expect(placed).toMatchObject({
      kind: 'accepted',
      value: { venueOrderId: '8389765000001000001', report: { side: 'buy', filled: 43, status: 'filled' } },
    });
    const resting = await port.createOrder(order('x1', { type: 'limit', price: 0.2, amount: 30 }));
    const id = resting.kind === 'accepted' ? resting.value.venueOrderId : asVenueOrderId('?');
    expect(id).toBe('8389765000001000002');
    expect(BigInt(id) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(await port.fetchOrder({ venueOrderId: id }, AVL)).toMatchObject({
      venueOrderId: id,
      type: 'limit',
      status: 'open',
    });
    expect(await port.cancelOrder({ venueOrderId: id }, AVL)).toEqual({
      kind: 'accepted',
      value: { venueOrderId: id },
    });
    expect(await port.fetchOrder({ venueOrderId: id }, AVL)).toMatchObject({ venueOrderId: id, status: 'cancelled' });
  });

  it('places a reduce-only STOP_MARKET on the Algo Service, found by id and by client id, and cancels it', async () => {
    await port.createOrder(order('e'));
    const stop = await port.createOrder(
      order('s1', { side: 'sell', type: 'stop-market', triggerPrice: 0.21, reduceOnly: true }),
    );
    expect(stop).toMatchObject({
      kind: 'accepted',
      value: {
        venueOrderId: 'algo:1000002',
        report: { type: 'stop-market', reduceOnly: true, triggerPrice: 0.21, status: 'open', filled: 0 },
      },
    });
    expect(h.venue.requests({ method: 'createOrder' })[1]?.params).toMatchObject({
      type: 'stop-market',
      side: 'sell',
      reduceOnly: true,
      triggerPrice: 0.21,
    });
    expect(await port.fetchOrder({ venueOrderId: asVenueOrderId('algo:1000002') }, AVL)).toMatchObject({
      clientOrderId: `${POS}-s1`,
    });
    expect(await port.fetchOrder({ clientOrderId: asClientOrderId(`${POS}-s1`) }, AVL)).toMatchObject({
      venueOrderId: 'algo:1000002',
    });
    expect((await port.fetchOpenOrders(AVL)).map((o) => o.venueOrderId)).toEqual(['algo:1000002']);
    expect(await port.cancelOrder({ clientOrderId: asClientOrderId(`${POS}-s1`) }, AVL)).toEqual({
      kind: 'accepted',
      value: { venueOrderId: 'algo:1000002' },
    });
    expect(await port.fetchOrder({ venueOrderId: asVenueOrderId('algo:1000002') }, AVL)).toMatchObject({
      status: 'cancelled',
    });
  });

  it('calls a reused client id Unknown (-4116) and finds the first order by origClientOrderId, sending nothing twice', async () => {
    await port.createOrder(order('x2', { type: 'limit', price: 0.2, amount: 30 }));
    expect(await port.createOrder(order('x2', { type: 'limit', price: 0.2, amount: 30 }))).toMatchObject({
      kind: 'unknown',
      code: DUPLICATE_CLIENT_ORDER_ID,
    });
    expect(await port.fetchOrder({ clientOrderId: asClientOrderId(`${POS}-x2`) }, AVL)).toMatchObject({
      status: 'open',
      amount: 30,
      side: 'buy',
    });
    expect(h.venue.orders('main')).toHaveLength(1);
  });

  it('proves a close with a positive flat report from position risk', async () => {
    await port.createOrder(order('e'));
    expect(await port.fetchPositions()).toEqual([expect.objectContaining({ symbol: AVL, side: 'buy', size: 43 })]);
    await port.createOrder(order('c1', { side: 'sell', reduceOnly: true }));
    const after = await port.fetchPositions();
    expect(after).toEqual([
      expect.objectContaining({ symbol: AVL, side: undefined, size: 0, source: 'position-query' }),
    ]);
    expect(after[0]?.venueTime).toBeGreaterThan(0);
  });

  it('reads the position mode from dualSidePosition, and the mark price', async () => {
    expect(await port.fetchPositionMode()).toBe('one-way');
    h.venue.setPositionMode('main', 'hedge');
    expect(await port.fetchPositionMode()).toBe('hedge');
    expect(await port.fetchMarkPrice(AVL)).toBe(0.25);
  });

  it('stamps a streamed position with its transaction time, the time a REST read of the same state shows, not the event time', async () => {
    const stream = await liveStream(port);
    await port.createOrder(order('e'));
    const at = await stream.until((e) => e.type === 'position' && e.report.size === 43);
    const streamed = stream.events[at];
    const read = await port.fetchPositions([AVL]);
    expect(streamed?.type === 'position' && streamed.report.venueTime).toBe(read[0]?.venueTime);
    expect(read[0]?.venueTime).toBe(h.venue.position('main', AVL).at);
  });
});
