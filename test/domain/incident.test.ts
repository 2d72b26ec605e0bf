/**
 * Both halves of the incident of docs/architecture.md, The promise, at the level of the domain:
 * the minimal Bybit create reply cannot become a side, and a close planned against
 * the live 43 long is a reduce-only sell of 43 — whatever the create reply said.
 */
import { describe, expect, it } from 'vitest';
import { planClose } from '../../src/domain/close-plan.js';
import { MalformedOrderReply } from '../../src/domain/errors.js';
import { normalizeOrder } from '../../src/domain/normalize-order.js';
import type { Market } from '../../src/domain/market.js';

const AVL: Market = {
  symbol: 'AVL/USDT:USDT',
  amountStep: 1,
  priceStep: 0.0001,
  minAmount: 1,
  minNotional: 5,
  contractSize: 1,
};

describe('the AVLUSDT incident', () => {
  it('a Bybit create reply with only orderId and orderLinkId cannot become a side', () => {
    // ccxt's parsed order for Bybit's `{ result: { orderId, orderLinkId } }`: everything else undefined.
    const parsed = {
      id: '1f6a…',
      clientOrderId: 'pg-01JD0000000000000000000000-e',
      symbol: 'AVL/USDT:USDT',
      side: undefined,
      type: undefined,
      amount: undefined,
      filled: undefined,
      status: undefined,
    };
    expect(() => normalizeOrder(parsed, { source: 'order-query', receivedAt: 0 })).toThrow(MalformedOrderReply);
    expect(() => normalizeOrder(parsed, { source: 'order-query', receivedAt: 0 })).toThrow(/'side'/);
  });

  it('a close planned against a live 43 long is a reduce-only sell of 43', () => {
    const live = { symbol: 'AVL/USDT:USDT', side: 'buy' as const, size: 43 };
    expect(planClose(live, { symbol: 'AVL/USDT:USDT', side: 'buy' }, AVL, { ownFilled: 43, mode: 'one-way' })).toEqual({
      symbol: 'AVL/USDT:USDT',
      side: 'sell',
      amount: 43,
      reduceOnly: true,
    });
  });
});
