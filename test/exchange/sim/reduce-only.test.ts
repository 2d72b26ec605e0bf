import { describe, expect, it } from 'vitest';
import { AVL, MAIN, market, setup, stop } from './helpers.js';

describe('simulated reduce-only orders', () => {
  it('refuses a reduce-only buy that would grow a long', async () => {
    const { venue, port } = setup();
    await port.createOrder(market('buy', 43));
    const outcome = await port.createOrder(market('buy', 43, { reduceOnly: true }));
    expect(outcome).toMatchObject({ kind: 'rejected', code: 'REDUCE_ONLY_WOULD_INCREASE' });
    expect(venue.position(MAIN, AVL).size).toBe(43);
  });

  it('refuses a reduce-only order from flat', async () => {
    const { venue, port } = setup();
    expect(await port.createOrder(market('sell', 43, { reduceOnly: true }))).toMatchObject({
      kind: 'rejected',
      code: 'REDUCE_ONLY_WOULD_INCREASE',
    });
    expect(await port.createOrder(market('buy', 43, { reduceOnly: true }))).toMatchObject({
      kind: 'rejected',
      code: 'REDUCE_ONLY_WOULD_INCREASE',
    });
    expect(venue.position(MAIN, AVL).size).toBe(0);
  });

  it('closes a long with a reduce-only sell', async () => {
    const { venue, port } = setup();
    await port.createOrder(market('buy', 43));
    const outcome = await port.createOrder(market('sell', 43, { reduceOnly: true }));
    expect(outcome.kind === 'accepted' && outcome.value.report).toMatchObject({
      status: 'filled',
      filled: 43,
      reduceOnly: true,
    });
    expect(venue.position(MAIN, AVL).size).toBe(0);
  });

  it('lowers a reduce-only order larger than the position to the position size, never flipping it', async () => {
    const { venue, port } = setup();
    await port.createOrder(market('buy', 43));
    const outcome = await port.createOrder(market('sell', 86, { reduceOnly: true }));
    expect(outcome.kind === 'accepted' && outcome.value.report).toMatchObject({
      status: 'filled',
      amount: 43,
      filled: 43,
    });
    expect(venue.position(MAIN, AVL)).toMatchObject({ size: 0 });
  });

  it('cancels a reduce-only stop that triggers when the position is already flat', async () => {
    const { venue, port } = setup();
    await port.createOrder(market('buy', 43));
    const sl = stop('sell', 43, 0.21);
    await port.createOrder(sl);
    await port.createOrder(market('sell', 43, { reduceOnly: true }));
    venue.setPrice(AVL, 0.2);
    expect(await port.fetchOrder({ clientOrderId: sl.clientOrderId }, AVL)).toMatchObject({
      status: 'cancelled',
      filled: 0,
    });
    expect(venue.position(MAIN, AVL).size).toBe(0);
  });

  it('fills a triggered reduce-only stop only up to what the position still holds', async () => {
    const { venue, port } = setup();
    await port.createOrder(market('buy', 43));
    const sl = stop('sell', 43, 0.21);
    await port.createOrder(sl);
    await port.createOrder(market('sell', 20));
    venue.setPrice(AVL, 0.2);
    expect(await port.fetchOrder({ clientOrderId: sl.clientOrderId }, AVL)).toMatchObject({
      status: 'filled',
      amount: 23,
      filled: 23,
    });
    expect(venue.position(MAIN, AVL).size).toBe(0);
  });
});
