/**
 * The ccxt port on Bybit v5, through the real ccxt against the wire simulator: the ids-only
 * create reply completed by an order query (never a guessed side), a duplicate `orderLinkId`
 * resolved by lookup, reduce-only stops, positive flat reports, position mode, credentials.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { asClientOrderId } from '../../../src/domain/ids.js';
import { orderFate } from '../../../src/domain/order-fate.js';
import { DUPLICATE_CLIENT_ORDER_ID } from '../../../src/domain/outcome.js';
import type { CcxtPort } from '../../../src/exchange/ccxt/index.js';
import { QueryFailed, type OrderRequest } from '../../../src/exchange/port.js';
import { API_SECRET, AVL, wireHarness, type WireHarness } from '../../support/wire-harness.js';

let h: WireHarness;
let port: CcxtPort;
const POS = 'pg-01JD0000000000000000000000';
const entry = (role = 'e', amount = 43): OrderRequest => ({
  symbol: AVL,
  side: 'buy',
  type: 'market',
  amount,
  clientOrderId: asClientOrderId(`${POS}-${role}`),
  reduceOnly: false,
});

beforeEach(async () => {
  h = await wireHarness();
  port = await h.port('bybit');
});
afterEach(async () => {
  await h.close();
});

describe('the ccxt port on Bybit v5', () => {
  it('answers an ids-only create reply with no report and no look-up of its own; the order, asked for, has its side from the venue', async () => {
    const outcome = await port.createOrder(entry());
    expect(outcome.kind).toBe('accepted');
    if (outcome.kind !== 'accepted') return;
    expect(outcome.value.venueOrderId).toMatch(/^5c0d1b2e-/);
    expect(outcome.value.report).toBeUndefined();
    expect(h.venue.requests({ method: 'fetchOrder' })).toHaveLength(0);
    const report = await port.fetchOrder({ venueOrderId: outcome.value.venueOrderId }, AVL);
    expect(report).toMatchObject({
      source: 'order-query',
      side: 'buy',
      amount: 43,
      filled: 43,
      status: 'filled',
      venueOrderId: outcome.value.venueOrderId,
    });
  });

  it('answers accepted with no report when the order cannot be found yet (index delay)', async () => {
    h.venue.faults.set({ fault: { kind: 'orderIndexDelay', ms: 2_000 }, when: { calls: 1 } });
    const outcome = await port.createOrder(entry());
    expect(outcome).toMatchObject({ kind: 'accepted', value: { clientOrderId: `${POS}-e`, report: undefined } });
    expect(h.venue.requests({ method: 'createOrder' })).toHaveLength(1);
  });

  it('resolves a duplicate orderLinkId by lookup: Unknown, then the first order found by its client id', async () => {
    const first = await port.createOrder(entry());
    const again = await port.createOrder(entry());
    expect(again).toMatchObject({ kind: 'unknown', code: DUPLICATE_CLIENT_ORDER_ID });
    const found = await port.fetchOrder({ clientOrderId: asClientOrderId(`${POS}-e`) }, AVL);
    expect(found).toMatchObject({
      side: 'buy',
      filled: 43,
      status: 'filled',
      venueOrderId: first.kind === 'accepted' ? first.value.venueOrderId : '?',
    });
    expect(h.venue.position('main', AVL).size).toBe(43);
  });

  it('places a reduce-only stop-market that rests until triggered, and cancels it', async () => {
    await port.createOrder(entry());
    const stop = await port.createOrder({
      symbol: AVL,
      side: 'sell',
      type: 'stop-market',
      amount: 43,
      triggerPrice: 0.21,
      clientOrderId: asClientOrderId(`${POS}-s1`),
      reduceOnly: true,
    });
    expect(stop).toMatchObject({ kind: 'accepted', value: { report: undefined } });
    expect(await port.fetchOrder({ clientOrderId: asClientOrderId(`${POS}-s1`) }, AVL)).toMatchObject({
      type: 'stop-market',
      side: 'sell',
      reduceOnly: true,
      triggerPrice: 0.21,
      status: 'open',
    });
    expect((await port.fetchOpenOrders(AVL)).map((o) => o.clientOrderId)).toEqual([`${POS}-s1`]);
    expect(await port.cancelOrder({ clientOrderId: asClientOrderId(`${POS}-s1`) }, AVL)).toMatchObject({
      kind: 'accepted',
    });
    expect(await port.fetchOrder({ clientOrderId: asClientOrderId(`${POS}-s1`) }, AVL)).toMatchObject({
      status: 'cancelled',
      filled: 0,
    });
    expect(await port.cancelOrder({ clientOrderId: asClientOrderId(`${POS}-s1`) }, AVL)).toMatchObject({
      kind: 'rejected',
      code: 'ORDER_NOT_OPEN',
    });
  });

  it('proves a close with a positive flat report, by sequence, when the list of held positions leaves the symbol out', async () => {
    await port.createOrder(entry());
    expect(await port.fetchPositions()).toEqual([
      expect.objectContaining({ symbol: AVL, side: 'buy', size: 43, venueSeq: 1 }),
    ]);
    await port.createOrder({ ...entry('c1'), side: 'sell', reduceOnly: true });
    expect(await port.fetchPositions()).toEqual([
      expect.objectContaining({ symbol: AVL, side: undefined, size: 0, venueSeq: 2, source: 'position-query' }),
    ]);
  });

  it('reports an unknown order as undefined, and the position mode', async () => {
    expect(await port.fetchOrder({ clientOrderId: asClientOrderId('pg-nobody-e') }, AVL)).toBeUndefined();
    expect(await port.fetchPositionMode()).toBe('one-way');
    h.venue.setPositionMode('main', 'hedge');
    expect(await port.fetchPositionMode()).toBe('hedge');
  });

  it('fails queries with a wrong secret as QueryFailed (authentication), never echoing the secret', async () => {
    const wrong = await h.port('bybit', { id: 'wrong', secret: 'not-the-secret' });
    const error = await wrong.fetchPositions().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryFailed);
    expect((error as Error).message).toContain('AUTHENTICATION');
    expect((error as Error).message).not.toContain('not-the-secret');
    expect((error as Error).message).not.toContain(API_SECRET);
    expect(await wrong.createOrder(entry('x1'))).toMatchObject({ kind: 'rejected', code: 'AUTHENTICATION' });
  });

  it('reports a market entry cancelled past its slippage cap as cancelled with its fill (executed, not lost, not "filled" whole)', async () => {
    h.venue.faults.set({ fault: { kind: 'marketProtection', fraction: 0.5 }, when: { calls: 1 } });
    const outcome = await port.createOrder(entry());
    const report =
      outcome.kind === 'accepted'
        ? await port.fetchOrder({ venueOrderId: outcome.value.venueOrderId }, AVL)
        : undefined;
    expect(report).toMatchObject({
      status: 'cancelled',
      amount: 43,
      filled: 21,
      venueStatus: 'Cancelled',
      rejectReason: 'EC_CancelForNoFullFill',
    });
    expect(orderFate(report)).toBe('filled');
    expect(await port.fetchPositions()).toEqual([expect.objectContaining({ symbol: AVL, side: 'buy', size: 21 })]);
  });

  it('reports a stop its disconnect protection cancelled as cancelled, with the reason CancelByDCP', async () => {
    await port.createOrder(entry());
    await port.createOrder({
      symbol: AVL,
      side: 'sell',
      type: 'stop-market',
      amount: 43,
      triggerPrice: 0.21,
      clientOrderId: asClientOrderId(`${POS}-s1`),
      reduceOnly: true,
    });
    h.venue.cancelAllOrders('main', 'disconnect-protection');
    const report = await port.fetchOrder({ clientOrderId: asClientOrderId(`${POS}-s1`) }, AVL);
    expect(report).toMatchObject({
      status: 'cancelled',
      filled: 0,
      venueStatus: 'Deactivated',
      rejectReason: 'CancelByDCP',
    });
    expect(orderFate(report)).toBe('lost');
  });
});
