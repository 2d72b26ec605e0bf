import { describe, expect, it } from 'vitest';
import { orderFate } from '../../src/domain/order-fate.js';
import { isTransientRefusal, rejected, unknown } from '../../src/domain/outcome.js';
import type { OrderStatus } from '../../src/domain/reports.js';

describe('orderFate', () => {
  const table: [OrderStatus, number, string | undefined][] = [
    ['open', 0, 'working'],
    ['open', 5, 'executing'],
    ['triggered', 0, 'executing'],
    ['triggered', 3, 'executing'],
    ['filled', 10, 'filled'],
    ['cancelled', 4, 'filled'],
    ['expired', 2, 'filled'],
    ['cancelled', 0, 'lost'],
    ['expired', 0, 'lost'],
    ['rejected', 0, 'lost'],
  ];
  it.each(table)('a %s order with %d filled is %s', (status, filled, fate) => {
    expect(orderFate({ status, filled })).toBe(fate);
  });

  it('says nothing without a report', () => {
    expect(orderFate(undefined)).toBeUndefined();
  });
});

describe('isTransientRefusal', () => {
  it.each(['RATE_LIMITED', 'NOT_SENT', 'TIMESTAMP_OUTSIDE_WINDOW', 'AUTHENTICATION', 'SERVER_ERROR'])(
    'a rejection coded %s is transient',
    (code) => {
      expect(isTransientRefusal(rejected('no', code))).toBe(true);
    },
  );

  it.each(['INVALID_TRIGGER_PRICE', 'REDUCE_ONLY_WOULD_INCREASE', 'INVALID_PRICE', undefined])(
    'a rejection coded %s is definitive',
    (code) => {
      expect(isTransientRefusal(rejected('no', code))).toBe(false);
    },
  );

  it('an unknown outcome is not a refusal at all', () => {
    expect(isTransientRefusal(unknown('timeout', 'RATE_LIMITED'))).toBe(false);
  });
});
