/**
 * Paged lists, as Bybit v5 pages its position list and open orders (see docs/architecture.md,
 * Exchanges): a page holds at most `limit` records in a stable order (by key), and its
 * cursor names the page's last record, so the next page starts after it even when records came
 * or went in between. The last page has no cursor. Pure.
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

/** Keys in a stable order: numeric ids by value (`9` before `10`), others as strings. */
function compareKeys(a: string, b: string): number {
  const [x, y] = [Number(a), Number(b)];
  if (a !== '' && b !== '' && Number.isFinite(x) && Number.isFinite(y)) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}
