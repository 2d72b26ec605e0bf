/**
 * The `protecting` state of the position machine: a stop is placed (or resumed by a look-up),
 * then confirmed by the venue within `timeoutMs`; refused, the position rolls back or stays
 * open unprotected by the policy, alerted; unconfirmed at the deadline, it is `open`, marked
 * and alerted, the stop still looked up. The rules of stops are in `protection.ts`; see
 * docs/architecture.md, Protection.
 */
import { assign, not } from 'xstate';
import { clientOrderId } from '../domain/client-order-id.js';
import { opposite } from '../domain/side.js';
import { newOrderTrack, withLast } from './order-track.js';
import type { PositionContext } from './position.context.js';
import { resumingStates } from './position.resume.js';
import { newCloseRequest } from './position.close-rules.js';
import { positionSetup } from './position.setup.js';
import { foldAck, last, lookup, lookUpFirst, orderRequestOf, queryLoop, sendThrew, sent } from './position.steps.js';
import { filledAmount } from './position.verdicts.js';
import { currentStop, nextStop, stopRetryAt } from './protection.js';

/** The stop was not confirmed in time: `open`, marked unconfirmed, alerted once; it is still looked up. */
const unconfirmedAtDeadline = [
  {
    guard: 'unconfirmedNotAlerted',
    target: '#position.open',
    actions: [
      'noteUnconfirmed',
      {
        type: 'raiseAlert',
        params: ({ context }: { context: PositionContext }) => ({
          kind: 'protectionUnconfirmed' as const,
          message:
            `${context.spec.intent.symbol}: the stop-loss at ${context.spec.intent.stopLoss} (${currentStop(context)?.clientOrderId ?? 'not placed'}) ` +
            `is not confirmed by the venue after ${context.spec.settings.timeoutMs} ms; the position is open and may be unprotected, posguard keeps looking the stop up`,
        }),
      },
    ],
  },
  { target: '#position.open', actions: 'resetAttempts' },
] as const;

export function protectingState() {
  return positionSetup.createStateConfig({
    initial: 'placing',
    entry: 'armTimeout',
    always: [
      { guard: 'stopSettled', target: 'open', actions: assign({ protectionAlert: undefined }) },
      { guard: 'stopRefused', target: '.refused' },
      // Accepted, then ended without executing: lost, never refused. `open` replaces it or alerts.
      { guard: 'stopLost', target: 'open' },
    ],
    states: {
      // A new stop track, then its send (a restored send is resumed by looking it up first).
      placing: {
        entry: assign(({ context }) => {
          const { role, amount } = nextStop(context);
          return {
            stops: [
              ...context.stops,
              newOrderTrack(role, clientOrderId(context.spec.id, role), opposite(context.spec.intent.side), amount),
            ],
          };
        }),
        always: 'sendingStop',
      },
      ...resumingStates('stops', 'sendingStop', 'confirming'),
      sendingStop: {
        invoke: {
          src: 'sendOrder',
          input: ({ context }) => {
            const stop = last(context.stops, 'the stop being placed');
            return {
              positionId: context.spec.id,
              role: stop.role,
              request: orderRequestOf(context, stop, context.spec.intent.stopLoss),
              phase: 'protecting',
              ...lookUpFirst(context),
            };
          },
          onDone: [
            {
              // A rate limit, a claim that could not be written, a clock problem: not processed, placed again later.
              guard: 'sendRefusedTransiently',
              target: 'retryWait',
              actions: assign(({ context, event }) => {
                const o = event.output.outcome;
                const stop = {
                  ...sent(last(context.stops, 'the stop placed'), event.output),
                  retryAt: stopRetryAt(context, event.output.at, o.kind === 'rejected' ? o.retryAfterMs : undefined),
                };
                return foldAck({ ...context, stops: withLast(context.stops, stop) }, event.output);
              }),
            },
            {
              // The stop has `timeoutMs` from when its send returned to be confirmed.
              target: 'confirming',
              actions: assign(({ context, event }) => ({
                ...foldAck(
                  {
                    ...context,
                    stops: withLast(context.stops, sent(last(context.stops, 'the stop placed'), event.output)),
                  },
                  event.output,
                ),
                deadline: event.output.at + context.spec.settings.timeoutMs,
                armedAt: event.output.at,
                attempts: 0,
              })),
            },
          ],
          onError: {
            target: 'confirming',
            actions: assign(({ context }) => ({
              stops: withLast(context.stops, sendThrew(last(context.stops, 'the stop placed'), context)),
              deadline: context.seenAt + context.spec.settings.timeoutMs,
              armedAt: context.seenAt,
              attempts: 0,
            })),
          },
        },
      },
      retryWait: {
        always: [{ guard: 'closeRequested', target: '#position.closing', actions: assign({ attempts: 0 }) }],
        on: {
          RESUME: {
            target: 'retryWait',
            reenter: true,
            actions: { type: 'rearmIfExpired', params: { window: 'timeout' } },
          },
        },
        after: {
          untilStopRetry: [{ guard: not('stopBudgetSpent'), target: 'placing' }, { target: '#position.open' }],
          untilDeadline: unconfirmedAtDeadline,
        },
      },
      confirming: {
        // A close asked for while the stop is confirmed is carried out now (the stop is released at the end).
        always: [{ guard: 'closeRequested', target: '#position.closing', actions: assign({ attempts: 0 }) }],
        on: {
          RESUME: {
            target: 'confirming',
            reenter: true,
            actions: { type: 'rearmIfExpired', params: { window: 'timeout' } },
          },
        },
        after: { untilDeadline: unconfirmedAtDeadline },
        ...queryLoop('poll', ({ context }) => ({
          symbol: context.spec.intent.symbol,
          order: lookup(last(context.stops, 'the stop to confirm')),
          position: true,
        })),
      },
      refused: {
        always: [
          {
            guard: 'rollbackOnFailure',
            target: '#position.rollingBack',
            actions: [
              {
                type: 'raiseAlert',
                params: ({ context }) => ({
                  kind: 'protectionFailed',
                  message: `${protectionText(context)}; rolling back`,
                }),
              },
              assign(({ context }) => ({
                protectionAlert: 'refused' as const,
                attempts: 0,
                ...newCloseRequest(context, 'protection-refused', undefined, undefined),
              })),
            ],
          },
          {
            target: '#position.open',
            actions: [
              assign({ protectionAlert: 'refused' as const }),
              {
                type: 'raiseAlert',
                params: ({ context }) => ({
                  kind: 'protectionFailed',
                  message: `${protectionText(context)}; the position stays open unprotected`,
                }),
              },
            ],
          },
        ],
      },
    },
  });
}

function protectionText(ctx: PositionContext): string {
  const stop = currentStop(ctx);
  const why = stop?.rejectReason ?? stop?.report?.rejectReason ?? ctx.reason ?? stop?.report?.status ?? 'not confirmed';
  return `the stop-loss at ${ctx.spec.intent.stopLoss} for ${ctx.spec.intent.side} ${filledAmount(ctx)} ${ctx.spec.intent.symbol} was refused by the venue (${why})`;
}
