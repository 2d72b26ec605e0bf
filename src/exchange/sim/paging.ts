/**
 * Paged lists, as Bybit v5 pages its position list and open orders (see docs/architecture.md,
 * Exchanges): a page holds at most `limit` records in a stable order (by key), and its
 * cursor names the page's last record, so the next page starts after it even when records came
 * or went in between. The last page has no cursor. `pageOf` states it over a whole list;
 * the venue answers with `pageOfOrdered` over keys kept in order (`SortedKeys`), the same pages
 * at the cost of the page (test/exchange/sim/paged-index.test.ts holds one to the other). Pure.
 *
 * @example
 * pageOf(['a', 'b', 'c'], (s) => s, { limit: 2 }) // { items: ['a', 'b'], nextCursor: 'b' }
 */

/** Which page to answer: at most `limit` records after the record `cursor` names. */
export interface PageRequest {
  readonly limit: number;
  readonly cursor?: string | undefined;
}

/** One page of a list; `nextCursor` is absent on the last page. */
export interface Page<T> {
  readonly items: T[];
  readonly nextCursor?: string;
}

/** The largest page each list of a venue answers; `undefined`: the list is not paged (Binance USD-M). */
export interface ListPages {
  readonly positions: number | undefined;
  readonly openOrders: number | undefined;
}

/** The page `request` asks of `list` (ordered by `keyOf`); the whole list when `request` is absent. */
export function pageOf<T>(list: readonly T[], keyOf: (item: T) => string, request?: PageRequest): Page<T> {
  if (request === undefined) return { items: [...list] };
  if (!(Number.isInteger(request.limit) && request.limit > 0))
    throw new RangeError(`a page limit must be a positive integer, got ${request.limit}`);
  const sorted = [...list].sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
  const after = request.cursor;
  const rest =
    after === undefined || after === '' ? sorted : sorted.filter((item) => compareKeys(keyOf(item), after) > 0);
  const items = rest.slice(0, request.limit);
  const last = items.at(-1);
  return rest.length > request.limit && last !== undefined ? { items, nextCursor: keyOf(last) } : { items };
}

/**
 * The same page of a list whose keys come in order already (`SortedKeys`): `keysAfter(cursor)`
 * yields the keys after the cursor (every key for `undefined`), `recordOf` the record a key
 * lists, or `undefined` when the key is not on the list. Reads only the keys the page needs,
 * plus those up to the next record (to know if another page follows): a page costs its size.
 */
export function pageOfOrdered<T>(
  keysAfter: (cursor: string | undefined) => Iterable<string>,
  recordOf: (key: string) => T | undefined,
  request?: PageRequest,
): Page<T> {
  if (request !== undefined && !(Number.isInteger(request.limit) && request.limit > 0))
    throw new RangeError(`a page limit must be a positive integer, got ${request.limit}`);
  const cursor = request?.cursor === '' ? undefined : request?.cursor;
  const items: T[] = [];
  let lastKey: string | undefined;
  for (const key of keysAfter(cursor)) {
    const record = recordOf(key);
    if (record === undefined) continue;
    if (request !== undefined && items.length === request.limit)
      return lastKey === undefined ? { items } : { items, nextCursor: lastKey };
    items.push(record);
    lastKey = key;
  }
  return { items };
}

/** Keys in a stable order: numeric ids by value (`9` before `10`), others as strings. */
export function compareKeys(a: string, b: string): number {
  if (isNumericKey(a) && isNumericKey(b)) return Number(a) - Number(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A key that `compareKeys` orders by value. */
export function isNumericKey(key: string): boolean {
  return key !== '' && Number.isFinite(Number(key));
}
