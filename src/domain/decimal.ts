/**
 * Exact decimal arithmetic for amounts and prices (STYLE point 4): floats from the venue
 * are read through their shortest decimal string, and compared only as decimals.
 *
 * @example
 * isMultipleOf(43, 1)            // true
 * floorToStep('0.0299', '0.01')  // '0.02'
 */
import { Decimal } from 'decimal.js';

export type Num = number | string | Decimal;

const D = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_DOWN });

export function dec(x: Num): Decimal {
  if (typeof x === 'number' && !Number.isFinite(x)) throw new RangeError(`not a finite number: ${x}`);
  return new D(x);
}

export function cmp(a: Num, b: Num): -1 | 0 | 1 {
  // Two finite doubles compare as their shortest decimal strings do (each string lies in its
  // double's own rounding interval, and those intervals are disjoint and ordered): no parsing.
  if (typeof a === 'number' && typeof b === 'number' && Number.isFinite(a) && Number.isFinite(b))
    return a < b ? -1 : a > b ? 1 : 0;
  return dec(a).comparedTo(dec(b)) as -1 | 0 | 1;
}

export const eq = (a: Num, b: Num): boolean => cmp(a, b) === 0;
export const lt = (a: Num, b: Num): boolean => cmp(a, b) < 0;
export const lte = (a: Num, b: Num): boolean => cmp(a, b) <= 0;
export const gt = (a: Num, b: Num): boolean => cmp(a, b) > 0;
export const gte = (a: Num, b: Num): boolean => cmp(a, b) >= 0;
export const isZero = (a: Num): boolean => dec(a).isZero();

// Adding or taking away an exact zero changes nothing: no decimal work (the common case of
// a position with no close, no baseline, on every report).
const finite = (x: Num): x is number => typeof x === 'number' && Number.isFinite(x);
export const add = (a: Num, b: Num): number =>
  b === 0 && finite(a) ? a : a === 0 && finite(b) ? b : dec(a).plus(dec(b)).toNumber();
export const sub = (a: Num, b: Num): number => (b === 0 && finite(a) ? a : dec(a).minus(dec(b)).toNumber());
export const mul = (a: Num, b: Num): number => dec(a).times(dec(b)).toNumber();
export function min(a: Num, b: Num): number {
  if (typeof a === 'number' && typeof b === 'number') return lte(a, b) ? a : b;
  return (lte(a, b) ? dec(a) : dec(b)).toNumber();
}
export const abs = (a: Num): number => dec(a).abs().toNumber();

/** True when `x` is a whole number of `step`s (exactly; 0.3 is a multiple of 0.1). */
export function isMultipleOf(x: Num, step: Num): boolean {
  const s = dec(step);
  if (s.lte(0)) throw new RangeError(`step must be positive, got ${s.toString()}`);
  return dec(x).mod(s).isZero();
}

/** The largest multiple of `step` that is not above `x` (for x ≥ 0): never rounds up. */
export function floorToStep(x: Num, step: Num): number {
  const s = dec(step);
  if (s.lte(0)) throw new RangeError(`step must be positive, got ${s.toString()}`);
  return dec(x).div(s).floor().times(s).toNumber();
}
