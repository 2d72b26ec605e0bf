/**
 * Bybit v5 conformance: recorded-shape replies (fixtures/bybit/, each naming the ccxt recording it
 * follows) run through the whole adapter — real ccxt over HTTP, the venue profile, the domain's
 * normalisation — and the wire simulator's replies to the same calls compared with them, field
 * names, types and empty values (the recorder's string numbers aside).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { asClientOrderId, asVenueOrderId } from '../../src/domain/ids.js';
import { orderFate } from '../../src/domain/order-fate.js';
import type { CcxtPort } from '../../src/exchange/ccxt/index.js';
import { bybit } from '../support/wire-client.js';
import { API_KEY, API_SECRET, AVL, wireHarness, type WireHarness } from '../support/wire-harness.js';
import { fixture, type Fixture } from './fixtures.js';
import { shapeDifferences, type ShapeRules } from './shape.js';

type BybitReply = { readonly result: { readonly list: readonly Record<string, unknown>[] } } & Record<string, unknown>;
type BybitFixture = Fixture<BybitReply> & { readonly recorderStrings: readonly string[] };

const load = (name: string): BybitFixture => fixture<BybitFixture>(`bybit/${name}.json`);
const created = fixture<Fixture<Record<string, unknown>> & { readonly recorderStrings: readonly string[] }>(
  'bybit/create-order.json',
);
const long = load('position-long');
const flat = load('position-flat');
const filled = load('order-market-filled');
const capped = load('order-market-capped');

/** Fields the simulator sends that the 2023–2025 recordings lack, each in Bybit's current docs. */
const NEWER: ShapeRules['simOnly'] = {
  curRealisedPnl: "in the position record of Bybit's v5 docs and of later captures; the recording predates it",
  marketUnit: "in Bybit's v5 order record (recorded for the open order, methods.fetchOpenOrder[0])",
};
const RECORDED_ONLY: ShapeRules['fixtureOnly'] = {};
const rules = (f: { readonly recorderStrings: readonly string[] }): ShapeRules => ({
  recorderStrings: f.recorderStrings,
  simOnly: NEWER,
  fixtureOnly: RECORDED_ONLY,
});

let h: WireHarness;
let port: CcxtPort;
const cred = { key: API_KEY, secret: API_SECRET };
const rest = () => h.wire.urls.bybit.rest;
const market = (linkId: string, extra: Record<string, unknown> = {}) => ({
  category: 'linear',
  symbol: 'AVLUSDT',
  side: 'Buy',
  orderType: 'Market',
  qty: '43',
  orderLinkId: linkId,
  ...extra,
});
const firstOf = (reply: unknown): Record<string, unknown> => (reply as BybitReply).result.list[0] ?? {};

beforeAll(async () => {
  h = await wireHarness();
  port = await h.port('bybit');
}, 15_000);
afterAll(async () => {
  await h.close();
});
beforeEach(() => {
  h.venue.faults.clear();
});

describe('Bybit replies through the adapter', () => {
  it('takes the ids-only create acknowledgement as accepted, its side never guessed', async () => {
    h.wire.script({ method: 'POST', path: '/v5/order/create', body: created.reply });
    const outcome = await port.createOrder({
      symbol: AVL,
      side: 'buy',
      type: 'market',
      amount: 43,
      clientOrderId: asClientOrderId('pg-01JD0000000000000000000101-e'),
      reduceOnly: false,
    });
    expect(outcome).toMatchObject({
      kind: 'accepted',
      value: { venueOrderId: '1b3f6a2c-55d0-4e7a-9c1e-7a0c2f6e9d11', clientOrderId: 'pg-01JD0000000000000000000101-e' },
    });
  });

  it('reads a held position with its seq', async () => {
    h.wire.script({ method: 'GET', path: '/v5/position/list', body: long.reply });
    expect(await port.fetchPositions()).toEqual([
      expect.objectContaining({
        symbol: AVL,
        side: 'buy',
        size: 43,
        entryPrice: 0.25,
        venueSeq: 15411084201,
        source: 'position-query',
      }),
    ]);
  });

  it("reads a flat position (side '', value and PnL '') as a positive flat report with its seq", async () => {
    h.wire.script({
      method: 'GET',
      path: '/v5/position/list',
      body: { ...long.reply, result: { ...long.reply.result, list: [] } },
    });
    h.wire.script({ method: 'GET', path: '/v5/position/list', body: flat.reply });
    expect(await port.fetchPositions([AVL])).toEqual([
      expect.objectContaining({ symbol: AVL, side: undefined, size: 0, entryPrice: undefined, venueSeq: 15411084202 }),
    ]);
  });

  it("reads a filled market order's average price, not its protected limit price", async () => {
    h.wire.script({
      method: 'GET',
      path: '/v5/order/realtime',
      body: { ...filled.reply, result: { ...filled.reply.result, list: [] } },
    });
    h.wire.script({ method: 'GET', path: '/v5/order/history', body: filled.reply });
    const report = await port.fetchOrder({ venueOrderId: asVenueOrderId('1b3f6a2c-55d0-4e7a-9c1e-7a0c2f6e9d11') }, AVL);
    expect(report).toMatchObject({
      status: 'filled',
      amount: 43,
      filled: 43,
      averagePrice: 0.2501,
      type: 'market',
      side: 'buy',
      venueStatus: 'Filled',
    });
    expect(report).not.toHaveProperty('rejectReason');
  });

  it('reads a linear market order cancelled past its slippage cap as cancelled with its fill: executed, not lost', async () => {
    h.wire.script({
      method: 'GET',
      path: '/v5/order/realtime',
      body: { ...capped.reply, result: { ...capped.reply.result, list: [] } },
    });
    h.wire.script({ method: 'GET', path: '/v5/order/history', body: capped.reply });
    const report = await port.fetchOrder({ clientOrderId: asClientOrderId('pg-01JD0000000000000000000102-e') }, AVL);
    expect(report).toMatchObject({
      status: 'cancelled',
      amount: 43,
      filled: 21,
      venueStatus: 'Cancelled',
      rejectReason: 'EC_CancelForNoFullFill',
    });
    expect(orderFate(report)).toBe('filled');
  });

  it('reads the spot word PartiallyFilledCanceled as cancelled with its fill, never as fully filled', async () => {
    const spotWord = {
      ...capped.reply,
      result: { ...capped.reply.result, list: [{ ...firstOf(capped.reply), orderStatus: 'PartiallyFilledCanceled' }] },
    };
    h.wire.script({
      method: 'GET',
      path: '/v5/order/realtime',
      body: { ...capped.reply, result: { ...capped.reply.result, list: [] } },
    });
    h.wire.script({ method: 'GET', path: '/v5/order/history', body: spotWord });
    const report = await port.fetchOrder({ clientOrderId: asClientOrderId('pg-01JD0000000000000000000102-e') }, AVL);
    expect(report).toMatchObject({ status: 'cancelled', filled: 21, venueStatus: 'PartiallyFilledCanceled' });
  });
});

describe("the wire simulator's Bybit replies have the recorded shape", () => {
  it('answers a create with the ids only', async () => {
    const reply = await bybit(rest(), 'POST', '/v5/order/create', market('pg-c1-e'), cred);
    expect(shapeDifferences(created.reply, reply.json, { recorderStrings: created.recorderStrings })).toEqual([]);
  });

  it('lists a held position and a flat one as Bybit does', async () => {
    await bybit(rest(), 'POST', '/v5/order/create', market('pg-c2-e'), cred);
    const held = await bybit(rest(), 'GET', '/v5/position/list', { category: 'linear', symbol: 'AVLUSDT' }, cred);
    expect(shapeDifferences(long.reply, held.json, rules(long))).toEqual([]);
    await bybit(
      rest(),
      'POST',
      '/v5/order/create',
      market('pg-c2-c1', { side: 'Sell', qty: '10000', reduceOnly: true }),
      cred,
    );
    const none = await bybit(rest(), 'GET', '/v5/position/list', { category: 'linear', symbol: 'AVLUSDT' }, cred);
    expect(shapeDifferences(flat.reply, none.json, rules(flat))).toEqual([]);
    expect(firstOf(none.json)).toMatchObject({
      side: '',
      size: '0',
      avgPrice: '0',
      positionValue: '',
      unrealisedPnl: '',
      seq: 3,
    });
  });

  it('shows a filled market order and a capped one as Bybit does', async () => {
    await bybit(rest(), 'POST', '/v5/order/create', market('pg-c3-e'), cred);
    const one = await bybit(
      rest(),
      'GET',
      '/v5/order/history',
      { category: 'linear', symbol: 'AVLUSDT', orderLinkId: 'pg-c3-e' },
      cred,
    );
    expect(shapeDifferences(filled.reply, one.json, rules(filled))).toEqual([]);
    expect(firstOf(one.json).price).not.toBe(firstOf(one.json).avgPrice);
    h.venue.faults.set({ fault: { kind: 'marketProtection', fraction: 0.5 }, when: { calls: 1 } });
    await bybit(rest(), 'POST', '/v5/order/create', market('pg-c4-e'), cred);
    const cut = await bybit(
      rest(),
      'GET',
      '/v5/order/history',
      { category: 'linear', symbol: 'AVLUSDT', orderLinkId: 'pg-c4-e' },
      cred,
    );
    expect(shapeDifferences(capped.reply, cut.json, rules(capped))).toEqual([]);
  });
});
