import { describe, expect, it } from 'vitest';
import { MalformedOrderReply } from '../../src/domain/errors.js';
import { normalizeOrder } from '../../src/domain/normalize-order.js';

const ctx = { source: 'order-query' as const, receivedAt: 1_000 };
const full = {
  id: '1900000000000000001',
  clientOrderId: 'pg-01JD0000000000000000000000-e',
  symbol: 'AVL/USDT:USDT',
  side: 'buy',
  type: 'market',
  amount: 43,
  filled: 43,
  average: 0.2512,
  status: 'closed',
  reduceOnly: false,
  timestamp: 900,
  lastUpdateTimestamp: 950,
};

describe('normalizeOrder', () => {
  it('turns a full Binance-style reply into a report with side, amount and status', () => {
    const r = normalizeOrder(full, ctx);
    expect(r).toMatchObject({
      venueOrderId: '1900000000000000001',
      side: 'buy',
      amount: 43,
      filled: 43,
      status: 'filled',
      type: 'market',
      averagePrice: 0.2512,
      reduceOnly: false,
      venueTime: 950,
      source: 'order-query',
      receivedAt: 1_000,
    });
  });

  it.each([
    ['a Bybit create reply with ids only', { id: 'abc', clientOrderId: 'pg-x-e' }, 'symbol'],
    ['a missing side', { ...full, side: undefined }, 'side'],
    ['the placeholder side "unknown"', { ...full, side: 'unknown' }, 'side'],
    ['an upper-case side', { ...full, side: 'BUY' }, 'side'],
    ['a missing amount', { ...full, amount: undefined }, 'amount'],
    ['a zero amount', { ...full, amount: 0 }, 'amount'],
    ['a NaN amount', { ...full, amount: Number.NaN }, 'amount'],
    ['a missing filled', { ...full, filled: undefined }, 'filled'],
    ['a missing status', { ...full, status: undefined }, 'status'],
    ['an unrecognised status', { ...full, status: 'Untriggered' }, 'status'],
    ['a missing id', { ...full, id: undefined }, 'id'],
    ['an unknown type', { ...full, type: 'iceberg' }, 'type'],
  ])('throws MalformedOrderReply for %s', (_name, raw, field) => {
    const call = () => normalizeOrder(raw, ctx);
    expect(call).toThrow(MalformedOrderReply);
    try {
      call();
    } catch (e) {
      expect((e as MalformedOrderReply).field).toBe(field);
      expect((e as MalformedOrderReply).code).toBe('MALFORMED_ORDER_REPLY');
    }
  });

  it('names the venue order id in the error', () => {
    expect(() => normalizeOrder({ ...full, side: undefined }, ctx)).toThrow(/venue order 1900000000000000001/);
  });

  it.each([[null], [undefined], ['a string'], [[full]]])(
    'throws MalformedOrderReply for a reply that is not an order object (%j)',
    (raw) => {
      expect(() => normalizeOrder(raw, ctx)).toThrow(MalformedOrderReply);
    },
  );

  it.each([
    ['open', 'open'],
    ['closed', 'filled'],
    ['canceled', 'cancelled'],
    ['rejected', 'rejected'],
    ['expired', 'expired'],
  ])('maps ccxt status %s to %s', (ccxtStatus, status) => {
    expect(normalizeOrder({ ...full, status: ccxtStatus }, ctx).status).toBe(status);
  });

  it('reads a stop order with a trigger price as stop-market', () => {
    const r = normalizeOrder({ ...full, status: 'open', filled: 0, triggerPrice: 0.21, reduceOnly: true }, ctx);
    expect(r).toMatchObject({ type: 'stop-market', triggerPrice: 0.21, reduceOnly: true });
  });

  it('reads string numbers as the venues send them', () => {
    expect(normalizeOrder({ ...full, amount: '43', filled: '0' }, ctx)).toMatchObject({ amount: 43, filled: 0 });
  });
});
