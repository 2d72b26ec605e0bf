/**
 * The ends of the position machine that need proof: `verifyingClosed` (a close, or a position
 * gone flat by itself, is closed only on a fresh flat report with no stop of its left on the
 * venue) and `orphanAlert` (what posguard could not prove is handed to a human, and taken back
 * when the evidence comes: a fill proven late, a flat proof, a close or an adopt). See
 * docs/architecture.md, The position machine.
 */
import { and, assign, not } from 'xstate';
import type { PositionContext } from './position.context.js';
import { releasingStopStates } from './position.closing.js';
import { newCloseRequest } from './position.close-rules.js';
import { positionSetup } from './position.setup.js';
import { foldEvidence, lookup, stopToLookUp, verdictReason } from './position.steps.js';
import { entryVerdict } from './position.verdicts.js';

const closeUnverifiedAlert = {
  type: 'raiseAlert',
  params: ({ context }: { context: PositionContext }) => ({
    kind: 'closeUnverified' as const,
    message: `${context.spec.intent.symbol}: ${context.reason ?? 'the close could not be verified'}; posguard keeps watching, a human should check the venue`,
  }),
} as const;

/** Into `orphanAlert` after a close that could not be completed: it stays there until flat is proven, a close or an adopt. */
const toHumanAfterClose = ['giveUpClose', 'orphanAfterClose', 'closeGivenUp', closeUnverifiedAlert] as const;

export function verifyingClosedState() {
  return positionSetup.createStateConfig({
    always: [{ guard: and(['flatProven', not('stopOutstanding')]), target: 'closed' }],
    after: { untilDeadline: { target: 'orphanAlert', actions: toHumanAfterClose } },
    on: {
      RESUME: {
        target: 'verifyingClosed',
        reenter: true,
        actions: { type: 'rearmIfExpired', params: { window: 'closeVerify' } },
      },
    },
    initial: 'checking',
    states: {
      checking: {
        invoke: {
          src: 'queryEvidence',
          input: ({ context }) => ({ symbol: context.spec.intent.symbol, order: undefined, position: true }),
          onDone: {
            target: 'deciding',
            actions: assign(({ context, event }) => ({
              ...foldEvidence(context, event.output),
              attempts: context.attempts + 1,
            })),
          },
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
  });
}

export function orphanAlertState() {
  return positionSetup.createStateConfig({
    always: [
      // Reached from `unknown`: a fill proven later is this position's again (a close asked meanwhile is carried out).
      {
        guard: and(['orphanFromEntry', 'entryHeld', 'closeRequested']),
        target: 'closing',
        actions: assign({ orphanFrom: undefined, reason: undefined, attempts: 0 }),
      },
      {
        guard: and(['orphanFromEntry', 'entryHeld', 'firstStopDue']),
        target: 'protecting',
        actions: [assign({ orphanFrom: undefined, reason: undefined }), 'noteEntryProven'],
      },
      {
        guard: and(['orphanFromEntry', 'entryHeld']),
        target: 'open',
        actions: [assign({ orphanFrom: undefined, reason: undefined }), 'noteEntryProven'],
      },
      {
        guard: and(['orphanFromEntry', 'entryDead', not('stopOutstanding')]),
        target: 'failed',
        actions: assign({ reason: ({ context }) => verdictReason(context) }),
      },
      {
        guard: and(['flatProven', 'entryDead', not('stopOutstanding')]),
        target: 'failed',
        actions: assign({ reason: ({ context }) => verdictReason(context) }),
      },
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
            ...(event.type === 'CLOSE'
              ? newCloseRequest(context, event.reason ?? 'user', event.requestId, event.at)
              : newCloseRequest(context, 'user', undefined, undefined)),
            orphanFrom: undefined,
            attempts: 0,
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
            symbol: context.spec.intent.symbol,
            position: true,
            order: entryVerdict(context).kind === 'none' ? lookup(context.entry) : stopToLookUp(context),
          }),
          onDone: {
            target: 'waiting',
            actions: assign(({ context, event }) => ({
              ...foldEvidence(context, event.output),
              attempts: context.attempts + 1,
            })),
          },
          onError: { target: 'waiting', actions: assign({ attempts: ({ context }) => context.attempts + 1 }) },
        },
      },
      waiting: { after: { backoff: 'watching' } },
      ...releasingStopStates('waiting'),
    },
  });
}
