import { describe, expect, it } from 'vitest';
import {
  CLIENT_ORDER_ID_MAX,
  clientOrderId,
  parseClientOrderId,
  positionOfClientOrderId,
  type OrderRole,
} from '../../src/domain/client-order-id.js';
import { InvalidClientOrderId } from '../../src/domain/errors.js';
import { newPositionId } from '../../src/domain/ids.js';

const pos = newPositionId(1_764_000_000_000, new Uint8Array(10).fill(255));

describe('client order ids', () => {
  it.each<[OrderRole, string]>([
    ['entry', '-e'],
    ['stop', '-s1'],
    ['stop-2', '-s2'],
    ['close-1', '-c1'],
    ['close-2', '-c2'],
    ['close-9999', '-c9999'],
    ['excess-1', '-x1'],
  ])('%s fits both venues (≤ 36 chars of [A-Za-z0-9_-]) and parses back', (role, suffix) => {
    const id = clientOrderId(pos, role);
    expect(id.endsWith(suffix)).toBe(true);
    expect(id.length).toBeLessThanOrEqual(CLIENT_ORDER_ID_MAX);
    expect(id).toMatch(/^[A-Za-z0-9_-]{1,36}$/); // Bybit orderLinkId ∩ Binance newClientOrderId
    expect(parseClientOrderId(id)).toEqual({ position: pos, role });
    expect(positionOfClientOrderId(id)).toBe(pos);
  });

  it.each(['close-0', 'close-10000', 'close-1.5', 'refund-1'])('refuses the role %s', (role) => {
    expect(() => clientOrderId(pos, role as OrderRole)).toThrow(InvalidClientOrderId);
  });

  it('gives different positions different ids for the same role', () => {
    const other = newPositionId(1_764_000_000_000, new Uint8Array(10).fill(254));
    expect(clientOrderId(other, 'entry')).not.toBe(clientOrderId(pos, 'entry'));
  });

  it.each(['', 'my-bot-123', 'pg-short-e', `pg-${pos}-q1`, `pg-${pos}-c0`])("does not claim %j as posguard's", (id) => {
    expect(parseClientOrderId(id)).toBeUndefined();
    expect(positionOfClientOrderId(id)).toBeUndefined();
  });
});
