/**
 * Over 300 lines on purpose: every slot is named here, in one `setup`, so that the dashboard
 * can draw each guard by its name (docs/architecture.md, The operator's surface).
 *
 * The slots of the position machine (`setup`): its effect actors, actions, guards and delays;
 * the small pure steps its states share are in `position.steps.ts`. The defaults of the
 * effect actors reject: the wiring must provide them (`machine.provide`).
 */
import { assign, fromPromise, setup } from 'xstate';
import type { AlertDraft } from '../domain/alert.js';
import { gt } from '../domain/decimal.js';
import { fillChanges, orderReportChanges, positionReportChanges, type PositionContext } from './position.context.js';
import type {
  CancelOrderInput,
  CancelOrderOutput,
  PrepareEntryInput,
  PrepareEntryOutput,
  QueryEvidenceInput,
  QueryEvidenceOutput,
  SendOrderInput,
  SendOrderOutput,
} from './position.effects.js';
import type { PositionEvent, PositionInput } from './position.events.js';
import {
  entryVerdict,
  filledAmount,
  flatProven,
  flatUnproven,
  flipped,
  overFill,
  overFillConfirmed,
  ownHolding,
} from './position.verdicts.js';
import {
  currentStop,
  firstStopDue,
  newStopDue,
  protectionGivenUp,
  stopBudgetSpent,
  stopLost,
  stopOutstanding,
  stopRefused,
  stopReplacementPending,
  stopRetrying,
  stopSettled,
  stopUnconfirmed,
} from './protection.js';
import {
  closeBudgetSpent,
  closeFilledFully,
  closeInFlight,
  closeRetriesSpent,
  closeTerminal,
  noUsableReport,
  firstCloseOnKnownReport,
  newCloseRequest,
  planNextClose,
} from './position.close-rules.js';
import { isTransientRefusal } from '../domain/outcome.js';

const notProvided = (slot: string) => () =>
  Promise.reject(new Error(`the position machine's '${slot}' slot was not provided`));

const BACKOFF_MAX_MS = 30_000;

/** The output of a finished effect (its done event), for the guards that judge it. */
function doneOutput<T>(event: unknown): Partial<T> | undefined {
  return typeof event === 'object' && event !== null && 'output' in event
    ? (event as { output?: Partial<T> }).output
    : undefined;
}

const queryOutput = (event: unknown) => doneOutput<QueryEvidenceOutput>(event);

/** The outcome of a finished `sendOrder` (its done event's output), for the guards that judge it. */
function sendOutcome(event: unknown): SendOrderOutput['outcome'] | undefined {
  const output =
    typeof event === 'object' && event !== null && 'output' in event
      ? (event as { output?: Partial<SendOrderOutput> }).output
      : undefined;
  return output?.outcome;
}

/** A close request posguard is working on. */
const closeActive = (ctx: PositionContext): boolean => ctx.closeRequest?.status === 'active';

/** The position must keep asking: its feed is down, a flat report does not count yet, it re-checks after a gap, or an over-fill awaits confirmation. */
function needsFastPoll(ctx: PositionContext): boolean {
  return (
    !ctx.feedUp ||
    flatUnproven(ctx) ||
    (ctx.recheckUntil !== undefined && ctx.seenAt < ctx.recheckUntil) ||
    (gt(overFill(ctx), 0) && !overFillConfirmed(ctx)) ||
    stopReplacementPending(ctx)
  );
}

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
    /** The entry's fill the evidence proves now is kept (see `entryProven`), once the machine acts on it. */
    noteEntryProven: assign(({ context }) => {
      const amount = filledAmount(context);
      return gt(amount, context.entryProven ?? 0) ? { entryProven: amount } : {};
    }),
    /** Raise an alert; the wiring hands it to the alert sink. */
    raiseAlert: (_args, _params: AlertDraft) => {},
    // Each assigns only the fields the report changes (it runs for every stream report).
    recordOrder: assign(
      ({ context, event }) =>
        (event.type === 'ORDER_REPORT' ? orderReportChanges(context, event.report) : undefined) ?? {},
    ),
    recordFill: assign(
      ({ context, event }) => (event.type === 'FILL_REPORT' ? fillChanges(context, event.report) : undefined) ?? {},
    ),
    recordPosition: assign(
      ({ context, event }) =>
        (event.type === 'POSITION_REPORT' ? positionReportChanges(context, event.report) : undefined) ?? {},
    ),
    /** The feed's state; when it comes back after a gap, size and stop are re-checked until REST is fresh (`recheckUntil`). */
    recordFeed: assign(({ context, event }) => {
      if (event.type !== 'FEED') return {};
      const back = event.up && !context.feedUp;
      const at = Math.max(event.at ?? context.seenAt, context.seenAt);
      return back
        ? { feedUp: true, recheckUntil: at + context.spec.settings.restLagMs, seenAt: at }
        : { feedUp: event.up };
    }),
    /**
     * A close request: recorded unless one is active; the same request id twice is one close. A
     * new request after posguard gave one up starts again with a fresh budget.
     */
    recordClose: assign(({ context, event }) => {
      if (event.type !== 'CLOSE') return {};
      const current = context.closeRequest;
      if (
        current !== undefined &&
        (current.status === 'active' || (event.requestId !== undefined && event.requestId === current.id))
      )
        return {};
      return newCloseRequest(context, event.reason ?? 'user', event.requestId, event.at);
    }),
    /** Posguard handed the close to a human (`orphanAlert`): the request stays known, so its repeat is ignored. */
    closeGivenUp: assign(({ context }) =>
      context.closeRequest === undefined
        ? {}
        : { closeRequest: { ...context.closeRequest, status: 'gaveUp' as const } },
    ),
    /** The stop was not confirmed in time; the alert that says so stands until protection is back. */
    noteUnconfirmed: assign({ protectionAlert: 'unconfirmed' as const, attempts: 0 }),
    /** Reached `orphanAlert` after a close: it stays there until flat, a close or an adopt. */
    orphanAfterClose: assign({ orphanFrom: 'close' as const }),
    resetAttempts: assign({ attempts: 0 }),
    /** Starts the close-verification window at the latest time seen. */
    armCloseWindow: assign(({ context }) => ({
      armedAt: context.seenAt,
      deadline: context.seenAt + context.spec.settings.closeVerifyWindowMs,
      attempts: 0,
    })),
    /** Starts the `timeoutMs` window of a waiting state at the latest time seen. */
    armTimeout: assign(({ context }) => ({
      armedAt: context.seenAt,
      deadline: context.seenAt + context.spec.settings.timeoutMs,
      attempts: 0,
    })),
    /** On RESUME: a deadline that passed while no worker ran restarts from the time of the restore. */
    rearmIfExpired: assign(({ context, event }, params: { readonly window: 'timeout' | 'closeVerify' | 'unknown' }) => {
      const at = event.type === 'RESUME' ? event.at : undefined;
      if (at === undefined || context.deadline > at) return {};
      const ms =
        params.window === 'timeout'
          ? context.spec.settings.timeoutMs
          : params.window === 'unknown'
            ? context.spec.settings.unknownAlertAfterMs
            : context.spec.settings.closeVerifyWindowMs;
      return { armedAt: at, deadline: at + ms, attempts: 0, seenAt: Math.max(context.seenAt, at) };
    }),
    giveUpClose: assign(({ context }) => ({
      attempts: 0,
      reason: flatProven(context)
        ? `flat, but the stop ${currentStop(context)?.clientOrderId} could not be cancelled and verified within ${context.spec.settings.closeVerifyWindowMs} ms`
        : `no fresh flat report within ${context.spec.settings.closeVerifyAttempts} checks over ${context.spec.settings.closeVerifyWindowMs} ms` +
          (context.live !== undefined && gt(context.live.size, 0)
            ? `; the venue still shows ${context.live.size}`
            : '') +
          closeRefusalText(context),
    })),
  },
  guards: {
    entryFilled: ({ context }) => entryVerdict(context).kind === 'filled',
    entryPartial: ({ context }) => entryVerdict(context).kind === 'partial',
    entryHeld: ({ context }) => {
      const k = entryVerdict(context).kind;
      return k === 'filled' || k === 'partial';
    },
    entryDead: ({ context }) => entryVerdict(context).kind === 'dead',
    entryFateKnown: ({ context }) => entryVerdict(context).kind !== 'none',
    firstStopDue: ({ context }) => firstStopDue(context),
    closeRequested: ({ context }) => closeActive(context),
    flatProven: ({ context }) => flatProven(context),
    stopOutstanding: ({ context }) => stopOutstanding(context),
    stopSettled: ({ context }) => stopSettled(context),
    stopRefused: ({ context }) => stopRefused(context),
    stopLost: ({ context }) => stopLost(context),
    stopRetrying: ({ context }) => stopRetrying(context),
    newStopDue: ({ context }) => newStopDue(context),
    /** The budget of stops is spent with none on the venue, and no alert says so yet. */
    protectionGivenUp: ({ context }) => protectionGivenUp(context) && context.protectionAlert !== 'lost',
    rollbackOnFailure: ({ context }) => context.spec.settings.protectionOnFailure === 'rollback',
    feedDown: ({ context }) => !context.feedUp,
    feedChanges: ({ context, event }) => event.type === 'FEED' && event.up !== context.feedUp,
    flipped: ({ context }) => flipped(context),
    overFillConfirmed: ({ context }) => overFillConfirmed(context),
    /** Something is awaited that only asking the venue can bring (see `needsFastPoll`, and an unconfirmed or lost stop). */
    needsEvidence: ({ context }) => needsFastPoll(context) || stopUnconfirmed(context),
    holdsSomething: ({ context }) =>
      gt(ownHolding(context), 0) || (context.live !== undefined && gt(context.live.size, 0)),
    checksLeft: ({ context }) => context.attempts < context.spec.settings.closeVerifyAttempts,
    orphanFromEntry: ({ context }) => context.orphanFrom === 'entry',
    /** The venue rejected the order just sent (its done event). */
    sendRejected: ({ event }) => sendOutcome(event)?.kind === 'rejected',
    /** The order just sent was refused for a transient cause: not processed, placed again later. */
    sendRefusedTransiently: ({ event }) => {
      const outcome = sendOutcome(event);
      return outcome !== undefined && isTransientRefusal(outcome);
    },
    /** No `protectionUnconfirmed` alert stands yet (it is raised once). */
    unconfirmedNotAlerted: ({ context }) => context.protectionAlert !== 'unconfirmed',
    /** No further stop may be placed (see `stopBudgetSpent`). */
    stopBudgetSpent: ({ context }) => stopBudgetSpent(context),
    /** A close request other than the one given up (a repeat of that one is ignored). */
    newCloseRequest: ({ context, event }) =>
      event.type === 'CLOSE' && (event.requestId === undefined || event.requestId !== context.closeRequest?.id),
    closeInFlight: ({ context }) => closeInFlight(context),
    closeBudgetSpent: ({ context }) => closeBudgetSpent(context),
    closeRetriesSpent: ({ context }) => closeRetriesSpent(context),
    closeFilledFully: ({ context }) => closeFilledFully(context),
    closeTerminal: ({ context }) => closeTerminal(context),
    noUsableReport: ({ context }) => noUsableReport(context),
    firstCloseOnKnownReport: ({ context }) => firstCloseOnKnownReport(context),
    /** The entry was found on the venue before it was sent (a keyed intent the store forgot): verified, never sent again. */
    entryAlreadyOnVenue: ({ event }) => doneOutput<PrepareEntryOutput>(event)?.found !== undefined,
    /** A keyed intent whose earlier entry no look-up could rule out (`PrepareEntryOutput.unproven`). */
    entryMaybeOnVenue: ({ event }) => doneOutput<PrepareEntryOutput>(event)?.unproven !== undefined,
    /** A restored sending step's lookup found its order on the venue. */
    orderFound: ({ event }) => queryOutput(event)?.order !== undefined,
    /** A restored sending step's lookup did not find its order, asked without failures and at least `restLagMs` after the snapshot's time. */
    orderAbsentConclusively: ({ context, event }) => {
      const out = queryOutput(event);
      return out !== undefined && (out.failures?.length ?? 1) === 0 && (out.at ?? 0) >= (context.resumeAfter ?? 0);
    },
    /** The close planner refuses to plan a close on the live report (a guess would be needed). */
    closeRefusedByPlan: ({ context }) => planNextClose(context).kind === 'refused',
  },
  delays: {
    /** Until the current state's deadline; the wiring provides `deadline - clock.now()`. */
    untilDeadline: ({ context }) => Math.max(0, context.deadline - context.armedAt),
    /** Until the current stop may be placed again after a transient refusal. */
    untilStopRetry: ({ context }) => Math.max(0, (currentStop(context)?.retryAt ?? context.seenAt) - context.seenAt),
    poll: ({ context }) => context.spec.settings.feedDownPollMs,
    backoff: ({ context }) =>
      Math.min(context.spec.settings.feedDownPollMs * 2 ** Math.min(context.attempts, 16), BACKOFF_MAX_MS),
    /** `poll` while something must be caught up fast, else `backoff` (an unconfirmed stop looked up). */
    openPoll: ({ context }) =>
      needsFastPoll(context)
        ? context.spec.settings.feedDownPollMs
        : Math.min(context.spec.settings.feedDownPollMs * 2 ** Math.min(context.attempts, 16), BACKOFF_MAX_MS),
    /** A close retry: the venue's retry-after of the last refusal, at least `poll`. */
    closeRetry: ({ context }) =>
      Math.max(context.spec.settings.feedDownPollMs, (context.closes.at(-1)?.retryAt ?? 0) - context.seenAt),
    closeVerifyInterval: ({ context }) =>
      Math.max(1, Math.floor(context.spec.settings.closeVerifyWindowMs / context.spec.settings.closeVerifyAttempts)),
  },
});

/** Why the last close of the request was refused, for a reason text (empty when it was not). */
function closeRefusalText(ctx: PositionContext): string {
  const last = ctx.closes.at(-1);
  return last?.send === 'rejected'
    ? `; the venue refused the close (${last.rejectReason ?? last.rejectCode ?? 'no reason given'})`
    : '';
}

/** Evidence from any source is folded into the context in every state. */
export const EVIDENCE_HANDLERS = {
  ORDER_REPORT: { actions: 'recordOrder' },
  FILL_REPORT: { actions: 'recordFill' },
  POSITION_REPORT: { actions: 'recordPosition' },
} as const;
