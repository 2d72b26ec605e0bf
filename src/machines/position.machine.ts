/**
 * The position machine (see docs/architecture.md, The position machine): one actor per position, from intent to a proven
 * end. Pure: every effect is a named slot (`prepareEntry`, `sendOrder`, `queryEvidence`,
 * `cancelOrder`, `raiseAlert`) filled with `machine.provide()` by the wiring; every delay is
 * computed from absolute deadlines kept in context, so a restored actor re-arms its timers
 * when it receives `RESUME`.
 *
 * Receives: `ORDER_REPORT`, `FILL_REPORT`, `POSITION_REPORT` (from the feed), `FEED` (up or
 * down), `CLOSE` (the user, with a request id), `ADOPT` (reconciliation), `RESUME` (after a
 * restore). The rules of stops are in `protection.ts`, of closes in `position.closing.ts`, of
 * what evidence proves in `position.verdicts.ts`; see docs/architecture.md, The position
 * machine.
 * Sends: orders and queries through its slots; alerts through `raiseAlert`.
 *
 * @example
 * const actor = createActor(positionMachine.provide(wiring), { input });
 * actor.start(); actor.getSnapshot().value; // 'pending' | { verifying: 'querying' } | …
 */
import { and, assign, not } from 'xstate';
import { clientOrderId } from '../domain/client-order-id.js';
import { opposite } from '../domain/side.js';
import { newOrderTrack, withLast } from './order-track.js';
import type { PositionContext } from './position.context.js';
import { closingStates, releasingStopStates } from './position.closing.js';
import { resumingStates } from './position.resume.js';
import { initialContext } from './position.start.js';
import {
  errorText, foldAck, foldEvidence, last, lookup, orderRequestOf, positionSetup, queryLoop, sendThrew, sent, stopToLookUp, verdictReason,
} from './position.setup.js';
import { entryVerdict, excessToReduce, filledAmount } from './position.verdicts.js';
import { currentStop, nextStop, stopRetryAt } from './protection.js';

export type { PositionEvent, PositionInput } from './position.events.js';
export { adoptedContext } from './position.start.js';

/** The public state names (API, dashboard, metrics). */
export const POSITION_STATES = [
  'pending', 'verifying', 'unknown', 'protecting', 'open', 'closing', 'rollingBack', 'verifyingClosed',
  'closed', 'failed', 'orphanAlert',
] as const;
export type PositionStateName = (typeof POSITION_STATES)[number];
export const FINAL_STATES: readonly PositionStateName[] = ['closed', 'failed'];

const closeUnverifiedAlert = {
  type: 'raiseAlert',
  params: ({ context }: { context: PositionContext }) => ({
    kind: 'closeUnverified' as const,
    message: `${context.spec.intent.symbol}: ${context.reason ?? 'the close could not be verified'}; posguard keeps watching, a human should check the venue`,
  }),
} as const;

/** Into `orphanAlert` after a close that could not be completed: it stays there until flat is proven, a close or an adopt. */
const toHumanAfterClose = ['giveUpClose', 'orphanAfterClose', 'closeGivenUp', closeUnverifiedAlert] as const;

/** Evidence from any source is folded into the context in every state. */
const EVIDENCE_HANDLERS = {
  ORDER_REPORT: { actions: 'recordOrder' },
  FILL_REPORT: { actions: 'recordFill' },
  POSITION_REPORT: { actions: 'recordPosition' },
} as const;

/** While the entry's fate is open: filled → protect (or open), dead (zero fill) → failed. */
const entryDecided = positionSetup.createStateConfig({
  always: [
    { guard: and(['entryFilled', 'hasStop']), target: '#position.protecting' },
    { guard: 'entryFilled', target: '#position.open' },
    { guard: 'entryDead', target: '#position.failed', actions: assign({ reason: ({ context }) => verdictReason(context) }) },
  ],
});

/** At the deadline, a proven partial fill is a position of that size. */
const partialAtDeadline = [
  { guard: and(['entryPartial', 'hasStop']), target: '#position.protecting' },
  { guard: 'entryPartial', target: '#position.open' },
] as const;

/** The stop was not confirmed in time: `open`, marked unconfirmed, alerted once; it is still looked up. */
const unconfirmedAtDeadline = [
  {
    guard: 'unconfirmedNotAlerted',
    target: '#position.open',
    actions: [
      'noteUnconfirmed',
      { type: 'raiseAlert', params: ({ context }: { context: PositionContext }) => ({
        kind: 'protectionUnconfirmed' as const,
        message: `${context.spec.intent.symbol}: the stop-loss at ${context.spec.intent.stopLoss} (${currentStop(context)?.clientOrderId ?? 'not placed'}) `
          + `is not confirmed by the venue after ${context.spec.settings.timeoutMs} ms; the position is open and may be unprotected, posguard keeps looking the stop up`,
      }) },
    ],
  },
  { target: '#position.open', actions: 'resetAttempts' },
] as const;

export const positionMachine = positionSetup.createMachine({
  id: 'position',
  context: ({ input }) => initialContext(input),
  initial: 'pending',
  on: {
    ...EVIDENCE_HANDLERS,
    // A feed state the position already knows changes nothing (no new context, nothing to write).
    FEED: { guard: 'feedChanges', actions: 'recordFeed' },
    CLOSE: { actions: 'recordClose' },
  },
  states: {
    pending: {
      initial: 'journaling',
      states: {
        journaling: {
          invoke: {
            src: 'prepareEntry',
            input: ({ context }) => ({ positionId: context.spec.id, intent: context.spec.intent, clientOrderId: context.entry.clientOrderId }),
            onDone: [
              {
                // Already on the venue (a keyed intent the store forgot): verified, never sent again.
                guard: 'entryAlreadyOnVenue',
                target: '#position.verifying',
                actions: assign(({ context, event }) => {
                  const entry = { ...context.entry, send: 'accepted' as const, sentAt: event.output.at };
                  return {
                    ...foldEvidence({ ...context, entry, baseline: event.output.baseline }, { at: event.output.at, order: event.output.found, position: undefined, failures: [] }),
                    deadline: event.output.at + context.spec.settings.timeoutMs, armedAt: event.output.at, attempts: 0,
                  };
                }),
              },
              { target: 'sending', actions: assign({ baseline: ({ event }) => event.output.baseline }) },
            ],
            onError: {
              target: '#position.failed',
              actions: assign({ reason: ({ event }) => `before the entry was sent: ${errorText(event.error)}` }),
            },
          },
        },
        // A restored send looks its order up first (position.resume.ts).
        ...resumingStates('entry', 'sending', '#position.verifying'),
        sending: {
          invoke: {
            src: 'sendOrder',
            input: ({ context }) => ({ positionId: context.spec.id, role: context.entry.role, request: orderRequestOf(context, context.entry), phase: 'pending' }),
            onDone: [
              {
                guard: 'sendRejected',
                target: '#position.failed',
                actions: assign(({ context, event }) => ({
                  ...foldAck({ ...context, entry: sent(context.entry, event.output) }, event.output),
                  reason: `the venue rejected the entry: ${event.output.outcome.kind === 'rejected' ? event.output.outcome.reason : ''}`,
                })),
              },
              {
                target: '#position.verifying',
                actions: assign(({ context, event }) => ({
                  ...foldAck({ ...context, entry: sent(context.entry, event.output) }, event.output),
                  deadline: event.output.at + context.spec.settings.timeoutMs, armedAt: event.output.at, attempts: 0,
                })),
              },
            ],
            // A send that threw may have reached the venue: Unknown, resolved by looking it up.
            onError: {
              target: '#position.verifying',
              actions: assign(({ context }) => ({
                entry: sendThrew(context.entry, context),
                deadline: context.seenAt + context.spec.settings.timeoutMs, armedAt: context.seenAt, attempts: 0,
              })),
            },
          },
        },
      },
    },

    verifying: {
      always: entryDecided.always,
      after: {
        untilDeadline: [
          ...partialAtDeadline,
          {
            target: 'unknown',
            actions: assign(({ context }) => ({
              armedAt: context.deadline, deadline: context.deadline + context.spec.settings.unknownAlertAfterMs, attempts: 0,
            })),
          },
        ],
      },
      // A restored position looks the order up before a deadline that ran out while no worker ran concludes anything.
      on: { RESUME: { target: 'verifying', reenter: true, actions: { type: 'rearmIfExpired', params: { window: 'timeout' } } } },
      ...queryLoop('poll', ({ context }) => ({ symbol: context.spec.intent.symbol, order: lookup(context.entry), position: true })),
    },

    unknown: {
      always: entryDecided.always,
      after: {
        untilDeadline: [
          ...partialAtDeadline,
          {
            target: 'orphanAlert',
            actions: [
              assign({ reason: 'the entry order could not be found or proven filled or dead', attempts: 0, orphanFrom: 'entry' as const }),
              { type: 'raiseAlert', params: ({ context }) => ({
                kind: 'unknownOrder',
                message: `entry ${context.entry.clientOrderId} (${context.spec.intent.side} ${context.spec.intent.amount} ${context.spec.intent.symbol}) `
                  + `is still unknown after ${context.spec.settings.timeoutMs + context.spec.settings.unknownAlertAfterMs} ms; the symbol stays locked`,
              }) },
            ],
          },
        ],
      },
      on: { RESUME: { target: 'unknown', reenter: true, actions: { type: 'rearmIfExpired', params: { window: 'unknown' } } } },
      ...queryLoop('backoff', ({ context }) => ({ symbol: context.spec.intent.symbol, order: lookup(context.entry), position: true })),
    },

    protecting: {
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
            return { stops: [...context.stops, newOrderTrack(role, clientOrderId(context.spec.id, role), opposite(context.spec.intent.side), amount)] };
          }),
          always: 'sendingStop',
        },
        ...resumingStates('stops', 'sendingStop', 'confirming'),
        sendingStop: {
          invoke: {
            src: 'sendOrder',
            input: ({ context }) => {
              const stop = last(context.stops, 'the stop being placed');
              return { positionId: context.spec.id, role: stop.role, request: orderRequestOf(context, stop, context.spec.intent.stopLoss), phase: 'protecting' };
            },
            onDone: [
              {
                // A rate limit, a claim that could not be written, a clock problem: not processed, placed again later.
                guard: 'sendRefusedTransiently',
                target: 'retryWait',
                actions: assign(({ context, event }) => {
                  const o = event.output.outcome;
                  const stop = { ...sent(last(context.stops, 'the stop placed'), event.output), retryAt: stopRetryAt(context, event.output.at, o.kind === 'rejected' ? o.retryAfterMs : undefined) };
                  return foldAck({ ...context, stops: withLast(context.stops, stop) }, event.output);
                }),
              },
              {
                // The stop has `timeoutMs` from when its send returned to be confirmed.
                target: 'confirming',
                actions: assign(({ context, event }) => ({
                  ...foldAck({ ...context, stops: withLast(context.stops, sent(last(context.stops, 'the stop placed'), event.output)) }, event.output),
                  deadline: event.output.at + context.spec.settings.timeoutMs, armedAt: event.output.at, attempts: 0,
                })),
              },
            ],
            onError: {
              target: 'confirming',
              actions: assign(({ context }) => ({
                stops: withLast(context.stops, sendThrew(last(context.stops, 'the stop placed'), context)),
                deadline: context.seenAt + context.spec.settings.timeoutMs, armedAt: context.seenAt, attempts: 0,
              })),
            },
          },
        },
        retryWait: {
          always: [{ guard: 'closeRequested', target: '#position.closing', actions: assign({ attempts: 0 }) }],
          on: { RESUME: { target: 'retryWait', reenter: true, actions: { type: 'rearmIfExpired', params: { window: 'timeout' } } } },
          after: {
            untilStopRetry: [
              { guard: not('stopBudgetSpent'), target: 'placing' },
              { target: '#position.open' },
            ],
            untilDeadline: unconfirmedAtDeadline,
          },
        },
        confirming: {
          // A close asked for while the stop is confirmed is carried out now (the stop is released at the end).
          always: [{ guard: 'closeRequested', target: '#position.closing', actions: assign({ attempts: 0 }) }],
          on: { RESUME: { target: 'confirming', reenter: true, actions: { type: 'rearmIfExpired', params: { window: 'timeout' } } } },
          after: { untilDeadline: unconfirmedAtDeadline },
          ...queryLoop('poll', ({ context }) => ({
            symbol: context.spec.intent.symbol, order: lookup(last(context.stops, 'the stop to confirm')), position: true,
          })),
        },
        refused: {
          always: [
            {
              guard: 'rollbackOnFailure',
              target: '#position.rollingBack',
              actions: [
                { type: 'raiseAlert', params: ({ context }) => ({ kind: 'protectionFailed', message: `${protectionText(context)}; rolling back` }) },
                assign(({ context }) => ({
                  protectionAlert: 'refused' as const, attempts: 0,
                  closeRequest: { reason: 'protection-refused' as const, id: undefined, at: context.seenAt, firstClose: context.closes.length, status: 'active' as const },
                })),
              ],
            },
            {
              target: '#position.open',
              actions: [
                assign({ protectionAlert: 'refused' as const }),
                { type: 'raiseAlert', params: ({ context }) => ({ kind: 'protectionFailed', message: `${protectionText(context)}; the position stays open unprotected` }) },
              ],
            },
          ],
        },
      },
    },

    open: {
      always: [
        { guard: 'closeRequested', target: 'closing', actions: assign({ attempts: 0 }) },
        { guard: and(['flatProven', 'entryFateKnown']), target: 'verifyingClosed', actions: [assign({ reason: 'the position went flat by itself (stop, liquidation or a manual close)' }), 'armCloseWindow'] },
        {
          // Someone else turned the position around: what the venue holds is not this position's any more.
          guard: 'flipped',
          target: 'orphanAlert',
          actions: [
            assign({ orphanFrom: 'close' as const, attempts: 0, reason: ({ context }) => `the venue holds ${context.live?.size} on the ${context.live?.side} side; this position was ${context.spec.intent.side}` }),
            { type: 'raiseAlert', params: ({ context }) => ({
              kind: 'mismatch', topic: 'sideMismatch',
              message: `${context.spec.intent.symbol}: position ${context.spec.id} was ${context.spec.intent.side}, the venue now holds ${context.live?.size} on the ${context.live?.side} side; `
                + 'someone else changed it; posguard sends nothing for it, a human should look',
            }) },
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
                { type: 'raiseAlert', params: ({ context }) => ({
                  kind: 'protectionLost',
                  message: `${context.spec.intent.symbol}: position ${context.spec.id} holds ${context.live?.size ?? filledAmount(context)} without a stop on the venue `
                    + `and posguard will place no more (${context.stops.length} placed); protect or close it by hand`,
                }) },
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
            input: ({ context }) => ({ symbol: context.spec.intent.symbol, order: stopToLookUp(context), position: true }),
            onDone: { target: 'pollWait', actions: assign(({ context, event }) => ({ ...foldEvidence(context, event.output), attempts: context.attempts + 1 })) },
            onError: { target: 'pollWait', actions: assign(({ context }) => ({ attempts: context.attempts + 1 })) },
          },
        },
        // Back to watching at once when nothing is awaited any more (it may have to act), else after the poll.
        pollWait: { always: { guard: not('needsEvidence'), target: 'watching' }, on: { RESUME: 'watching' }, after: { openPoll: 'watching' } },
        reducingExcess: {
          entry: [
            assign(({ context }) => {
              const role = `excess-${context.excess.length + 1}` as const;
              return { excess: [...context.excess, newOrderTrack(role, clientOrderId(context.spec.id, role), opposite(context.spec.intent.side), excessToReduce(context))] };
            }),
            { type: 'raiseAlert', params: ({ context }) => ({
              kind: 'mismatch',
              message: `${context.spec.intent.symbol} holds ${context.live?.size} where the intent asked for ${context.spec.intent.amount}; `
                + `reducing the excess of ${context.excess.at(-1)?.amount} with a reduce-only order`,
            }) },
          ],
          always: 'sendingExcess',
        },
        ...resumingStates('excess', 'sendingExcess', 'watching'),
        sendingExcess: {
          invoke: {
            src: 'sendOrder',
            input: ({ context }) => {
              const t = last(context.excess, 'the reduction to send');
              return { positionId: context.spec.id, role: t.role, request: orderRequestOf(context, t), phase: 'open' };
            },
            onDone: {
              target: 'watching',
              actions: assign(({ context, event }) => ({
                ...foldAck({ ...context, excess: withLast(context.excess, sent(last(context.excess, 'the reduction sent'), event.output)) }, event.output),
                overFillSince: undefined,
              })),
            },
            onError: { target: 'watching', actions: assign(({ context }) => ({ excess: withLast(context.excess, sendThrew(last(context.excess, 'the reduction sent'), context)), overFillSince: undefined })) },
          },
        },
      },
    },

    closing: closingStates(),
    rollingBack: closingStates(),

    verifyingClosed: {
      always: [{ guard: and(['flatProven', not('stopOutstanding')]), target: 'closed' }],
      after: { untilDeadline: { target: 'orphanAlert', actions: toHumanAfterClose } },
      on: { RESUME: { target: 'verifyingClosed', reenter: true, actions: { type: 'rearmIfExpired', params: { window: 'closeVerify' } } } },
      initial: 'checking',
      states: {
        checking: {
          invoke: {
            src: 'queryEvidence',
            input: ({ context }) => ({ symbol: context.spec.intent.symbol, order: undefined, position: true }),
            onDone: { target: 'deciding', actions: assign(({ context, event }) => ({ ...foldEvidence(context, event.output), attempts: context.attempts + 1 })) },
            onError: { target: 'deciding', actions: assign({ attempts: ({ context }) => context.attempts + 1 }) },
          },
        },
        deciding: {
          always: [
            { guard: and(['flatProven', 'stopOutstanding']), target: 'releasingStop' },
            { guard: 'checksLeft', target: 'waiting' },
            { target: '#position.orphanAlert', actions: toHumanAfterClose },
          ],
        },
        waiting: { after: { closeVerifyInterval: 'checking' } },
        ...releasingStopStates('waiting'),
      },
    },

    orphanAlert: {
      always: [
        // Reached from `unknown`: a fill proven later is this position's again (a close asked meanwhile is carried out).
        { guard: and(['orphanFromEntry', 'entryHeld', 'closeRequested']), target: 'closing', actions: assign({ orphanFrom: undefined, reason: undefined, attempts: 0 }) },
        { guard: and(['orphanFromEntry', 'entryHeld', 'hasStop']), target: 'protecting', actions: assign({ orphanFrom: undefined, reason: undefined }) },
        { guard: and(['orphanFromEntry', 'entryHeld']), target: 'open', actions: assign({ orphanFrom: undefined, reason: undefined }) },
        { guard: and(['orphanFromEntry', 'entryDead', not('stopOutstanding')]), target: 'failed', actions: assign({ reason: ({ context }) => verdictReason(context) }) },
        { guard: and(['flatProven', 'entryDead', not('stopOutstanding')]), target: 'failed', actions: assign({ reason: ({ context }) => verdictReason(context) }) },
        { guard: and(['flatProven', 'entryFateKnown', not('stopOutstanding')]), target: 'closed' },
      ],
      on: {
        ADOPT: { target: 'open', actions: assign({ reason: undefined, closeRequest: undefined, orphanFrom: undefined }) },
        CLOSE: {
          // A new close request for a position that holds something (a repeat of the given-up one is ignored).
          guard: and(['holdsSomething', 'newCloseRequest']),
          target: 'closing',
          actions: [
            assign(({ context, event }) => ({
              closeRequest: { reason: (event.type === 'CLOSE' ? event.reason : undefined) ?? 'user', id: event.type === 'CLOSE' ? event.requestId : undefined, at: context.seenAt, firstClose: context.closes.length, status: 'active' as const },
              orphanFrom: undefined, attempts: 0,
            })),
          ],
        },
        RESUME: { target: 'orphanAlert', reenter: true },
      },
      initial: 'watching',
      states: {
        watching: {
          always: { guard: and(['flatProven', 'entryFateKnown', 'stopOutstanding']), target: 'releasingStop' },
          invoke: {
            src: 'queryEvidence',
            input: ({ context }) => ({
              symbol: context.spec.intent.symbol, position: true,
              order: entryVerdict(context).kind === 'none' ? lookup(context.entry) : stopToLookUp(context),
            }),
            onDone: { target: 'waiting', actions: assign(({ context, event }) => ({ ...foldEvidence(context, event.output), attempts: context.attempts + 1 })) },
            onError: { target: 'waiting', actions: assign({ attempts: ({ context }) => context.attempts + 1 }) },
          },
        },
        waiting: { after: { backoff: 'watching' } },
        ...releasingStopStates('waiting'),
      },
    },

    closed: { type: 'final' },
    failed: { type: 'final' },
  },
});

function protectionText(ctx: PositionContext): string {
  const stop = currentStop(ctx);
  const why = stop?.rejectReason ?? stop?.report?.rejectReason ?? ctx.reason ?? stop?.report?.status ?? 'not confirmed';
  return `the stop-loss at ${ctx.spec.intent.stopLoss} for ${ctx.spec.intent.side} ${filledAmount(ctx)} ${ctx.spec.intent.symbol} was refused by the venue (${why})`;
}
