/**
 * Binance stop (algo) fates through the whole adapter — real ccxt over HTTP and WebSocket against
 * the wire simulator — on venue-shaped data: `ALGO_UPDATE` pushes and `Query Algo Order` replies
 * (fixtures/binance/). ccxt maps `TRIGGERED` and `FINISHED` to `closed` and takes the whole amount
 * as filled; the port must report a stop filled only on a proven execution (`aq`, or its actual
 * order's `executedQty`), executing while it is triggered, and lost when it finished unexecuted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asClientOrderId, asVenueOrderId } from '../../src/domain/ids.js';
import { orderFate } from '../../src/domain/order-fate.js';
import type { OrderStatusReport } from '../../src/domain/reports.js';
import { QueryFailed } from '../../src/exchange/port.js';
import type { CcxtPort } from '../../src/exchange/ccxt/index.js';
import { liveStream, type StreamRecorder } from '../support/stream-recorder.js';
import { AVL, wireHarness, type WireHarness } from '../support/wire-harness.js';
import { fixture, type CaseFixture, type Fixture } from './fixtures.js';

interface AlgoCase {
  readonly name: string;
  readonly message: Record<string, unknown>;
  readonly expect: {
    readonly status: string;
    readonly filled: number;
    readonly fate: string;
    readonly venueStatus: string;
    readonly averagePrice?: number;
    readonly rejectReason?: string;
  };
}

const updates = fixture<CaseFixture<AlgoCase>>('binance/algo-updates.json');
const finished = fixture<Fixture<Record<string, unknown>>>('binance/algo-order-finished.json');
const actual = fixture<Fixture<Record<string, unknown>>>('binance/actual-order-filled.json');
const STOP = asVenueOrderId('algo:1000000045501127');

let h: WireHarness;
let port: CcxtPort;
let stream: StreamRecorder;
beforeAll(async () => {
  h = await wireHarness();
  port = await h.port('binanceusdm');
  stream = await liveStream(port);
}, 15_000);
afterAll(async () => {
  await h.close();
});

describe('Binance ALGO_UPDATE through the ccxt port', () => {
  it.each(updates.cases)(
    'reports a stop whose ALGO_UPDATE is $name by its own fields, not ccxt\'s "closed"',
    async (c) => {
      const from = stream.events.length;
      expect(h.wire.inject('binanceusdm', 'main', c.message)).toBe(1);
      const at = await stream.until((e) => e.type === 'order' && e.report.venueOrderId === STOP, from);
      const report = (stream.events[at] as { report: OrderStatusReport }).report;
      expect(report).toMatchObject({
        source: 'stream',
        symbol: AVL,
        side: 'sell',
        type: 'stop-market',
        amount: 43,
        reduceOnly: true,
        triggerPrice: 0.21,
        clientOrderId: 'pg-01JD0000000000000000000042-s1',
        status: c.expect.status,
        filled: c.expect.filled,
        venueStatus: c.expect.venueStatus,
        ...(c.expect.averagePrice === undefined ? {} : { averagePrice: c.expect.averagePrice }),
        ...(c.expect.rejectReason === undefined ? {} : { rejectReason: c.expect.rejectReason }),
      });
      expect(orderFate(report)).toBe(c.expect.fate);
      // The transaction time ccxt drops from ALGO_UPDATE is the report's venue time.
      expect(report.venueTime).toBe(c.message.T);
    },
  );
});

describe('Binance Query Algo Order through the ccxt port', () => {
  it("reads a FINISHED stop's execution from its actual order: filled 43, not ccxt's executedQty default of 0", async () => {
    h.wire.script({ method: 'GET', path: '/fapi/v1/algoOrder', body: finished.reply });
    h.wire.script({ method: 'GET', path: '/fapi/v1/order', body: actual.reply });
    const report = await port.fetchOrder({ venueOrderId: STOP }, AVL);
    expect(report).toMatchObject({
      venueOrderId: STOP,
      status: 'filled',
      filled: 43,
      averagePrice: 0.2098,
      venueStatus: 'FINISHED',
    });
    expect(orderFate(report)).toBe('filled');
  });

  it('reads a FINISHED stop whose actual order expired unfilled as lost', async () => {
    h.wire.script({ method: 'GET', path: '/fapi/v1/algoOrder', body: finished.reply });
    h.wire.script({
      method: 'GET',
      path: '/fapi/v1/order',
      body: { ...actual.reply, status: 'EXPIRED', executedQty: '0', avgPrice: '0', cumQuote: '0' },
    });
    const report = await port.fetchOrder({ clientOrderId: asClientOrderId('pg-01JD0000000000000000000042-s1') }, AVL);
    expect(report).toMatchObject({ venueOrderId: STOP, status: 'cancelled', filled: 0, venueStatus: 'FINISHED' });
    expect(orderFate(report)).toBe('lost');
  });

  it('does not answer for a FINISHED stop whose execution no reply gives (its actual order not found): QueryFailed, never a guess', async () => {
    h.wire.script({ method: 'GET', path: '/fapi/v1/algoOrder', body: finished.reply });
    h.wire.script({
      method: 'GET',
      path: '/fapi/v1/order',
      status: 400,
      body: { code: -2013, msg: 'Order does not exist.' },
    });
    await expect(port.fetchOrder({ venueOrderId: STOP }, AVL)).rejects.toBeInstanceOf(QueryFailed);
  });
});
