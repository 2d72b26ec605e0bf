/**
 * The position machine (see docs/architecture.md, The position machine): one actor per
 * position, from intent to a proven end. Pure: every effect is a named slot (`prepareEntry`, `sendOrder`, `queryEvidence`,
 * `cancelOrder`, `raiseAlert`) filled with `machine.provide()` by the wiring; every delay is
 * computed from absolute deadlines kept in context, so a restored actor re-arms its timers
 * when it receives `RESUME`.
 *
 * Receives: `ORDER_REPORT`, `FILL_REPORT`, `POSITION_REPORT` (from the feed), `FEED` (up or
 * down), `CLOSE` (the user, with a request id), `ADOPT` (reconciliation), `RESUME` (after a
 * restore). Its larger states have files of their own: `position.protecting.ts`,
 * `position.open.ts`, `position.closing.ts` (with `position.close-rules.ts`), `position.ending.ts`
 * (`verifyingClosed`, `orphanAlert`), `position.resume.ts`; the rules of stops are in `protection.ts`, of what evidence proves in
 * `position.verdicts.ts`.
 * Sends: orders and queries through its slots; alerts through `raiseAlert`.
 *
 * @example
 * const actor = createActor(positionMachine.provide(wiring), { input });
 * actor.start(); actor.getSnapshot().value; // 'pending' | { verifying: 'querying' } | …
 */
import { and, assign } from 'xstate';
import { errorText } from '../domain/errors.js';
import { closingStates } from './position.closing.js';
import { orphanAlertState, verifyingClosedState } from './position.ending.js';
import { openState } from './position.open.js';
import { protectingState } from './position.protecting.js';
import { resumingStates } from './position.resume.js';
import { EVIDENCE_HANDLERS, positionSetup } from './position.setup.js';
import {
  foldAck,
  foldEvidence,
  lookup,
  orderRequestOf,
  queryLoop,
  sendThrew,
  sent,
  takeOverFound,
  verdictReason,
} from './position.steps.js';
import { initialContext } from './position.start.js';

export type { PositionEvent, PositionInput } from './position.events.js';
export { adoptedContext } from './position.start.js';

/** The public state names (API, dashboard, metrics). */
export const POSITION_STATES = [
  'pending',
  'verifying',
  'unknown',
  'protecting',
  'open',
  'closing',
  'rollingBack',
  'verifyingClosed',
  'closed',
  'failed',
  'orphanAlert',
] as const;
export type PositionStateName = (typeof POSITION_STATES)[number];
export const FINAL_STATES: readonly PositionStateName[] = ['closed', 'failed'];

/** While the entry's fate is open: filled → protect (or open), dead (zero fill) → failed. */
const entryDecided = positionSetup.createStateConfig({
  always: [
    { guard: and(['entryFilled', 'firstStopDue']), target: '#position.protecting', actions: 'noteEntryProven' },
    { guard: 'entryFilled', target: '#position.open', actions: 'noteEntryProven' },
    {
      guard: 'entryDead',
      target: '#position.failed',
      actions: assign({ reason: ({ context }) => verdictReason(context) }),
    },
  ],
});

/** At the deadline, a proven partial fill is a position of that size. */
const partialAtDeadline = [
  { guard: and(['entryPartial', 'firstStopDue']), target: '#position.protecting', actions: 'noteEntryProven' },
  { guard: 'entryPartial', target: '#position.open', actions: 'noteEntryProven' },
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
          // Restored here (a crash while the entry's look-up waited), its invocation is not run
          // again by itself: RESUME, sent after every restore, prepares the entry again.
          on: { RESUME: { target: 'journaling', reenter: true } },
          invoke: {
            src: 'prepareEntry',
            input: ({ context }) => ({
              positionId: context.spec.id,
              intent: context.spec.intent,
              clientOrderId: context.entry.clientOrderId,
              restLagMs: context.spec.settings.restLagMs,
              timeoutMs: context.spec.settings.timeoutMs,
            }),
            onDone: [
              {
                // Already on the venue (a keyed intent the store forgot): verified, never sent again.
                guard: 'entryAlreadyOnVenue',
                target: '#position.verifying',
                actions: assign(({ context, event }) => {
                  const entry = { ...context.entry, send: 'accepted' as const, sentAt: event.output.at };
                  return {
                    ...foldEvidence(
                      takeOverFound(
                        { ...context, entry, baseline: event.output.baseline },
                        event.output.foundOrders ?? [],
                      ),
                      { at: event.output.at, order: event.output.found, position: undefined, failures: [] },
                    ),
                    deadline: event.output.at + context.spec.settings.timeoutMs,
                    armedAt: event.output.at,
                    attempts: 0,
                  };
                }),
              },
              {
                // Perhaps sent by an earlier life the store forgot, and no "not found" new enough: never
                // sent, looked up as an entry whose send is Unknown (see docs/architecture.md, Evidence and freshness).
                guard: 'entryMaybeOnVenue',
                target: '#position.verifying',
                actions: assign(({ context, event }) => ({
                  entry: { ...context.entry, send: 'unknown' as const, sentAt: event.output.at },
                  earlierLife: 'unknown' as const,
                  baseline: event.output.baseline,
                  seenAt: Math.max(context.seenAt, event.output.at),
                  deadline: event.output.at + context.spec.settings.timeoutMs,
                  armedAt: event.output.at,
                  attempts: 0,
                })),
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
            input: ({ context }) => ({
              positionId: context.spec.id,
              role: context.entry.role,
              request: orderRequestOf(context, context.entry),
              phase: 'pending',
            }),
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
                  deadline: event.output.at + context.spec.settings.timeoutMs,
                  armedAt: event.output.at,
                  attempts: 0,
                })),
              },
            ],
            // A send that threw may have reached the venue: Unknown, resolved by looking it up.
            onError: {
              target: '#position.verifying',
              actions: assign(({ context }) => ({
                entry: sendThrew(context.entry, context),
                deadline: context.seenAt + context.spec.settings.timeoutMs,
                armedAt: context.seenAt,
                attempts: 0,
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
              armedAt: context.deadline,
              deadline: context.deadline + context.spec.settings.unknownAlertAfterMs,
              attempts: 0,
            })),
          },
        ],
      },
      // A restored position looks the order up before a deadline that ran out while no worker ran concludes anything.
      on: {
        RESUME: {
          target: 'verifying',
          reenter: true,
          actions: { type: 'rearmIfExpired', params: { window: 'timeout' } },
        },
      },
      ...queryLoop('poll', ({ context }) => ({
        symbol: context.spec.intent.symbol,
        order: lookup(context.entry),
        position: true,
      })),
    },

    unknown: {
      always: entryDecided.always,
      after: {
        untilDeadline: [
          ...partialAtDeadline,
          {
            target: 'orphanAlert',
            actions: [
              assign({
                reason: 'the entry order could not be found or proven filled or dead',
                attempts: 0,
                orphanFrom: 'entry' as const,
              }),
              {
                type: 'raiseAlert',
                params: ({ context }) => ({
                  kind: 'unknownOrder',
                  message:
                    `entry ${context.entry.clientOrderId} (${context.spec.intent.side} ${context.spec.intent.amount} ${context.spec.intent.symbol}) ` +
                    `is still unknown after ${context.spec.settings.timeoutMs + context.spec.settings.unknownAlertAfterMs} ms; the symbol stays locked`,
                }),
              },
            ],
          },
        ],
      },
      on: {
        RESUME: {
          target: 'unknown',
          reenter: true,
          actions: { type: 'rearmIfExpired', params: { window: 'unknown' } },
        },
      },
      ...queryLoop('backoff', ({ context }) => ({
        symbol: context.spec.intent.symbol,
        order: lookup(context.entry),
        position: true,
      })),
    },

    protecting: protectingState(),

    open: openState(),

    closing: closingStates(),
    rollingBack: closingStates(),

    verifyingClosed: verifyingClosedState(),

    orphanAlert: orphanAlertState(),

    closed: { type: 'final' },
    failed: { type: 'final' },
  },
});
