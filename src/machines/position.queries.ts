/**
 * The read side of a position actor: the few questions the guard, the feed, the registry and
 * the sweeps ask of a position's snapshot. They ask these; they never read the context's
 * fields (XState's `getSnapshot()` is the read side, nothing outside the actor edits it).
 *
 * @example
 * outstandingOrders(actor.getSnapshot().context) // the client order ids to look up after a gap
 */
import type { ClientOrderId, PositionId } from '../domain/ids.js';
import type { Intent } from '../domain/intent.js';
import type { Baseline, PositionStatusReport } from '../domain/reports.js';
import { isOutstanding } from './order-track.js';
import type { PositionContext } from './position.context.js';
import { flatUnproven, ownHolding } from './position.verdicts.js';
import { planNextClose } from './position.close-rules.js';

export type { Protection } from './protection.js';
export { protectionOf, unprotected } from './protection.js';

/** The position's id. */
export const positionIdOf = (ctx: PositionContext): string => ctx.spec.id;

/** The intent a position carries out. */
export const intentOf = (ctx: PositionContext): Intent => ctx.spec.intent;

/** Every order of the position that may still be on the venue (to look up after a stream gap). */
export function outstandingOrders(ctx: PositionContext): ClientOrderId[] {
  const out: ClientOrderId[] = [];
  for (const t of [ctx.entry, ...ctx.stops, ...ctx.closes, ...ctx.excess])
    if (isOutstanding(t)) out.push(t.clientOrderId);
  return out;
}

/** Whether the position should hold a protective stop on the venue now (reconciliation reports it missing until it does). */
export function expectsStop(ctx: PositionContext): boolean {
  return ctx.spec.intent.stopLoss !== undefined && ownHolding(ctx) > 0;
}

/** The size to show for a position: the freshest report that counts; before one, what the evidence proves it holds. */
export function visibleSize(ctx: PositionContext): number {
  const live = ctx.live;
  // A non-zero report is shown as it is (the common case, with no decimal work); a flat one
  // only once it counts, and before any report, what the evidence proves filled.
  if (live !== undefined && (live.size !== 0 || !flatUnproven(ctx))) return live.size;
  return ownHolding(ctx);
}

/** The freshest position report the position holds (what the account remembers of the symbol when it ends). */
export const lastPositionReport = (ctx: PositionContext): PositionStatusReport | undefined => ctx.live;

/** The entry price the venue reports for the position (for its notional), if a report said. */
export const entryPriceOf = (ctx: PositionContext): number | undefined => ctx.live?.entryPrice;

/** Why the position is where it is (its end, or why a human is asked to look). */
export const reasonOf = (ctx: PositionContext): string | undefined => ctx.reason;

/** Whether the entry order never left (an intent that failed before it was sent). */
export const entryNeverSent = (ctx: PositionContext): boolean => ctx.entry.send === 'not-sent';

/** One order of a position as the operator sees it: what was sent, with its client order id, and what the venue said of it. */
export interface OrderView {
  readonly role: string;
  readonly clientOrderId: string;
  readonly venueOrderId: string | undefined;
  readonly side: string;
  readonly amount: number;
  /** `not-sent`, `accepted`, `unknown` or `rejected`: the outcome of the send. */
  readonly send: string;
  readonly sentAt: number | undefined;
  /** The venue's status from the freshest report (`open`, `filled`, `canceled`, …), if any. */
  readonly status: string | undefined;
  readonly filled: number;
  readonly rejectReason: string | undefined;
}

/** Every order the position sent or meant to send — entry, stops, closes, reductions — in the order they were made. */
export function ordersOf(ctx: PositionContext): OrderView[] {
  return [ctx.entry, ...ctx.stops, ...ctx.excess, ...ctx.closes]
    .map((t) => ({
      role: t.role,
      clientOrderId: t.clientOrderId,
      venueOrderId: t.venueOrderId,
      side: t.side,
      amount: t.amount,
      send: t.send,
      sentAt: t.sentAt,
      status: t.report?.status,
      filled: t.report?.filled ?? t.fillTotal,
      rejectReason: t.rejectReason ?? t.report?.rejectReason,
    }))
    .sort((a, b) => (a.sentAt ?? Number.MAX_SAFE_INTEGER) - (b.sentAt ?? Number.MAX_SAFE_INTEGER));
}

/**
 * What a close asked now would send first, planned by the same pure planner the machine uses
 * (`planNextClose`) on the freshest live report the position holds — a preview only: the
 * machine plans the real order again from a fresh report when the close is carried out.
 */
export type ClosePreview =
  | {
      readonly kind: 'order';
      readonly order: {
        readonly symbol: string;
        readonly side: string;
        readonly amount: number;
        readonly type: 'market';
        readonly reduceOnly: true;
      };
      /** The report it is planned on. */
      readonly basedOn: {
        readonly side: string | undefined;
        readonly size: number;
        readonly source: string;
        readonly receivedAt: number;
        readonly venueTime: number | undefined;
      };
    }
  | { readonly kind: 'refused'; readonly why: string };

export function closePreviewOf(ctx: PositionContext): ClosePreview {
  const planned = planNextClose(ctx);
  if (planned.kind === 'refused' || ctx.live === undefined)
    return { kind: 'refused', why: planned.kind === 'refused' ? planned.why : 'no position report has been received' };
  const { plan } = planned;
  return {
    kind: 'order',
    order: { symbol: plan.symbol, side: plan.side, amount: plan.amount, type: 'market', reduceOnly: true },
    basedOn: {
      side: ctx.live.side,
      size: ctx.live.size,
      source: ctx.live.source,
      receivedAt: ctx.live.receivedAt,
      venueTime: ctx.live.venueTime,
    },
  };
}

/** Every order of the position that may have left (sent, or its send unknown): claimed again after a store lost its data. */
export function sentOrders(ctx: PositionContext): ClientOrderId[] {
  const out: ClientOrderId[] = [];
  for (const t of [ctx.entry, ...ctx.stops, ...ctx.closes, ...ctx.excess])
    if (t.send !== 'not-sent' && t.send !== 'rejected') out.push(t.clientOrderId);
  return out;
}

/**
 * What the journal holds of a position, as its context knows it (written back after the store
 * lost its data): its intent, the entry's client order id, the baseline, and whether it is an
 * orphan a sweep took over (its entry never sent: no order of posguard's is behind it).
 */
export function journalledAs(ctx: PositionContext): {
  readonly positionId: PositionId;
  readonly intent: Intent;
  readonly entryClientOrderId: ClientOrderId;
  readonly baseline: Baseline;
  readonly origin: 'adopted' | 'intent';
} {
  return {
    positionId: ctx.spec.id,
    intent: ctx.spec.intent,
    entryClientOrderId: ctx.entry.clientOrderId,
    baseline: ctx.baseline ?? { side: undefined, size: 0 },
    origin: ctx.entry.report?.venueOrderId.startsWith('adopted:') === true ? 'adopted' : 'intent',
  };
}
