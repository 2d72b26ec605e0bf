/**
 * A set of list keys kept in the order pages follow (`compareKeys`, paging.ts), so that a page
 * starts after its cursor by binary search instead of a sort of the whole list (see
 * docs/architecture.md, Exchanges). Keys of one set are meant to be all numeric
 * (order ids) or all not (symbols); with a cursor of the other kind, the keys after it are
 * found by a scan, which gives the same answer. Touches only its own array.
 *
 * @example
 * const keys = new SortedKeys(); keys.add('10'); keys.add('9'); keys.add('11');
 * [...keys.after('9')] // ['10', '11']
 */
import { compareKeys, isNumericKey } from './paging.js';

/** Keys in page order; see the module header. */
export class SortedKeys {
  private readonly keys: string[] = [];
  private numeric = 0;

  get size(): number {
    return this.keys.length;
  }

  /** Adds `key` in its place (at the end when it is the greatest, as new order ids are). */
  add(key: string): void {
    const last = this.keys.at(-1);
    if (last !== undefined && compareKeys(key, last) <= 0) {
      if (this.indexOf(key) >= 0) return;
      this.keys.splice(this.firstAfter(key, true), 0, key);
    } else this.keys.push(key);
    if (isNumericKey(key)) this.numeric += 1;
  }

  delete(key: string): boolean {
    const i = this.indexOf(key);
    if (i < 0) return false;
    this.keys.splice(i, 1);
    if (isNumericKey(key)) this.numeric -= 1;
    return true;
  }

  /** The keys strictly after `cursor` in page order; every key when `cursor` is absent or empty. */
  *after(cursor?: string): Generator<string> {
    const { keys } = this;
    if (cursor === undefined || cursor === '') {
      yield* keys;
      return;
    }
    if (this.ordered(cursor)) {
      for (let i = this.firstAfter(cursor, false); i < keys.length; i++) yield keys[i] as string;
      return;
    }
    for (const key of keys) if (compareKeys(key, cursor) > 0) yield key;
  }

  /** True when "after `cursor`" is a suffix of the array (every comparison of one kind). */
  private ordered(cursor: string): boolean {
    return this.numeric === 0 || (this.numeric === this.keys.length && isNumericKey(cursor));
  }

  /** The first index whose key is after `key` (`orEqual`: not before it); binary search. */
  private firstAfter(key: string, orEqual: boolean): number {
    let [lo, hi] = [0, this.keys.length];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareKeys(this.keys[mid] as string, key);
      if (c > 0 || (orEqual && c === 0)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private indexOf(key: string): number {
    if (!this.ordered(key)) return this.keys.indexOf(key);
    const i = this.firstAfter(key, true);
    return this.keys[i] === key ? i : this.keys.indexOf(key, i);
  }
}

/** The keys of two ordered sources in page order (each key once). */
export function* mergeKeys(a: Iterable<string>, b: Iterable<string>): Generator<string> {
  const [ia, ib] = [a[Symbol.iterator](), b[Symbol.iterator]()];
  let [x, y] = [ia.next(), ib.next()];
  while (!x.done || !y.done) {
    if (y.done || (!x.done && compareKeys(x.value, y.value) <= 0)) {
      if (!y.done && x.value === y.value) y = ib.next();
      yield x.value as string;
      x = ia.next();
    } else {
      yield y.value;
      y = ib.next();
    }
  }
}
