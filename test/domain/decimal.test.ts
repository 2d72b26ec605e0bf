import { describe, expect, it } from 'vitest';
import { add, cmp, eq, floorToStep, isMultipleOf, min, sub } from '../../src/domain/decimal.js';

describe('precision rules: amounts and prices are compared as decimals, never as raw floats', () => {
  it.each([
    [43, 1, true],
    [0.3, 0.1, true],
    [0.003, 0.001, true],
    [1.23, 0.01, true],
    [0.25, 0.0001, true],
    [43.5, 1, false],
    [0.0015, 0.001, false],
    [0.30000000000000004, 0.1, false],
  ])('%s is a multiple of %s: %s', (x, step, expected) => {
    expect(isMultipleOf(x, step)).toBe(expected);
  });

  it.each([
    [0.0129, 0.001, 0.012],
    [0.3, 0.1, 0.3],
    [42.999, 1, 42],
    [0.30000000000000004, 0.1, 0.3],
    [0, 1, 0],
  ])('floorToStep(%s, %s) = %s (never up)', (x, step, expected) => {
    expect(floorToStep(x, step)).toBe(expected);
  });

  it('adds and subtracts exactly where floats drift', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(add(0.1, 0.2)).toBe(0.3);
    expect(sub(0.3, 0.1)).toBe(0.2);
    expect(eq(add(0.1, 0.2), 0.3)).toBe(true);
    expect(min('0.3', 0.30000000000000004)).toBe(0.3);
  });

  it.each([
    [1, 2, -1],
    [2, 2, 0],
    ['2.0', 2, 0],
    [3, 2, 1],
  ] as const)('cmp(%s, %s) = %s', (a, b, r) => {
    expect(cmp(a, b)).toBe(r);
  });

  it('refuses a non-positive step and non-finite numbers', () => {
    expect(() => isMultipleOf(1, 0)).toThrow(RangeError);
    expect(() => floorToStep(1, -1)).toThrow(RangeError);
    expect(() => cmp(Number.NaN, 1)).toThrow(RangeError);
  });
});
