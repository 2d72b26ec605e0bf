import { describe, expect, it } from 'vitest';
import { isPositionId, newPositionId, parsePositionId } from '../../src/domain/ids.js';

describe('position ids', () => {
  it('is a 26-character ULID that sorts by time', () => {
    const a = newPositionId(1_000, new Uint8Array(10).fill(7));
    const b = newPositionId(2_000, new Uint8Array(10).fill(0));
    expect(a).toHaveLength(26);
    expect(isPositionId(a)).toBe(true);
    expect(a < b).toBe(true);
  });

  it('encodes the same time and bytes the same way, and other bytes differently', () => {
    const bytes = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(newPositionId(5, bytes)).toBe(newPositionId(5, bytes));
    expect(newPositionId(5, bytes)).not.toBe(newPositionId(5, Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 11])));
  });

  it.each([
    ['too few random bytes', () => newPositionId(1, new Uint8Array(9))],
    ['a negative time', () => newPositionId(-1, new Uint8Array(10))],
    ['a parsed id that is not a ULID', () => parsePositionId('42')],
  ])('refuses %s', (_name, call) => {
    expect(call).toThrow(RangeError);
  });
});
