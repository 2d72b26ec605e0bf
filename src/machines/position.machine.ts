/**
 * The position machine (DESIGN section 3): one actor per position, from intent to a proven
 * end. Pure: every effect is a named slot (`prepareEntry`, `sendOrder`, `queryEvidence`,
 * `cancelOrder`, `raiseAlert`) filled with `machine.provide()` by the wiring; every delay is
 * computed from absolute deadlines kept in context, so a restored actor re-arms its timers
 * when it receives `RESUME`.
 *
 * Receives: `ORDER_REPORT`, `FILL_REPORT`, `POSITION_REPORT` (from the feed), `FEED` (up or
 * down), `CLOSE` (the user), `ADOPT` (reconciliation), `RESUME` (after a restore).
 * Sends: orders and queries through its slots; alerts through `raiseAlert`.
 *
 * @example
 * const actor = createActor(positionMachine.provide(wiring), { input });
 * actor.start(); actor.getSnapshot().value; // 'pending' | { verifying: 'querying' } | …
 */
import { and, assign, not } from 'xstate';
import { clientOrderId, type OrderRole } from '../domain/client-order-id.js';
import { floorToStep } from '../domain/decimal.js';
import { opposite } from '../domain/side.js';
import {
  entryVerdict, filledAmount, newOrderTrack, overFill, type CloseReason, type OrderTrack, type PositionContext,
} from './position.context.js';
import { closingStates, releasingStopStates } from './position.closing.js';
import { initialContext } from './position.start.js';
import {
  errorText, foldAck, foldEvidence, lookup, orderRequestOf, positionSetup, queryLoop, sendThrew, sent, stopNumber, verdictReason,
} from './position.setup.js';

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
    message: `${context.intent.symbol}: ${context.reason ?? 'the close could not be verified'}; posguard keeps watching, a human should check the venue`,
  }),
} as const;

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
            input: ({ context }) => ({ positionId: context.id, intent: context.intent, clientOrderId: context.entry.clientOrderId }),
            onDone: { target: 'sending', actions: assign({ baseline: ({ event }) => event.output.baseline }) },
            onError: {
              target: '#position.failed',
              actions: assign({ reason: ({ event }) => `before the entry was sent: ${errorText(event.error)}` }),
            },
          },
        },
        sending: {
          invoke: {
            src: 'sendOrder',
            input: ({ context }) => ({ positionId: context.id, role: 'entry' as OrderRole, request: orderRequestOf(context, context.entry), phase: 'pending' }),
            onDone: [
              {
                guard: ({ event }) => event.output.outcome.kind === 'rejected',
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
                  deadline: event.output.at + context.settings.timeoutMs, armedAt: event.output.at, attempts: 0,
                })),
              },
            ],
            // A send that threw may have reached the venue: Unknown, resolved by looking it up.
            onError: {
              target: '#position.verifying',
              actions: assign(({ context }) => ({
                entry: sendThrew(context.entry, context),
                deadline: context.seenAt + context.settings.timeoutMs, armedAt: context.seenAt, attempts: 0,
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
              armedAt: context.deadline, deadline: context.deadline + context.settings.unknownAlertAfterMs, attempts: 0,
            })),
          },
        ],
      },
      on: { RESUME: { target: 'verifying', reenter: true } },
      ...queryLoop('poll', ({ context }) => ({ symbol: context.intent.symbol, order: lookup(context.entry), position: true })),
    },

    unknown: {
      always: entryDecided.always,
      after: {
        untilDeadline: [
          ...partialAtDeadline,
          {
            target: 'orphanAlert',
            actions: [
              assign({ reason: 'the entry order could not be found or proven filled or dead', attempts: 0 }),
              { type: 'raiseAlert', params: ({ context }) => ({
                kind: 'unknownOrder',
                message: `entry ${context.entry.clientOrderId} (${context.intent.side} ${context.intent.amount} ${context.intent.symbol}) `
                  + `is still unknown after ${context.settings.timeoutMs + context.settings.unknownAlertAfterMs} ms; the symbol stays locked`,
              }) },
            ],
          },
        ],
      },
      on: { RESUME: { target: 'unknown', reenter: true } },
      ...queryLoop('backoff', ({ context }) => ({ symbol: context.intent.symbol, order: lookup(context.entry), position: true })),
    },

    protecting: {
      initial: 'placing',
      always: [
        { guard: 'stopConfirmed', target: 'open' },
        { guard: 'stopDead', target: '.refused' },
      ],
      states: {
        // No RESUME here: a restored send is started again and the journal's claim answers Unknown.
        placing: {
          entry: assign(({ context }) => {
            const n = context.stop === undefined ? 1 : stopNumber(context.stop.role) + 1;
            const role: OrderRole = n === 1 ? 'stop' : `stop-${n}`;
            const amount = floorToStep(filledAmount(context), context.market.amountStep);
            return { stop: newOrderTrack(role, clientOrderId(context.id, role), opposite(context.intent.side), amount) };
          }),
          invoke: {
            src: 'sendOrder',
            input: ({ context }) => {
              const stop = context.stop as OrderTrack;
              return { positionId: context.id, role: stop.role, request: orderRequestOf(context, stop, context.intent.stopLoss), phase: 'protecting' };
            },
            onDone: {
              target: 'confirming',
              actions: assign(({ context, event }) => ({
                ...foldAck({ ...context, stop: sent(context.stop as OrderTrack, event.output) }, event.output),
                deadline: event.output.at + context.settings.timeoutMs, armedAt: event.output.at, attempts: 0,
              })),
            },
            onError: {
              target: 'confirming',
              actions: assign(({ context }) => ({
                stop: sendThrew(context.stop as OrderTrack, context),
                deadline: context.seenAt + context.settings.timeoutMs, armedAt: context.seenAt, attempts: 0,
              })),
            },
          },
        },
        confirming: {
          on: { RESUME: { target: 'confirming', reenter: true, actions: { type: 'rearmIfExpired', params: { window: 'timeout' } } } },
          after: {
            untilDeadline: {
              target: 'refused',
              actions: assign({ reason: ({ context }) => `the stop ${context.stop?.clientOrderId} was not confirmed within ${context.settings.timeoutMs} ms` }),
            },
          },
          ...queryLoop('poll', ({ context }) => ({
            symbol: context.intent.symbol, order: lookup(context.stop as OrderTrack), position: false,
          })),
        },
        refused: {
          always: [
            {
              guard: 'rollbackOnFailure',
              target: '#position.rollingBack',
              actions: [
                { type: 'raiseAlert', params: ({ context }) => ({ kind: 'protectionFailed', message: `${protectionText(context)}; rolling back` }) },
                assign({ closeRequested: 'protection-refused' as CloseReason, attempts: 0 }),
              ],
            },
            {
              target: '#position.open',
              actions: { type: 'raiseAlert', params: ({ context }) => ({ kind: 'protectionFailed', message: `${protectionText(context)}; the position stays open unprotected` }) },
            },
          ],
        },
      },
    },

    open: {
      always: [
        { guard: 'closeRequested', target: 'closing', actions: assign({ attempts: 0 }) },
        { guard: and(['flatProven', 'entryFateKnown']), target: 'verifyingClosed', actions: [assign({ reason: 'the position went flat by itself (stop, liquidation or a manual close)' }), 'armCloseWindow'] },
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
            // A stop cancelled under us (Bybit's disconnect protection, a manual cancel): place a new one.
            { guard: 'stopLost', target: '#position.protecting' },
            { guard: 'overFilled', target: 'reducingExcess' },
            { guard: 'feedDown', target: 'polling' },
            // A flat report that does not count yet: ask REST until one does (or shows the position).
            { guard: 'flatUnproven', target: 'polling' },
          ],
        },
        polling: {
          on: { RESUME: { target: 'polling', reenter: true } },
          invoke: {
            src: 'queryEvidence',
            input: ({ context }) => ({ symbol: context.intent.symbol, order: undefined, position: true }),
            onDone: { target: 'pollWait', actions: assign(({ context, event }) => foldEvidence(context, event.output)) },
            onError: 'pollWait',
          },
        },
        pollWait: { on: { RESUME: 'watching' }, after: { poll: 'watching' } },
        reducingExcess: {
          entry: [
            assign(({ context }) => {
              const amount = floorToStep(overFill(context), context.market.amountStep);
              const role: OrderRole = `excess-${context.excess.length + 1}`;
              return { excess: [...context.excess, newOrderTrack(role, clientOrderId(context.id, role), opposite(context.intent.side), amount)] };
            }),
            { type: 'raiseAlert', params: ({ context }) => ({
              kind: 'mismatch',
              message: `${context.intent.symbol} holds ${context.live?.size} where the intent asked for ${context.intent.amount}; `
                + `reducing the excess of ${context.excess.at(-1)?.amount} with a reduce-only order`,
            }) },
          ],
          invoke: {
            src: 'sendOrder',
            input: ({ context }) => {
              const t = context.excess.at(-1) as OrderTrack;
              return { positionId: context.id, role: t.role, request: orderRequestOf(context, t), phase: 'open' };
            },
            onDone: {
              target: 'watching',
              actions: assign(({ context, event }) => foldAck({ ...context, excess: [...context.excess.slice(0, -1), sent(context.excess.at(-1) as OrderTrack, event.output)] }, event.output)),
            },
            onError: { target: 'watching', actions: assign(({ context }) => ({ excess: [...context.excess.slice(0, -1), sendThrew(context.excess.at(-1) as OrderTrack, context)] })) },
          },
        },
      },
    },

    closing: closingStates(),
    rollingBack: closingStates(),

    verifyingClosed: {
      always: [{ guard: and(['flatProven', not('stopOutstanding')]), target: 'closed' }],
      after: { untilDeadline: { target: 'orphanAlert', actions: ['giveUpClose', closeUnverifiedAlert] } },
      on: { RESUME: { target: 'verifyingClosed', reenter: true, actions: { type: 'rearmIfExpired', params: { window: 'closeVerify' } } } },
      initial: 'checking',
      states: {
        checking: {
          invoke: {
            src: 'queryEvidence',
            input: ({ context }) => ({ symbol: context.intent.symbol, order: undefined, position: true }),
            onDone: { target: 'deciding', actions: assign(({ context, event }) => ({ ...foldEvidence(context, event.output), attempts: context.attempts + 1 })) },
            onError: { target: 'deciding', actions: assign({ attempts: ({ context }) => context.attempts + 1 }) },
          },
        },
        deciding: {
          always: [
            { guard: and(['flatProven', 'stopOutstanding']), target: 'releasingStop' },
            { guard: 'checksLeft', target: 'waiting' },
            { target: '#position.orphanAlert', actions: ['giveUpClose', closeUnverifiedAlert] },
          ],
        },
        waiting: { after: { closeVerifyInterval: 'checking' } },
        ...releasingStopStates('waiting'),
      },
    },

    orphanAlert: {
      always: [
        { guard: and(['flatProven', 'entryDead']), target: 'failed', actions: assign({ reason: ({ context }) => verdictReason(context) }) },
        { guard: and(['flatProven', 'entryFateKnown', not('stopOutstanding')]), target: 'closed' },
      ],
      on: {
        ADOPT: { target: 'open', actions: assign({ reason: undefined, closeRequested: undefined }) },
        CLOSE: { guard: 'holdsSomething', target: 'closing', actions: assign({ closeRequested: 'user' as CloseReason, attempts: 0 }) },
        RESUME: { target: 'orphanAlert', reenter: true },
      },
      initial: 'watching',
      states: {
        watching: {
          always: { guard: and(['flatProven', 'entryFateKnown', 'stopOutstanding']), target: 'releasingStop' },
          invoke: {
            src: 'queryEvidence',
            input: ({ context }) => ({
              symbol: context.intent.symbol, position: true,
              order: entryVerdict(context).kind === 'none' ? lookup(context.entry) : undefined,
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
  const why = ctx.stop?.rejectReason ?? ctx.reason ?? ctx.stop?.report?.status ?? 'not confirmed';
  return `the stop-loss at ${ctx.intent.stopLoss} for ${ctx.intent.side} ${filledAmount(ctx)} ${ctx.intent.symbol} was refused (${why})`;
}

