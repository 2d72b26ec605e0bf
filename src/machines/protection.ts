/**
 * A position's protective stops (see docs/architecture.md, Protection): which stop is
 * current, whether it is confirmed, lost, refused or still unconfirmed, and when a new one
 * may be placed. The rules:
 *
 * - protection is **refused** only when the venue definitively refuses the stop's content: a
 *   rejected placement whose cause is not transient, or a `rejected` report with zero fill
 *   while the position is live. A transient refusal (rate limit, a claim that could not be
 *   written, …) is retried after the venue's retry-after;
 * - a stop the venue accepted and later ended with zero fill is **lost**, never refused: it is
 *   replaced only after a position report newer than its end still shows the position live
 *   (else the position is going flat by the stop), at most `settings.maxStops` times, then alerted;
 * - no new stop is placed while an earlier one may still be on the venue; every stop ever
 *   placed is kept, so none is forgotten.
 *
 * `protectionOf` is the one answer to "is this position protected?" that the dashboard, the
 * metrics and reconciliation use. Pure.
 */
import type { OrderRole } from '../domain/client-order-id.js';
import { floorToStep, gt, min } from '../domain/decimal.js';
import type { ClientOrderId } from '../domain/ids.js';
import { isTransientRefusal } from '../domain/outcome.js';
import type { ReportSource, ReportTiming } from '../domain/reports.js';
import { isOutstanding, lastTrack, provenFilled, trackFate, type OrderTrack } from './order-track.js';
import type { PositionContext } from './position.context.js';
import { filledAmount, flatProven, flipped, ownHolding } from './position.verdicts.js';

/** Placements in all, transient refusals included, before posguard stops trying and alerts. */
export const MAX_STOP_ATTEMPTS = 50;
const RETRY_MAX_MS = 30_000;

export const currentStop = (ctx: PositionContext): OrderTrack | undefined => ctx.stops.at(-1);

/** A stop that may still be on the venue (it must be cancelled and the cancel verified before the position is closed). */
export function stopOutstanding(ctx: PositionContext): boolean {
  return ctx.stops.some(isOutstanding);
}

/** The oldest stop that may still be on the venue; throws `MissingTrack` when none is. */
export function outstandingStop(ctx: PositionContext): OrderTrack {
  return lastTrack(ctx.stops.filter(isOutstanding).slice(0, 1), 'an outstanding stop');
}

const reachedVenue = (t: OrderTrack): boolean =>
  t.send === 'accepted' || t.send === 'unknown' || t.report !== undefined;
const transientlyRefused = (t: OrderTrack): boolean =>
  t.send === 'rejected' && isTransientRefusal({ kind: 'rejected', code: t.rejectCode });

/** The current stop was definitively refused by the venue (see the module header). */
export function stopRefused(ctx: PositionContext): boolean {
  const t = currentStop(ctx);
  if (t === undefined) return false;
  if (t.send === 'rejected' && t.report === undefined) return !transientlyRefused(t);
  // "While the position is live": it holds something of its own and no report shows it flat (a
  // venue that rejects a reduce-only stop at trigger on a flat position has not refused protection).
  return t.report?.status === 'rejected' && !gt(provenFilled(t), 0) && !flatProven(ctx) && gt(ownHolding(ctx), 0);
}

/** A report shows the current stop on the venue: resting, executing, or filled. */
export function stopSettled(ctx: PositionContext): boolean {
  const fate = trackFateOf(currentStop(ctx));
  return fate === 'working' || fate === 'executing' || fate === 'filled';
}

/** The current stop ended without executing (cancelled, expired), or was refused only after it reached the venue while the position was flat. */
export function stopLost(ctx: PositionContext): boolean {
  const t = currentStop(ctx);
  return t !== undefined && trackFateOf(t) === 'lost' && !stopRefused(ctx);
}

/** The current stop was refused for a transient cause (it is placed again after `retryAt`). */
export function stopRetrying(ctx: PositionContext): boolean {
  const t = currentStop(ctx);
  return t !== undefined && transientlyRefused(t);
}

const trackFateOf = (t: OrderTrack | undefined) => (t === undefined ? undefined : trackFate(t));

/** How many placements of the current run of transient refusals: the backoff grows with it. */
function transientRun(ctx: PositionContext): number {
  const lastKept = ctx.stops.findLastIndex((t) => !transientlyRefused(t));
  return ctx.stops.length - 1 - lastKept;
}

/** When a transiently refused stop may be placed again: the venue's retry-after, else a backoff. */
export function stopRetryAt(ctx: PositionContext, at: number, retryAfterMs: number | undefined): number {
  const backoff = Math.min(ctx.spec.settings.feedDownPollMs * 2 ** Math.min(transientRun(ctx), 16), RETRY_MAX_MS);
  return at + Math.max(retryAfterMs ?? 0, backoff);
}

/** Stops that reached the venue, and placements in all. */
function budget(ctx: PositionContext): { placed: number; attempts: number } {
  return { placed: ctx.stops.filter(reachedVenue).length, attempts: ctx.stops.length };
}

/** No further stop may be placed: the replacements or the attempts are spent. */
export function stopBudgetSpent(ctx: PositionContext): boolean {
  const b = budget(ctx);
  return b.placed >= ctx.spec.settings.maxStops || b.attempts >= MAX_STOP_ATTEMPTS;
}

/** The position holds something of its own and its intent asked for a stop. */
export function wantsStop(ctx: PositionContext): boolean {
  return ctx.spec.intent.stopLoss !== undefined && gt(ownHolding(ctx), 0);
}

/**
 * The current stop is gone (lost, or executed in part while the position stays) and a
 * position report newer than its last report still shows the position live on its side.
 */
function stopGoneUnderLivePosition(ctx: PositionContext): boolean {
  const t = currentStop(ctx);
  const live = ctx.live;
  if (t?.report === undefined || live === undefined || !gt(live.size, 0) || live.side !== ctx.spec.intent.side)
    return false;
  const fate = trackFate(t);
  if (fate !== 'lost' && fate !== 'filled') return false;
  return liveConfirmedAfter(ctx, t.report);
}

/**
 * A report of the live position describes a state after `r`: from the stream, received after
 * it (the stream is ordered); from REST, a read of the same state received at least
 * `restLagMs` after it. (A position's venue time is when it last changed, not when it was
 * read: a position that did not change since has an old one.)
 */
function liveConfirmedAfter(ctx: PositionContext, r: ReportTiming): boolean {
  const live = ctx.live;
  if (live === undefined) return false;
  if (live.source === 'stream' && live.receivedAt > r.receivedAt) return true;
  return Math.max(live.receivedAt, ctx.liveSeenAt ?? 0) >= r.receivedAt + ctx.spec.settings.restLagMs;
}

/** A new stop is due now: wanted, none may still be on the venue, budget left, and the last one gone or due for a retry. */
export function newStopDue(ctx: PositionContext): boolean {
  // Cheapest first: it runs after every report of an open position.
  if (
    ctx.spec.intent.stopLoss === undefined ||
    stopOutstanding(ctx) ||
    !wantsStop(ctx) ||
    stopBudgetSpent(ctx) ||
    stopRefused(ctx) ||
    flipped(ctx)
  )
    return false;
  const t = currentStop(ctx);
  if (t === undefined) return true;
  if (transientlyRefused(t)) return ctx.seenAt >= (t.retryAt ?? 0);
  return stopGoneUnderLivePosition(ctx);
}

/**
 * The entry is proven and its first stop is due: the intent asked for one, no stop of this
 * position is known yet (a position re-found on the venue takes over the stops it finds there,
 * and `open` replaces them by the rules above), and no report shows the position turned around
 * by someone else (a stop against it would be on the wrong side: `open` alerts instead).
 */
export function firstStopDue(ctx: PositionContext): boolean {
  return ctx.spec.intent.stopLoss !== undefined && ctx.stops.length === 0 && !flipped(ctx);
}

/** A stop is wanted but none may be placed (budget spent) and none is on the venue. */
export function protectionGivenUp(ctx: PositionContext): boolean {
  return (
    ctx.spec.intent.stopLoss !== undefined &&
    !stopOutstanding(ctx) &&
    !stopSettledWorking(ctx) &&
    stopBudgetSpent(ctx) &&
    wantsStop(ctx)
  );
}

const stopSettledWorking = (ctx: PositionContext): boolean => {
  const fate = trackFateOf(currentStop(ctx));
  return fate === 'working' || fate === 'executing';
};

/** The current stop was placed (or may have been) and no report shows it yet: it is looked up (with backoff). */
export function stopUnconfirmed(ctx: PositionContext): boolean {
  if (!wantsStop(ctx)) return false;
  const t = currentStop(ctx);
  return t !== undefined && isOutstanding(t) && t.report === undefined;
}

/** A new stop waits for a retry time or for a newer report of the live position: asked for at the poll interval. */
export function stopReplacementPending(ctx: PositionContext): boolean {
  if (!wantsStop(ctx) || stopBudgetSpent(ctx)) return false;
  const t = currentStop(ctx);
  if (t === undefined) return false;
  if (transientlyRefused(t)) return true;
  const fate = trackFate(t);
  return (fate === 'lost' || fate === 'filled') && !stopGoneUnderLivePosition(ctx);
}

/** The role and size of the next stop. */
export function nextStop(ctx: PositionContext): { readonly role: OrderRole; readonly amount: number } {
  const n = ctx.stops.length + 1;
  const own = ownHolding(ctx) > 0 ? ownHolding(ctx) : filledAmount(ctx);
  const live = ctx.live;
  const amount =
    live !== undefined && gt(live.size, 0) && live.side === ctx.spec.intent.side ? min(own, live.size) : own;
  return { role: n === 1 ? 'stop' : `stop-${n}`, amount: floorToStep(amount, ctx.spec.market.amountStep) };
}

/** Is this position protected? The one answer the dashboard, the metrics and reconciliation use. */
export type Protection =
  /** The intent asked for no stop. */
  | { readonly kind: 'notRequested' }
  /** Nothing to protect yet (no fill proven) or any more (nothing held). */
  | { readonly kind: 'notNeeded' }
  /** A report shows the stop resting on the venue. */
  | { readonly kind: 'confirmed'; readonly stop: ClientOrderId; readonly at: number; readonly source: ReportSource }
  /** The stop's trigger fired and its order is executing (or it executed). */
  | { readonly kind: 'triggered'; readonly stop: ClientOrderId; readonly at: number }
  /** A stop is being placed or was placed, and no report shows it yet. */
  | { readonly kind: 'unconfirmed'; readonly stop: ClientOrderId | undefined; readonly since: number }
  /** The stop ended without executing and is not replaced (yet). */
  | { readonly kind: 'lost'; readonly stop: ClientOrderId; readonly since: number }
  /** The venue refused the stop's content. */
  | { readonly kind: 'refused'; readonly stop: ClientOrderId; readonly reason: string };

export function protectionOf(ctx: PositionContext): Protection {
  if (ctx.spec.intent.stopLoss === undefined) return { kind: 'notRequested' };
  const t = currentStop(ctx);
  if (t === undefined)
    return gt(ownHolding(ctx), 0) ? { kind: 'unconfirmed', stop: undefined, since: ctx.seenAt } : { kind: 'notNeeded' };
  if (stopRefused(ctx))
    return {
      kind: 'refused',
      stop: t.clientOrderId,
      reason: t.rejectReason ?? t.report?.rejectReason ?? t.report?.status ?? 'refused',
    };
  const fate = trackFate(t);
  const report = t.report;
  if (fate === 'working' && report !== undefined)
    return { kind: 'confirmed', stop: t.clientOrderId, at: report.receivedAt, source: report.source };
  if ((fate === 'executing' || fate === 'filled') && report !== undefined) {
    return fate === 'filled' && gt(ownHolding(ctx), 0) && stopGoneUnderLivePosition(ctx)
      ? { kind: 'lost', stop: t.clientOrderId, since: report.receivedAt }
      : { kind: 'triggered', stop: t.clientOrderId, at: report.receivedAt };
  }
  if (fate === 'lost' && report !== undefined)
    return gt(ownHolding(ctx), 0)
      ? { kind: 'lost', stop: t.clientOrderId, since: report.receivedAt }
      : { kind: 'notNeeded' };
  if (!gt(ownHolding(ctx), 0) && !isOutstanding(t)) return { kind: 'notNeeded' };
  return { kind: 'unconfirmed', stop: t.clientOrderId, since: t.sentAt ?? ctx.seenAt };
}

/** True when the position should hold a stop on the venue and no report shows one resting. */
export function unprotected(ctx: PositionContext): boolean {
  const p = protectionOf(ctx);
  return p.kind === 'unconfirmed' || p.kind === 'lost' || p.kind === 'refused';
}
