/**
 * The small pure steps the position machine's states share: the request a track sends, a
 * send's outcome and a query's answers folded in, the order a state looks up, and the query
 * loop of a waiting state.
 */
import { assign } from 'xstate';
import { parseClientOrderId } from '../domain/client-order-id.js';
import type { OrderRequest } from '../domain/order-request.js';
import type { OrderStatusReport } from '../domain/reports.js';
import { foundOrderTrack, isOutstanding, lastTrack, type OrderTrack } from './order-track.js';
import { applyOrderReport, applyPositionReport, seen, type PositionContext } from './position.context.js';
import type { QueryEvidenceInput, QueryEvidenceOutput, SendOrderInput, SendOrderOutput } from './position.effects.js';
import { positionSetup } from './position.setup.js';
import { entryVerdict } from './position.verdicts.js';
import { currentStop } from './protection.js';

export function orderRequestOf(ctx: PositionContext, t: OrderTrack, triggerPrice?: number): OrderRequest {
  return {
    symbol: ctx.spec.intent.symbol,
    side: t.side,
    amount: t.amount,
    clientOrderId: t.clientOrderId,
    type: triggerPrice === undefined ? 'market' : 'stop-market',
    reduceOnly: t.role !== 'entry',
    ...(triggerPrice === undefined ? {} : { triggerPrice }),
  };
}

/**
 * The orders of this position's earlier life found on the venue (a keyed intent the store
 * forgot), taken over as its stops, closes and reductions: their client order ids are never
 * sent again, the next of each kind is numbered after them, and a stop found resting protects
 * the position (see docs/architecture.md, Persistence and ownership).
 */
export function takeOverFound(ctx: PositionContext, orders: readonly OrderStatusReport[]): PositionContext {
  const lists = { stops: [...ctx.stops], closes: [...ctx.closes], excess: [...ctx.excess] };
  const known = new Set([...lists.stops, ...lists.closes, ...lists.excess].map((t) => t.clientOrderId));
  for (const o of orders) {
    const cid = o.clientOrderId;
    const parsed = cid === undefined ? undefined : parseClientOrderId(cid);
    if (cid === undefined || parsed?.position !== ctx.spec.id || parsed.role === 'entry' || known.has(cid)) continue;
    known.add(cid);
    const list = parsed.role.startsWith('stop') ? 'stops' : parsed.role.startsWith('close') ? 'closes' : 'excess';
    lists[list].push(foundOrderTrack(parsed.role, { ...o, clientOrderId: cid }));
  }
  return { ...ctx, ...lists };
}

/** Applies a send outcome to a track (the reply's report, if any, is folded by `foldAck`). */
export function sent(t: OrderTrack, out: SendOrderOutput): OrderTrack {
  const o = out.outcome;
  if (o.kind === 'accepted') return { ...t, send: 'accepted', sentAt: out.sentAt, venueOrderId: o.value.venueOrderId };
  if (o.kind === 'rejected') {
    return {
      ...t,
      send: 'rejected',
      sentAt: out.sentAt,
      rejectReason: o.reason,
      rejectCode: o.code,
      retryAt: out.at + (o.retryAfterMs ?? 0),
    };
  }
  return { ...t, send: 'unknown', sentAt: out.sentAt, rejectReason: undefined };
}

/**
 * Folds a complete create reply as evidence, like any other order report: a fill it shows
 * is also evidence that the position is not flat (so that no stale "flat" may close it).
 */
export function foldAck(ctx: PositionContext, out: SendOrderOutput): PositionContext {
  const next = seen(ctx, out.at);
  const o = out.outcome;
  return o.kind === 'accepted' && o.value.report !== undefined ? applyOrderReport(next, o.value.report) : next;
}

/** A send that threw: Unknown, timed from the latest time seen (the send left no earlier). */
export function sendThrew(t: OrderTrack, ctx: PositionContext): OrderTrack {
  return { ...t, send: 'unknown', sentAt: t.sentAt ?? ctx.seenAt };
}

/** Folds a query's answers into the context; a failed query adds nothing. */
export function foldEvidence(ctx: PositionContext, out: QueryEvidenceOutput): PositionContext {
  let next = seen(ctx, out.at);
  if (out.order !== undefined) next = applyOrderReport(next, out.order);
  if (out.position !== undefined) next = applyPositionReport(next, out.position);
  return next;
}

/** A send of a position whose earlier life is unknown looks its order up first (`SendOrderInput.lookUpFirst`). */
export const lookUpFirst = (ctx: PositionContext): Partial<Pick<SendOrderInput, 'lookUpFirst'>> =>
  ctx.earlierLife === 'unknown'
    ? { lookUpFirst: { restLagMs: ctx.spec.settings.restLagMs, timeoutMs: ctx.spec.settings.timeoutMs } }
    : {};

export const lookup = (t: OrderTrack) => ({ clientOrderId: t.clientOrderId, venueOrderId: t.venueOrderId });

/** The stop a position in `open` looks up while it asks the venue: the current one, if it may still be there or is unconfirmed. */
export function stopToLookUp(ctx: PositionContext) {
  const t = currentStop(ctx);
  return t !== undefined &&
    (isOutstanding(t) || t.report === undefined) &&
    t.send !== 'rejected' &&
    t.send !== 'not-sent'
    ? lookup(t)
    : undefined;
}

/** The last track of a list the state works on (a checked assertion, see `lastTrack`). */
export const last = (ts: readonly OrderTrack[], what: string): OrderTrack => lastTrack(ts, what);

/** The query loop of a waiting state: ask, fold the answer in, wait `delay`, ask again. */
export function queryLoop(
  delay: 'poll' | 'backoff',
  input: (args: { context: PositionContext }) => QueryEvidenceInput,
) {
  return {
    initial: 'querying' as const,
    states: {
      querying: positionSetup.createStateConfig({
        invoke: {
          src: 'queryEvidence',
          input,
          onDone: {
            target: 'waiting',
            actions: assign(({ context, event }) => ({
              ...foldEvidence(context, event.output),
              attempts: context.attempts + 1,
            })),
          },
          onError: { target: 'waiting', actions: assign(({ context }) => ({ attempts: context.attempts + 1 })) },
        },
      }),
      waiting: positionSetup.createStateConfig({ after: { [delay]: 'querying' } }),
    },
  };
}

export function verdictReason(ctx: PositionContext): string {
  const v = entryVerdict(ctx);
  return v.kind === 'dead' ? v.reason : `entry ${v.kind}`;
}
