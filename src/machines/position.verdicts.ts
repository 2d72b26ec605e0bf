/**
 * What the evidence in a position's context proves (see docs/architecture.md, Evidence and
 * freshness): the entry's verdict, what the position owns, whether it is provably flat,
 * over-filled or flipped. Pure functions of the context; the machine's guards and the read
 * side (`position.queries.ts`) ask these, nothing else decides them.
 *
 * @example
 * entryVerdict(ctx) // { kind: 'filled', amount: 43 }
 * flatProven(ctx)   // true once a fresh flat report counts
 */
import { add, floorToStep, gt, gte, lte, min, sub } from '../domain/decimal.js';
import { judgeFlatReport, sourceLags, supersedes } from '../domain/freshness.js';
import type { Side } from '../domain/side.js';
import { isOutstanding, isTerminal, provenFilled } from './order-track.js';
import type { PositionContext } from './position.context.js';

/** The signed size of a position: positive long, negative short. */
const signed = (side: Side | undefined, size: number): number => (side === 'sell' ? -size : side === 'buy' ? size : 0);

/**
 * How much of the entry the position reports prove, as a change from the journalled baseline.
 * A report counts only if it shows a later state than the baseline's (by sequence, else a
 * strictly later venue time) and, from REST, was received at least `restLagMs` after the entry
 * was sent: a lagging read that still shows an earlier position is no fill of this entry.
 */
function positionEvidence(ctx: PositionContext): number {
  const { live, baseline } = ctx;
  const sentAt = ctx.entry.sentAt;
  if (live === undefined || baseline === undefined || sentAt === undefined || live.receivedAt < sentAt) return 0;
  if (live.source !== 'stream' && live.receivedAt - sentAt < ctx.spec.settings.restLagMs) return 0;
  if (baseline.timing !== undefined && !supersedes(live, baseline.timing, sourceLags(ctx.spec.settings.restLagMs)))
    return 0;
  const change = sub(signed(live.side, live.size), signed(baseline.side, baseline.size));
  const along = ctx.spec.intent.side === 'buy' ? change : -change;
  return gt(along, 0) ? along : 0;
}

export type EntryVerdict =
  | { readonly kind: 'filled'; readonly amount: number }
  | { readonly kind: 'partial'; readonly amount: number }
  | { readonly kind: 'dead'; readonly reason: string }
  | { readonly kind: 'none' };

/**
 * What the evidence proves about the entry: `filled` (the order is terminal with a fill, or
 * the whole amount is proven), `partial` (some fill proven, the order still working), `dead`
 * (the order itself reported cancelled/rejected/expired with zero fill and no other source
 * shows a fill), or `none`. Missing evidence never makes `dead`.
 */
export function entryVerdict(ctx: PositionContext): EntryVerdict {
  const byOrder = provenFilled(ctx.entry);
  const terminal = isTerminal(ctx.entry);
  // The order's own terminal report is the truth of what it filled. Before that, a position
  // change counts, but never as more than the intent asked for (the rest is someone else's,
  // or an over-fill that `open` reduces with an alert).
  const proven = positionEvidence(ctx);
  const byPosition = terminal
    ? 0
    : min(gt(ctx.entryProven ?? 0, proven) ? (ctx.entryProven ?? 0) : proven, ctx.spec.intent.amount);
  const amount = gt(byPosition, byOrder) ? byPosition : byOrder;
  if (gt(amount, 0) && (terminal || gte(amount, ctx.spec.intent.amount))) return { kind: 'filled', amount };
  if (gt(amount, 0)) return { kind: 'partial', amount };
  if (terminal && ctx.entry.report !== undefined)
    return { kind: 'dead', reason: `entry ${ctx.entry.report.status} with zero fill` };
  return { kind: 'none' };
}

export function filledAmount(ctx: PositionContext): number {
  const v = entryVerdict(ctx);
  return v.kind === 'filled' || v.kind === 'partial' ? v.amount : 0;
}

/**
 * What this position owns on the venue: its entry's fill, never more than the intent asked
 * for, less what its own closes filled. A reduction of an over-fill takes away what was
 * never the position's (the excess), not what it owns.
 */
export function ownHolding(ctx: PositionContext): number {
  const closed = ctx.closes.reduce((sum, t) => add(sum, provenFilled(t)), 0);
  const held = sub(min(filledAmount(ctx), ctx.spec.intent.amount), closed);
  return gt(held, 0) ? held : 0;
}

/** True when the freshest report is flat and it counts under the freshness rule. */
export function flatProven(ctx: PositionContext): boolean {
  const live = ctx.live;
  if (live === undefined || live.size !== 0) return false;
  return judgeFlatReport(live, ctx.lastNonFlat, sourceLags(ctx.spec.settings.restLagMs)).counts;
}

/** The freshest report is flat, but it does not count (yet) under the freshness rule. */
export function flatUnproven(ctx: PositionContext): boolean {
  // A reported size is flat exactly when it is 0 (sizes come from the venue, not from sums).
  return ctx.live !== undefined && ctx.live.size === 0 && !flatProven(ctx);
}

/** True when the freshest report is not flat and was received within `reportStaleMs` of `now`. */
export function freshNonFlat(ctx: PositionContext, now: number): boolean {
  const live = ctx.live;
  const seenAt = Math.max(live?.receivedAt ?? 0, ctx.liveSeenAt ?? 0);
  return live !== undefined && gt(live.size, 0) && now - seenAt <= ctx.spec.settings.reportStaleMs;
}

/** A size above what the intent asked for, by a report on the intent's side (0 when none, or while a reduction is pending). */
export function overFill(ctx: PositionContext): number {
  if (ctx.overFillSince === undefined) return 0;
  const live = ctx.live;
  if (live === undefined || live.side !== ctx.spec.intent.side) return 0;
  const base = ctx.baseline?.side === ctx.spec.intent.side ? ctx.baseline.size : 0;
  const excess = sub(sub(live.size, base), ctx.spec.intent.amount);
  const pending = ctx.excess.some((t) => isOutstanding(t) || t.send === 'not-sent');
  return !pending && gt(excess, 0) && lte(ctx.spec.market.amountStep, excess) ? excess : 0;
}

/**
 * An over-fill that a later read still shows, at least `restLagMs` after it was first seen
 * (so that even a lagging REST read reflects a state after it): only then is it reduced. An
 * over-fill another program undoes at once is never cut out of the position's own size.
 */
export function overFillConfirmed(ctx: PositionContext): boolean {
  if (!gt(overFill(ctx), 0) || ctx.overFillSince === undefined) return false;
  return (ctx.liveSeenAt ?? ctx.live?.receivedAt ?? 0) - ctx.overFillSince >= ctx.spec.settings.restLagMs;
}

/** The size of the reduction an over-fill gets (on the market's step). */
export function excessToReduce(ctx: PositionContext): number {
  return floorToStep(overFill(ctx), ctx.spec.market.amountStep);
}

/**
 * Someone else turned the position around: the freshest report shows the other side. From
 * the stream that is the venue's word; from REST when the read shows a state the venue changed
 * after the entry's own last report (a strictly later venue time: a position's venue time is
 * when it last changed), or when it was received at least `restLagMs` after the entry left and
 * the other side is not the baseline's (a lagging read of what was there before the entry never
 * counts). The venue time is what a restored position has: when its entry left is not known.
 */
export function flipped(ctx: PositionContext): boolean {
  const live = ctx.live;
  if (live === undefined || !gt(live.size, 0) || live.side === undefined || live.side === ctx.spec.intent.side)
    return false;
  if (live.source === 'stream') return true;
  const entryTime = ctx.entry.report?.venueTime;
  if (entryTime !== undefined && live.venueTime !== undefined && live.venueTime > entryTime) return true;
  const sentAt = ctx.entry.sentAt;
  return (
    sentAt !== undefined && live.receivedAt - sentAt >= ctx.spec.settings.restLagMs && ctx.baseline?.side !== live.side
  );
}
