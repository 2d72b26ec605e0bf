/**
 * The closing states of the position machine (`closing` and `rollingBack` share them), and the
 * stop release that `verifyingClosed` and `orphanAlert` share. A close is planned only from a
 * fresh report of the live position (`planClose`: reduce-only, sided and sized from it); a
 * further close only after the previous one is terminal and a fresh report still shows a
 * remainder. A close request has a budget of `maxCloseOrders` orders that may have executed,
 * and of transient retries (honouring the venue's retry-after) for about `timeoutMs`; then the
 * position goes to verification, and from there to a human if it is not flat.
 */
import { assign } from 'xstate';
import { clientOrderId, type OrderRole } from '../domain/client-order-id.js';
import { newOrderTrack, withLast } from './order-track.js';
import { closeRefusedWhy, planNextClose } from './position.close-rules.js';
import { outstandingStop } from './protection.js';
import { resumingStates } from './position.resume.js';
import { positionSetup } from './position.setup.js';
import { foldAck, foldEvidence, last, lookup, lookUpFirst, orderRequestOf, sendThrew, sent } from './position.steps.js';

export { planNextClose, type ClosePlanResult } from './position.close-rules.js';

export function closingStates() {
  return positionSetup.createStateConfig({
    initial: 'assessing',
    states: {
      assessing: {
        always: [
          { guard: 'flatProven', target: `#position.verifyingClosed`, actions: 'armCloseWindow' },
          { guard: 'closeInFlight', target: 'awaitingTerminal' },
          { guard: 'closeBudgetSpent', target: '#position.verifyingClosed', actions: 'armCloseWindow' },
          // No read ahead of the request's first close when the report held is usable.
          { guard: 'firstCloseOnKnownReport', target: 'planning' },
          { target: 'fetching' },
        ],
      },
      fetching: {
        on: { RESUME: { target: 'fetching', reenter: true } },
        invoke: {
          src: 'queryEvidence',
          input: ({ context }) => ({ symbol: context.spec.intent.symbol, order: undefined, position: true }),
          onDone: { target: 'planning', actions: assign(({ context, event }) => foldEvidence(context, event.output)) },
          onError: 'retryWait',
        },
      },
      planning: {
        always: [
          { guard: 'flatProven', target: '#position.verifyingClosed', actions: 'armCloseWindow' },
          { guard: 'closeBudgetSpent', target: '#position.verifyingClosed', actions: 'armCloseWindow' },
          // A flat report that does not count yet (REST lagging a fill), or no report received
          // within `reportStaleMs`: never plan a close on it, ask again.
          { guard: 'noUsableReport', target: 'retryWait' },
          {
            guard: 'closeRefusedByPlan',
            target: '#position.orphanAlert',
            actions: [
              assign({
                reason: ({ context }) => `close refused: ${closeRefusedWhy(context)}`,
                attempts: 0,
                orphanFrom: 'close' as const,
              }),
              'closeGivenUp',
              {
                type: 'raiseAlert',
                params: ({ context }) => ({
                  kind: 'closeRefused',
                  message: `${context.spec.intent.symbol}: posguard will not send a close: ${closeRefusedWhy(context)}`,
                }),
              },
            ],
          },
          {
            target: 'sending',
            actions: assign(({ context }) => {
              const r = planNextClose(context);
              if (r.kind !== 'order') return {};
              const role: OrderRole = `close-${context.closes.length + 1}`;
              return {
                closes: [
                  ...context.closes,
                  newOrderTrack(role, clientOrderId(context.spec.id, role), r.plan.side, r.plan.amount),
                ],
              };
            }),
          },
        ],
      },
      ...resumingStates('closes', 'sending', 'awaitingTerminal'),
      sending: {
        invoke: {
          src: 'sendOrder',
          input: ({ context }) => {
            const t = last(context.closes, 'a close order to send');
            const phase = context.closeRequest?.reason === 'protection-refused' ? 'rollingBack' : 'closing';
            return {
              positionId: context.spec.id,
              role: t.role,
              request: orderRequestOf(context, t),
              phase,
              ...lookUpFirst(context),
            };
          },
          onDone: [
            {
              // Refused (a rate limit, or the venue's word on this order): plan again from a fresh report.
              guard: 'sendRejected',
              target: 'retryWait',
              actions: assign(({ context, event }) =>
                foldAck(
                  {
                    ...context,
                    closes: withLast(context.closes, sent(last(context.closes, 'the close sent'), event.output)),
                  },
                  event.output,
                ),
              ),
            },
            {
              target: 'awaitingTerminal',
              actions: assign(({ context, event }) => ({
                ...foldAck(
                  {
                    ...context,
                    closes: withLast(context.closes, sent(last(context.closes, 'the close sent'), event.output)),
                  },
                  event.output,
                ),
                armedAt: event.output.at,
                deadline: event.output.at + context.spec.settings.timeoutMs,
              })),
            },
          ],
          onError: {
            target: 'awaitingTerminal',
            actions: assign(({ context }) => ({
              closes: withLast(context.closes, sendThrew(last(context.closes, 'the close sent'), context)),
              armedAt: context.seenAt,
              deadline: context.seenAt + context.spec.settings.timeoutMs,
            })),
          },
        },
      },
      // After a restore, the waiting states are entered again to re-arm their timers; the
      // sending state is not: its restarted send is answered Unknown by the journal's claim.
      awaitingTerminal: {
        on: {
          RESUME: {
            target: 'awaitingTerminal',
            reenter: true,
            actions: { type: 'rearmIfExpired', params: { window: 'timeout' } },
          },
        },
        always: [
          { guard: 'closeFilledFully', target: '#position.verifyingClosed', actions: 'armCloseWindow' },
          // Terminal with a remainder: assess again from a fresh report.
          { guard: 'closeTerminal', target: 'assessing' },
        ],
        after: { untilDeadline: { target: '#position.verifyingClosed', actions: 'armCloseWindow' } },
        initial: 'querying',
        states: {
          querying: {
            invoke: {
              src: 'queryEvidence',
              input: ({ context }) => ({
                symbol: context.spec.intent.symbol,
                order: lookup(last(context.closes, 'the close awaited')),
                position: true,
              }),
              onDone: {
                target: 'waiting',
                actions: assign(({ context, event }) => foldEvidence(context, event.output)),
              },
              onError: 'waiting',
            },
          },
          waiting: { after: { poll: 'querying' } },
        },
      },
      retryWait: {
        on: { RESUME: { target: 'retryWait', reenter: true } },
        always: { guard: 'closeRetriesSpent', target: '#position.verifyingClosed', actions: 'armCloseWindow' },
        entry: assign({ attempts: ({ context }) => context.attempts + 1 }),
        after: { closeRetry: 'fetching' },
      },
    },
  });
}

/**
 * Cancels the position's oldest stop that may still be on the venue and waits until a report
 * shows it terminal (cancelled, or filled if it fired). `back` is the sibling state to return
 * to while waiting; the caller comes back here while any stop is outstanding. posguard cancels
 * its own stops even where the venue would expire them.
 */
export function releasingStopStates(back: string) {
  return {
    releasingStop: positionSetup.createStateConfig({
      invoke: {
        src: 'cancelOrder',
        input: ({ context }) => ({ symbol: context.spec.intent.symbol, ...lookup(outstandingStop(context)) }),
        onDone: 'confirmingStop',
        onError: 'confirmingStop',
      },
    }),
    confirmingStop: positionSetup.createStateConfig({
      invoke: {
        src: 'queryEvidence',
        input: ({ context }) => ({
          symbol: context.spec.intent.symbol,
          order: lookup(outstandingStop(context)),
          position: false,
        }),
        onDone: { target: back, actions: assign(({ context, event }) => foldEvidence(context, event.output)) },
        onError: back,
      },
    }),
  };
}
