/**
 * The slots of the position machine (`setup`): its effect actors, actions, guards and delays,
 * and the small pure helpers its states share. The defaults of the effect actors reject:
 * the wiring must provide them (`machine.provide`).
 */
import { assign, fromPromise, setup } from 'xstate';
import type { AlertDraft } from '../domain/alert.js';
import { gt } from '../domain/decimal.js';
import type { OrderRequest } from '../domain/order-request.js';
import {
  applyOrderReport, applyPositionReport, entryVerdict, fillChanges, orderReportChanges, positionReportChanges, flatProven, flatUnproven, overFill, ownHolding, seen,
  stopOutstanding, type OrderTrack, type PositionContext,
} from './position.context.js';
import type {
  CancelOrderInput, CancelOrderOutput, PrepareEntryInput, PrepareEntryOutput, QueryEvidenceInput, QueryEvidenceOutput,
  SendOrderInput, SendOrderOutput,
} from './position.effects.js';
import type { PositionEvent, PositionInput } from './position.events.js';

const notProvided = (slot: string) => () => Promise.reject(new Error(`the position machine's '${slot}' slot was not provided`));

const BACKOFF_MAX_MS = 30_000;
/** How many stops one position places at most (the first, then replacements of lost ones). */
export const MAX_STOPS = 5;

/** 1 for `stop`, n for `stop-n`. */
export function stopNumber(role: string): number {
  const n = Number(role.split('-')[1] ?? 1);
  return Number.isInteger(n) && n > 0 ? n : 1;
}
const DEAD_STATUSES = ['cancelled', 'rejected', 'expired'];

export const positionSetup = setup({
  types: {
    context: {} as PositionContext,
    events: {} as PositionEvent,
    input: {} as PositionInput,
  },
  actors: {
    prepareEntry: fromPromise<PrepareEntryOutput, PrepareEntryInput>(notProvided('prepareEntry')),
    sendOrder: fromPromise<SendOrderOutput, SendOrderInput>(notProvided('sendOrder')),
    queryEvidence: fromPromise<QueryEvidenceOutput, QueryEvidenceInput>(notProvided('queryEvidence')),
    cancelOrder: fromPromise<CancelOrderOutput, CancelOrderInput>(notProvided('cancelOrder')),
  },
  actions: {
    /** Raise an alert; the wiring hands it to the alert sink. */
    raiseAlert: (_args, _params: AlertDraft) => {},
    // Each assigns only the fields the report changes (it runs for every stream report).
    recordOrder: assign(({ context, event }) => (event.type === 'ORDER_REPORT' ? orderReportChanges(context, event.report) : undefined) ?? {}),
    recordFill: assign(({ context, event }) => (event.type === 'FILL_REPORT' ? fillChanges(context, event.report) : undefined) ?? {}),
    recordPosition: assign(({ context, event }) => (event.type === 'POSITION_REPORT' ? positionReportChanges(context, event.report) : undefined) ?? {}),
    recordFeed: assign(({ event }) => (event.type === 'FEED' ? { feedUp: event.up } : {})),
    recordClose: assign(({ context, event }) => (event.type === 'CLOSE' && context.closeRequested === undefined
      ? { closeRequested: event.reason ?? 'user' } : {})),
    /** Starts the close-verification window at the latest time seen. */
    armCloseWindow: assign(({ context }) => ({
      armedAt: context.seenAt, deadline: context.seenAt + context.settings.closeVerifyWindowMs, attempts: 0,
    })),
    /** On RESUME: a deadline that passed while no worker ran restarts from the time of the restore. */
    rearmIfExpired: assign(({ context, event }, params: { readonly window: 'timeout' | 'closeVerify' }) => {
      const at = event.type === 'RESUME' ? event.at : undefined;
      if (at === undefined || context.deadline > at) return {};
      const ms = params.window === 'timeout' ? context.settings.timeoutMs : context.settings.closeVerifyWindowMs;
      return { armedAt: at, deadline: at + ms, attempts: 0, seenAt: Math.max(context.seenAt, at) };
    }),
    giveUpClose: assign(({ context }) => ({
      attempts: 0,
      reason: flatProven(context)
        ? `flat, but the stop ${context.stop?.clientOrderId} could not be cancelled and verified within ${context.settings.closeVerifyWindowMs} ms`
        : `no fresh flat report within ${context.settings.closeVerifyAttempts} checks over ${context.settings.closeVerifyWindowMs} ms`
          + (context.live !== undefined && gt(context.live.size, 0) ? `; the venue still shows ${context.live.size}` : ''),
    })),
  },
  guards: {
    entryFilled: ({ context }) => entryVerdict(context).kind === 'filled',
    entryPartial: ({ context }) => entryVerdict(context).kind === 'partial',
    entryDead: ({ context }) => entryVerdict(context).kind === 'dead',
    entryFateKnown: ({ context }) => entryVerdict(context).kind !== 'none',
    hasStop: ({ context }) => context.intent.stopLoss !== undefined,
    closeRequested: ({ context }) => context.closeRequested !== undefined,
    flatProven: ({ context }) => flatProven(context),
    stopOutstanding: ({ context }) => stopOutstanding(context),
    stopConfirmed: ({ context }) => context.stop?.report !== undefined && !DEAD_STATUSES.includes(context.stop.report.status),
    stopDead: ({ context }) => context.stop?.send === 'rejected'
      || (context.stop?.report !== undefined && DEAD_STATUSES.includes(context.stop.report.status)),
    rollbackOnFailure: ({ context }) => context.settings.protectionOnFailure === 'rollback',
    /** The confirmed stop was cancelled by someone else (say, the venue's disconnect protection). */
    stopLost: ({ context }) => context.intent.stopLoss !== undefined && context.stop?.report !== undefined
      && (context.stop.report.status === 'cancelled' || context.stop.report.status === 'expired')
      && stopNumber(context.stop.role) < MAX_STOPS,
    feedDown: ({ context }) => !context.feedUp,
    feedChanges: ({ context, event }) => event.type === 'FEED' && event.up !== context.feedUp,
    flatUnproven: ({ context }) => flatUnproven(context),
    overFilled: ({ context }) => context.excess.length === 0 && gt(overFill(context), 0),
    holdsSomething: ({ context }) => gt(ownHolding(context), 0),
    checksLeft: ({ context }) => context.attempts < context.settings.closeVerifyAttempts,
  },
  delays: {
    /** Until the current state's deadline; the wiring provides `deadline - clock.now()`. */
    untilDeadline: ({ context }) => Math.max(0, context.deadline - context.armedAt),
    poll: ({ context }) => context.settings.feedDownPollMs,
    backoff: ({ context }) => Math.min(context.settings.feedDownPollMs * 2 ** Math.min(context.attempts, 16), BACKOFF_MAX_MS),
    closeVerifyInterval: ({ context }) => Math.max(1, Math.floor(context.settings.closeVerifyWindowMs / context.settings.closeVerifyAttempts)),
  },
});

export function orderRequestOf(ctx: PositionContext, t: OrderTrack, triggerPrice?: number): OrderRequest {
  return {
    symbol: ctx.intent.symbol, side: t.side, amount: t.amount, clientOrderId: t.clientOrderId,
    type: triggerPrice === undefined ? 'market' : 'stop-market',
    reduceOnly: t.role !== 'entry',
    ...(triggerPrice === undefined ? {} : { triggerPrice }),
  };
}

/** Applies a send outcome to a track (the reply's report, if any, is folded by `foldAck`). */
export function sent(t: OrderTrack, out: SendOrderOutput): OrderTrack {
  const o = out.outcome;
  if (o.kind === 'accepted') return { ...t, send: 'accepted', sentAt: out.sentAt, venueOrderId: o.value.venueOrderId };
  return { ...t, send: o.kind, sentAt: out.sentAt, rejectReason: o.kind === 'rejected' ? o.reason : undefined };
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

export const lookup = (t: OrderTrack) => ({ clientOrderId: t.clientOrderId, venueOrderId: t.venueOrderId });

/** The query loop of a waiting state: ask, fold the answer in, wait `delay`, ask again. */
export function queryLoop(delay: 'poll' | 'backoff', input: (args: { context: PositionContext }) => QueryEvidenceInput) {
  return {
    initial: 'querying' as const,
    states: {
      querying: positionSetup.createStateConfig({
        invoke: {
          src: 'queryEvidence',
          input,
          onDone: {
            target: 'waiting',
            actions: assign(({ context, event }) => ({ ...foldEvidence(context, event.output), attempts: context.attempts + 1 })),
          },
          onError: { target: 'waiting', actions: assign(({ context }) => ({ attempts: context.attempts + 1 })) },
        },
      }),
      waiting: positionSetup.createStateConfig({ after: { [delay]: 'querying' } }),
    },
  };
}

export { errorText } from '../domain/errors.js';

export function verdictReason(ctx: PositionContext): string {
  const v = entryVerdict(ctx);
  return v.kind === 'dead' ? v.reason : `entry ${v.kind}`;
}
