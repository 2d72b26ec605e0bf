/**
 * The entry's fast path (see docs/architecture.md, Request budget): whether what the account
 * already holds — the feed's view of the symbol, the public ticker's last price — may stand in
 * for the two venue reads made before an entry leaves (the baseline position, the price that
 * validates the stop). Each read is replaced only when its stand-in is proven fresh; otherwise
 * it is made, as the careful path always did. Pure: the times are passed in.
 *
 * - **Baseline**: with a live, resynchronised feed, from the freshest report the account knows
 *   of the symbol (`SymbolEvidence`), only if it came from the stream in the stream's current
 *   session (received at or after the stream last came up: the stream reports every change
 *   since), or from a REST read received at least `restLagMs` after the stream last came up (a
 *   read made earlier may still show the state before the gap: see Evidence and freshness).
 * - **Price**: with a live feed, the price the stop triggers on (`protection.triggerBy`: mark
 *   or last) from the public ticker stream's last tick, no older than `reportStaleMs` by venue
 *   time (the tick's venue time against the venue's now, so a tick held back on the way is old
 *   however recently it arrived).
 *
 * @example
 * baselineFromFeed({ live: true, upSince: 1_000, report: streamFlat }, 5_000)
 * // { kind: 'feed', baseline: { side: undefined, size: 0, timing: { source: 'stream', … } } }
 * priceFromTicker({ live: true, tick, triggerBy: 'mark', reportStaleMs: 2_000, venueNow: 10_000 })
 * // { kind: 'ticker', trigger: 0.25, mark: 0.25 } — or { kind: 'fetch', why: '…' }
 */
import type { Baseline, PositionStatusReport } from './reports.js';

/** The price that fires a stop: the mark price or the last traded price. */
export type TriggerBy = 'mark' | 'last';

/**
 * One tick of a venue's public ticker stream: a market's mark and/or last price (a stream may
 * carry one of them only: Binance's `@markPrice`), stamped with the venue's time of the change
 * apart from the local time it arrived.
 */
export interface PriceTick {
  readonly symbol: string;
  readonly mark: number | undefined;
  readonly last: number | undefined;
  /** The venue's time of the price (ms since epoch). */
  readonly venueTime: number;
  /** Local time the tick arrived. */
  readonly receivedAt: number;
}

/** What the account's feed holds of one symbol when an entry is prepared. */
export interface FeedView {
  /** The feed is connected and resynchronised. */
  readonly live: boolean;
  /** Local time the private stream last came up (before its resync); `undefined` if it never did. */
  readonly upSince: number | undefined;
  /** The freshest report the account knows of the symbol's position. */
  readonly report: PositionStatusReport | undefined;
}

export type BaselineChoice =
  { readonly kind: 'feed'; readonly baseline: Baseline } | { readonly kind: 'read'; readonly why: string };

/** The baseline from the feed's view of the symbol, or why it must be read from the venue. */
export function baselineFromFeed(view: FeedView, restLagMs: number): BaselineChoice {
  if (!view.live) return { kind: 'read', why: 'the feed is not live' };
  if (view.upSince === undefined) return { kind: 'read', why: 'the stream never came up' };
  const r = view.report;
  if (r === undefined) return { kind: 'read', why: 'the feed knows nothing of the symbol' };
  if (r.source === 'stream' && r.receivedAt < view.upSince)
    return { kind: 'read', why: 'the stream reported the symbol before its last gap' };
  if (r.source !== 'stream' && r.receivedAt - view.upSince < restLagMs)
    return {
      kind: 'read',
      why: `the feed's view of the symbol is a REST read received ${r.receivedAt - view.upSince} ms after the stream came up (less than restLagMs ${restLagMs})`,
    };
  const timing = { source: r.source, venueTime: r.venueTime, venueSeq: r.venueSeq, receivedAt: r.receivedAt };
  return { kind: 'feed', baseline: { side: r.size > 0 ? r.side : undefined, size: r.size, timing } };
}

export interface TickerFacts {
  /** The feed is connected and resynchronised (the careful path stays while it is not). */
  readonly live: boolean;
  /** The symbol's last tick, if any arrived. */
  readonly tick: PriceTick | undefined;
  readonly triggerBy: TriggerBy;
  readonly reportStaleMs: number;
  /** The venue's time now, as best known (the later of the local clock and the newest venue time heard). */
  readonly venueNow: number;
}

export type PriceChoice =
  | { readonly kind: 'ticker'; readonly trigger: number; readonly mark: number }
  | { readonly kind: 'fetch'; readonly why: string };

/**
 * The price that validates the intent from the ticker, or why it must be fetched. `trigger` is
 * the price the stop fires on; `mark` (for the minimum notional) is the tick's mark, or the
 * trigger price when the tick carries no mark.
 */
export function priceFromTicker(f: TickerFacts): PriceChoice {
  if (!f.live) return { kind: 'fetch', why: 'the feed is not live' };
  const tick = f.tick;
  if (tick === undefined) return { kind: 'fetch', why: 'no tick of the symbol has arrived' };
  const trigger = f.triggerBy === 'mark' ? tick.mark : tick.last;
  if (trigger === undefined || !(trigger > 0))
    return { kind: 'fetch', why: `the ticker stream carries no ${f.triggerBy} price` };
  const age = f.venueNow - tick.venueTime;
  if (age > f.reportStaleMs)
    return {
      kind: 'fetch',
      why: `the last tick is ${age} ms old by venue time (more than reportStaleMs ${f.reportStaleMs})`,
    };
  return { kind: 'ticker', trigger, mark: tick.mark !== undefined && tick.mark > 0 ? tick.mark : trigger };
}
