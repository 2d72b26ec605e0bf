/**
 * The `open` state of the position machine, where a position spends its life: it watches the
 * evidence, polls while something is awaited, places a new stop when one was lost under a live
 * position (or alerts when it gives up), reduces a confirmed over-fill reduce-only, and leaves
 * for `closing` on a close request, `verifyingClosed` when the venue went flat by itself, and
 * `orphanAlert` when someone turned the position around. See docs/architecture.md, The
 * position machine.
 */
import { and, assign, not } from 'xstate';
import { clientOrderId } from '../domain/client-order-id.js';
import { opposite } from '../domain/side.js';
import { newOrderTrack, withLast } from './order-track.js';
import { resumingStates } from './position.resume.js';
import { overFillAfterReduction } from './position.context.js';
import { EVIDENCE_HANDLERS, positionSetup } from './position.setup.js';
import {
  foldAck,
  foldEvidence,
  last,
  lookUpFirst,
  orderRequestOf,
  sendThrew,
  sent,
  stopToLookUp,
} from './position.steps.js';
import { excessToReduce, filledAmount } from './position.verdicts.js';

export function openState() {
  return positionSetup.createStateConfig({
    always: [
      { guard: 'closeRequested', target: 'closing', actions: assign({ attempts: 0 }) },
      {
        guard: and(['flatProven', 'entryFateKnown']),
        target: 'verifyingClosed',
        actions: [
          assign({ reason: 'the position went flat by itself (stop, liquidation or a manual close)' }),
          'armCloseWindow',
        ],
      },
      {
        // Someone else turned the position around: what the venue holds is not this position's any more.
        guard: 'flipped',
        target: 'orphanAlert',
        actions: [
          assign({
            orphanFrom: 'close' as const,
            attempts: 0,
            reason: ({ context }) =>
              `the venue holds ${context.live?.size} on the ${context.live?.side} side; this position was ${context.spec.intent.side}`,
          }),
          {
            type: 'raiseAlert',
            params: ({ context }) => ({
              kind: 'mismatch',
              topic: 'sideMismatch',
              message:
                `${context.spec.intent.symbol}: position ${context.spec.id} was ${context.spec.intent.side}, the venue now holds ${context.live?.size} on the ${context.live?.side} side; ` +
                'someone else changed it; posguard sends nothing for it, a human should look',
            }),
          },
        ],
      },
    ],
    initial: 'watching',
    states: {
      watching: {
        on: {
          // Nothing here is timed or invoked: RESUME only has the eventless transitions below
          // looked at again (every event does), without re-entering the state.
          RESUME: {},
          // The root's handlers again, where an open position spends its life: XState looks
          // for an event's transition from the deepest state up, so it stops here.
          ...EVIDENCE_HANDLERS,
        },
        always: [
          // A stop lost under a live position (disconnect protection, a manual cancel, an expiry), or due for a retry: a new one.
          { guard: 'newStopDue', target: '#position.protecting' },
          {
            guard: 'protectionGivenUp',
            actions: [
              assign({ protectionAlert: 'lost' as const }),
              {
                type: 'raiseAlert',
                params: ({ context }) => ({
                  kind: 'protectionLost',
                  message:
                    `${context.spec.intent.symbol}: position ${context.spec.id} holds ${context.live?.size ?? filledAmount(context)} without a stop on the venue ` +
                    `and posguard will place no more (${context.stops.length} placed); protect or close it by hand`,
                }),
              },
            ],
          },
          { guard: 'overFillConfirmed', target: 'reducingExcess' },
          { guard: 'needsEvidence', target: 'polling' },
        ],
      },
      polling: {
        on: { RESUME: { target: 'polling', reenter: true } },
        invoke: {
          src: 'queryEvidence',
          input: ({ context }) => ({
            symbol: context.spec.intent.symbol,
            order: stopToLookUp(context),
            position: true,
          }),
          onDone: {
            target: 'pollWait',
            actions: assign(({ context, event }) => ({
              ...foldEvidence(context, event.output),
              attempts: context.attempts + 1,
            })),
          },
          onError: { target: 'pollWait', actions: assign(({ context }) => ({ attempts: context.attempts + 1 })) },
        },
      },
      // Back to watching at once when nothing is awaited any more (it may have to act), else after the poll.
      pollWait: {
        always: { guard: not('needsEvidence'), target: 'watching' },
        on: { RESUME: 'watching' },
        after: { openPoll: 'watching' },
      },
      reducingExcess: {
        entry: [
          assign(({ context }) => {
            const role = `excess-${context.excess.length + 1}` as const;
            return {
              excess: [
                ...context.excess,
                newOrderTrack(
                  role,
                  clientOrderId(context.spec.id, role),
                  opposite(context.spec.intent.side),
                  excessToReduce(context),
                ),
              ],
            };
          }),
          {
            type: 'raiseAlert',
            params: ({ context }) => ({
              kind: 'mismatch',
              message:
                `${context.spec.intent.symbol} holds ${context.live?.size} where the intent asked for ${context.spec.intent.amount}; ` +
                `reducing the excess of ${context.excess.at(-1)?.amount} with a reduce-only order`,
            }),
          },
        ],
        always: 'sendingExcess',
      },
      ...resumingStates('excess', 'sendingExcess', 'watching'),
      sendingExcess: {
        invoke: {
          src: 'sendOrder',
          input: ({ context }) => {
            const t = last(context.excess, 'the reduction to send');
            return {
              positionId: context.spec.id,
              role: t.role,
              request: orderRequestOf(context, t),
              phase: 'open',
              ...lookUpFirst(context),
            };
          },
          onDone: {
            target: 'watching',
            actions: assign(({ context, event }) => {
              const next = foldAck(
                {
                  ...context,
                  excess: withLast(context.excess, sent(last(context.excess, 'the reduction sent'), event.output)),
                },
                event.output,
              );
              // A reduction its reply already shows ended (refused, or filled nothing) leaves the over-fill armed again.
              return { ...next, overFillSince: overFillAfterReduction(next, event.output.at) };
            }),
          },
          onError: {
            target: 'watching',
            actions: assign(({ context }) => ({
              excess: withLast(context.excess, sendThrew(last(context.excess, 'the reduction sent'), context)),
              overFillSince: undefined,
            })),
          },
        },
      },
    },
  });
}
