/**
 * Mark and last prices apart: a stop fires on the price its port's `triggerBy` names (the
 * venue's default, the last price, when the port says nothing), and a trigger already passed on
 * that price is refused when placed.
 */
import { describe, expect, it } from 'vitest';
import { createSimPort } from '../../../src/exchange/sim/index.js';
import { AVL, MAIN, market, setup, stop } from './helpers.js';

describe('the price that fires a stop', () => {
  it('fires a mark-price stop when the mark crosses, whatever the last price does', async () => {
    const { venue } = setup();
    const port = createSimPort(venue, MAIN, { triggerBy: 'mark' });
    await port.createOrder(market('buy', 43));
    const sl = stop('sell', 43, 0.21);
    await port.createOrder(sl);
    venue.setPrices(AVL, { last: 0.2 });
    expect(await port.fetchOrder({ clientOrderId: sl.clientOrderId }, AVL)).toMatchObject({ status: 'open' });
    venue.setPrices(AVL, { mark: 0.2099 });
    expect(await port.fetchOrder({ clientOrderId: sl.clientOrderId }, AVL)).toMatchObject({
      status: 'filled',
      filled: 43,
      averagePrice: 0.2,
    });
    expect(venue.requests({ method: 'createOrder' })[1]?.params).toMatchObject({
      type: 'stop-market',
      triggerBy: 'mark',
    });
  });

  it('fires a last-price stop when the last price crosses, whatever the mark does', async () => {
    const { venue } = setup();
    const port = createSimPort(venue, MAIN, { triggerBy: 'last' });
    await port.createOrder(market('buy', 43));
    const sl = stop('sell', 43, 0.21);
    await port.createOrder(sl);
    venue.setPrices(AVL, { mark: 0.2 });
    expect(await port.fetchOrder({ clientOrderId: sl.clientOrderId }, AVL)).toMatchObject({ status: 'open' });
    venue.setPrices(AVL, { last: 0.21 });
    expect(await port.fetchOrder({ clientOrderId: sl.clientOrderId }, AVL)).toMatchObject({
      status: 'filled',
      filled: 43,
    });
  });

  it("uses the venue's default (the last price) when the port does not say", async () => {
    const { venue, port } = setup();
    await port.createOrder(market('buy', 43));
    const sl = stop('sell', 43, 0.21);
    await port.createOrder(sl);
    venue.setPrices(AVL, { mark: 0.2 });
    expect(await port.fetchOrder({ clientOrderId: sl.clientOrderId }, AVL)).toMatchObject({ status: 'open' });
    expect(venue.requests({ method: 'createOrder' })[1]?.params).not.toHaveProperty('triggerBy');
  });

  it('refuses a trigger on the wrong side of the chosen price only', async () => {
    const { venue } = setup();
    const byMark = createSimPort(venue, MAIN, { triggerBy: 'mark' });
    const byLast = createSimPort(venue, MAIN, { triggerBy: 'last' });
    await byMark.createOrder(market('buy', 43));
    venue.setPrices(AVL, { mark: 0.25, last: 0.2 });
    expect(await byMark.createOrder(stop('sell', 43, 0.21))).toMatchObject({ kind: 'accepted' });
    expect(await byLast.createOrder(stop('sell', 43, 0.21))).toMatchObject({ kind: 'rejected', code: 'INVALID_PRICE' });
  });
});
