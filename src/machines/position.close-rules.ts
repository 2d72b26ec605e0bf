/**
 * The rules of a close request, as predicates on a position's context: the next close order
 * planned from the freshest live report (`planNextClose`, reduce-only, sided and sized by
 * `planClose`), whether the last close is in flight, filled or terminal, and whether the
 * request's budgets are spent. `positionSetup` names each as a guard (so the drawn machine
 * can say them); the close preview asks `planNextClose` too. Pure.
 */
import { planClose, type PlannedClose } from '../domain/close-plan.js';
import { isZero } from '../domain/decimal.js';
import { CloseRefused, errorText } from '../domain/errors.js';
import { isOutstanding, isTerminal, type OrderTrack } from './order-track.js';
import type { CloseReason, CloseRequest, PositionContext } from './position.context.js';
import { freshNonFlat, ownHolding } from './position.verdicts.js';

export type ClosePlanResult =
  { readonly kind: 'order'; readonly plan: PlannedClose } | { readonly kind: 'refused'; readonly why: string };

/**
 * The plan of each context already asked (contexts are never changed in place): a step asks
 * its guard, then its action, and both get the one plan.
 */
const plans = new WeakMap<PositionContext, ClosePlanResult>();

/** Plans the next close from the freshest live report (pure; computed once per context). */
export function planNextClose(ctx: PositionContext): ClosePlanResult {
  let plan = plans.get(ctx);
  if (plan === undefined) {
    plan = planFrom(ctx);
    plans.set(ctx, plan);
  }
  return plan;
}

function planFrom(ctx: PositionContext): ClosePlanResult {
  if (ctx.live === undefined) return { kind: 'refused', why: 'no position report has been received' };
  try {
    const plan = planClose(ctx.live, ctx.spec.intent, ctx.spec.market, {
      ownFilled: ownHolding(ctx),
      mode: ctx.spec.hedgeMode ? 'hedge' : 'one-way',
    });
    return { kind: 'order', plan };
  } catch (e) {
    if (e instanceof CloseRefused) return { kind: 'refused', why: e.message };
    return { kind: 'refused', why: errorText(e) };
  }
}

const lastClose = (ctx: PositionContext): OrderTrack | undefined => ctx.closes.at(-1);

/** The last close was sent (or may have been) and is not yet known terminal. */
export const closeInFlight = (ctx: PositionContext): boolean => isOutstanding(lastClose(ctx));

/** The last close filled all it was asked to. */
export const closeFilledFully = (ctx: PositionContext): boolean => lastClose(ctx)?.report?.status === 'filled';

/** The last close is known terminal (filled, or ended with a remainder). */
export const closeTerminal = (ctx: PositionContext): boolean => isTerminal(lastClose(ctx));

const liveFlat = (ctx: PositionContext): boolean => ctx.live !== undefined && isZero(ctx.live.size);

/**
 * No close may be planned on what is known now: the live report is flat but does not count
 * yet (REST lagging a fill), or no report came within `reportStaleMs`.
 */
export const noUsableReport = (ctx: PositionContext): boolean => liveFlat(ctx) || !freshNonFlat(ctx, ctx.seenAt);

/** A new close request asked at `at` (never before the machine's now): its budget counts the closes sent from here on. */
export function newCloseRequest(
  ctx: PositionContext,
  reason: CloseReason,
  id: string | undefined,
  at: number | undefined,
): { readonly closeRequest: CloseRequest; readonly seenAt: number } {
  const seenAt = Math.max(at ?? ctx.seenAt, ctx.seenAt);
  return { closeRequest: { reason, id, at: seenAt, firstClose: ctx.closes.length, status: 'active' }, seenAt };
}

/**
 * The request's first close may be planned on the report posguard already holds: nothing of
 * this request has been sent yet, and that report is usable (non-flat, received within
 * `reportStaleMs` of the request). Saves the read ahead of a close; a later close of the same
 * request always reads again (its remainder must show after the previous close ended).
 */
export const firstCloseOnKnownReport = (ctx: PositionContext): boolean =>
  ctx.closes.length === (ctx.closeRequest?.firstClose ?? 0) && !noUsableReport(ctx);

/** This request's close orders that may have executed (a refused send never reached the book). */
function requestCloses(ctx: PositionContext): number {
  const first = ctx.closeRequest?.firstClose ?? 0;
  return ctx.closes.slice(first).filter((t) => t.send !== 'rejected' && t.send !== 'not-sent').length;
}

/** The request's close orders are spent (`maxCloseOrders`). */
export const closeBudgetSpent = (ctx: PositionContext): boolean =>
  requestCloses(ctx) >= ctx.spec.settings.maxCloseOrders;

/** Retries of this request are spent: as many as fit in `timeoutMs` at `feedDownPollMs`, and at least `closeVerifyAttempts`. */
export const closeRetriesSpent = (ctx: PositionContext): boolean =>
  ctx.attempts >=
  Math.max(
    ctx.spec.settings.closeVerifyAttempts,
    Math.ceil(ctx.spec.settings.timeoutMs / ctx.spec.settings.feedDownPollMs),
  );

/** Why the planner refuses a close now ('' when it would plan one). */
export const closeRefusedWhy = (ctx: PositionContext): string => {
  const r = planNextClose(ctx);
  return r.kind === 'refused' ? r.why : '';
};
