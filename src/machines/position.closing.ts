/**
 * The states that take a position down: `closing` (the user asked) and `rollingBack`
 * (protection was refused) share one shape, and the stop release shared by `verifyingClosed`
 * and `orphanAlert`.
 *
 * A close is planned by `planClose` on the freshest live report only: a flat report that
 * counts goes straight to verification; a flat report that does not count (a stale REST read)
 * is waited out; a side that disagrees, or hedge mode, is refused with an alert. A further
 * close is sent only once the previous one is terminal and a fresh report still shows a
 * remainder.
 */
import { assign } from 'xstate';
import { clientOrderId, type OrderRole } from '../domain/client-order-id.js';
import { planClose, type PlannedClose } from '../domain/close-plan.js';
import { isZero } from '../domain/decimal.js';
import { CloseRefused } from '../domain/errors.js';
import { freshNonFlat, isTerminal, newOrderTrack, ownHolding, type OrderTrack, type PositionContext } from './position.context.js';
import { errorText, foldAck, foldEvidence, lookup, orderRequestOf, positionSetup, sendThrew, sent } from './position.setup.js';

export type ClosePlanResult = { readonly kind: 'order'; readonly plan: PlannedClose } | { readonly kind: 'refused'; readonly why: string };

/** Plans the next close from the freshest live report (pure). */
export function planNextClose(ctx: PositionContext): ClosePlanResult {
  if (ctx.live === undefined) return { kind: 'refused', why: 'no position report has been received' };
  try {
    const plan = planClose(ctx.live, ctx.intent, ctx.market, { ownFilled: ownHolding(ctx), mode: ctx.hedgeMode ? 'hedge' : 'one-way' });
    return { kind: 'order', plan };
  } catch (e) {
    if (e instanceof CloseRefused) return { kind: 'refused', why: e.message };
    return { kind: 'refused', why: errorText(e) };
  }
}

const lastClose = (ctx: PositionContext): OrderTrack | undefined => ctx.closes.at(-1);

/** The last close was sent (or may have been) and is not yet known terminal. */
const closeInFlight = (ctx: PositionContext): boolean => {
  const t = lastClose(ctx);
  if (t === undefined) return false;
  if (t.report !== undefined) return !isTerminal(t);
  return t.send === 'accepted' || t.send === 'unknown';
};

/** The last close filled all it was asked to. */
const closeFilledFully = (ctx: PositionContext): boolean => {
  const t = lastClose(ctx);
  return t?.report !== undefined && t.report.status === 'filled';
};

const liveFlat = (ctx: PositionContext): boolean => ctx.live !== undefined && isZero(ctx.live.size);

export function closingStates() {
  return positionSetup.createStateConfig({
    initial: 'assessing',
    states: {
      assessing: {
        always: [
          { guard: 'flatProven', target: `#position.verifyingClosed`, actions: 'armCloseWindow' },
          { guard: ({ context }) => closeInFlight(context), target: 'awaitingTerminal' },
          { guard: ({ context }) => context.closes.length >= context.settings.maxCloseOrders, target: '#position.verifyingClosed', actions: 'armCloseWindow' },
          { target: 'fetching' },
        ],
      },
      fetching: {
        on: { RESUME: { target: 'fetching', reenter: true } },
        invoke: {
          src: 'queryEvidence',
          input: ({ context }) => ({ symbol: context.intent.symbol, order: undefined, position: true }),
          onDone: { target: 'planning', actions: assign(({ context, event }) => foldEvidence(context, event.output)) },
          onError: 'retryWait',
        },
      },
      planning: {
        always: [
          { guard: 'flatProven', target: '#position.verifyingClosed', actions: 'armCloseWindow' },
          { guard: ({ context }) => context.closes.length >= context.settings.maxCloseOrders, target: '#position.verifyingClosed', actions: 'armCloseWindow' },
          // A flat report that does not count yet (REST lagging a fill), or no report received
          // within `reportStaleMs`: never plan a close on it, ask again.
          { guard: ({ context }) => liveFlat(context) || !freshNonFlat(context, context.seenAt), target: 'retryWait' },
          {
            guard: ({ context }) => planNextClose(context).kind === 'refused',
            target: '#position.orphanAlert',
            actions: [
              assign({ reason: ({ context }) => `close refused: ${(planNextClose(context) as { why: string }).why}`, attempts: 0 }),
              { type: 'raiseAlert', params: ({ context }) => ({
                kind: 'closeRefused',
                message: `${context.intent.symbol}: posguard will not send a close: ${(planNextClose(context) as { why: string }).why}`,
              }) },
            ],
          },
          {
            target: 'sending',
            actions: assign(({ context }) => {
              const plan = (planNextClose(context) as { plan: PlannedClose }).plan;
              const role: OrderRole = `close-${context.closes.length + 1}`;
              return { closes: [...context.closes, newOrderTrack(role, clientOrderId(context.id, role), plan.side, plan.amount)] };
            }),
          },
        ],
      },
      sending: {
        invoke: {
          src: 'sendOrder',
          input: ({ context }) => {
            const t = lastClose(context) as OrderTrack;
            const phase = context.closeRequested === 'protection-refused' ? 'rollingBack' : 'closing';
            return { positionId: context.id, role: t.role, request: orderRequestOf(context, t), phase };
          },
          onDone: [
            {
              guard: ({ event }) => event.output.outcome.kind === 'rejected',
              target: 'retryWait',
              actions: assign(({ context, event }) => foldAck({ ...context, closes: replaceLast(context.closes, sent(lastClose(context) as OrderTrack, event.output)) }, event.output)),
            },
            {
              target: 'awaitingTerminal',
              actions: assign(({ context, event }) => ({
                ...foldAck({ ...context, closes: replaceLast(context.closes, sent(lastClose(context) as OrderTrack, event.output)) }, event.output),
                armedAt: event.output.at, deadline: event.output.at + context.settings.timeoutMs,
              })),
            },
          ],
          onError: {
            target: 'awaitingTerminal',
            actions: assign(({ context }) => ({
              closes: replaceLast(context.closes, sendThrew(lastClose(context) as OrderTrack, context)),
              armedAt: context.seenAt, deadline: context.seenAt + context.settings.timeoutMs,
            })),
          },
        },
      },
      // After a restore, the waiting states are entered again to re-arm their timers; the
      // sending state is not: its restarted send is answered Unknown by the journal's claim.
      awaitingTerminal: {
        on: { RESUME: { target: 'awaitingTerminal', reenter: true, actions: { type: 'rearmIfExpired', params: { window: 'timeout' } } } },
        always: [
          { guard: ({ context }) => closeFilledFully(context), target: '#position.verifyingClosed', actions: 'armCloseWindow' },
          // Terminal with a remainder: assess again from a fresh report.
          { guard: ({ context }) => isTerminal(lastClose(context)), target: 'assessing' },
        ],
        after: { untilDeadline: { target: '#position.verifyingClosed', actions: 'armCloseWindow' } },
        initial: 'querying',
        states: {
          querying: {
            invoke: {
              src: 'queryEvidence',
              input: ({ context }) => ({ symbol: context.intent.symbol, order: lookup(lastClose(context) as OrderTrack), position: true }),
              onDone: { target: 'waiting', actions: assign(({ context, event }) => foldEvidence(context, event.output)) },
              onError: 'waiting',
            },
          },
          waiting: { after: { poll: 'querying' } },
        },
      },
      retryWait: {
        on: { RESUME: { target: 'retryWait', reenter: true } },
        always: { guard: ({ context }) => context.attempts >= context.settings.closeVerifyAttempts, target: '#position.verifyingClosed', actions: 'armCloseWindow' },
        entry: assign({ attempts: ({ context }) => context.attempts + 1 }),
        after: { poll: 'fetching' },
      },
    },
  });
}

/**
 * Cancels the position's stop and waits until a report shows it terminal (cancelled, or
 * filled if it fired). `back` is the sibling state to return to while waiting.
 */
export function releasingStopStates(back: string) {
  return {
    releasingStop: positionSetup.createStateConfig({
      invoke: {
        src: 'cancelOrder',
        input: ({ context }) => ({ symbol: context.intent.symbol, ...lookup(context.stop as OrderTrack) }),
        onDone: 'confirmingStop',
        onError: 'confirmingStop',
      },
    }),
    confirmingStop: positionSetup.createStateConfig({
      invoke: {
        src: 'queryEvidence',
        input: ({ context }) => ({ symbol: context.intent.symbol, order: lookup(context.stop as OrderTrack), position: false }),
        onDone: { target: back, actions: assign(({ context, event }) => foldEvidence(context, event.output)) },
        onError: back,
      },
    }),
  };
}

function replaceLast(ts: readonly OrderTrack[], t: OrderTrack): OrderTrack[] {
  return [...ts.slice(0, -1), t];
}
