/**
 * Bybit v5's paged lists through ccxt (see docs/architecture.md, Request budget): the position
 * list (200 a page at most) and open orders (50 a page at most; Bybit answers 20 when no limit
 * is given, so a list of 21 open orders read without paging loses one). ccxt reads one page per
 * call and leaves the page's `nextPageCursor` on one record's `info`. Its own `paginate: true`
 * is not used: it retries a failed page up to three times on its own (a query's retry is
 * posguard's decision) and stops silently after ten pages.
 *
 * The adapter asks page after page, each with the cursor of the one before, until a page comes
 * back short or without a cursor (Bybit names a cursor on the last page too). A cursor that
 * repeats is the venue misbehaving: an error, never an endless loop.
 *
 * @example
 * await everyPage((cursor) => ex.fetchPositions(undefined, { limit: 200, ...cursorParam(cursor) }), 200)
 */
import { field, infoOf } from './venue-profile.js';

/** The largest pages Bybit v5 answers for linear contracts (its API reference). */
export const BYBIT_PAGE = { positions: 200, openOrders: 50 } as const;

/** A list's pages came back in a loop: the venue repeated a cursor. */
export class RepeatedPageCursor extends Error {
  constructor(cursor: string) {
    super(`the venue answered the same page cursor twice (${cursor}); the list is incomplete`);
  }
}

/** `{ cursor }` when there is one: the parameter Bybit reads the next page from. */
export function cursorParam(cursor: string | undefined): Record<string, string> {
  return cursor === undefined ? {} : { cursor };
}

/** Every record of a paged list: `fetchPage(cursor)` answers one page of at most `limit` records. */
export async function everyPage<T extends { readonly info?: unknown }>(
  fetchPage: (cursor: string | undefined) => Promise<T[]>,
  limit: number,
): Promise<T[]> {
  const all: T[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (;;) {
    const page = await fetchPage(cursor);
    all.push(...page);
    cursor = page.map((record) => field(infoOf(record), 'nextPageCursor')).find((c) => c !== undefined);
    if (page.length < limit || cursor === undefined) return all;
    if (seen.has(cursor)) throw new RepeatedPageCursor(cursor);
    seen.add(cursor);
  }
}
