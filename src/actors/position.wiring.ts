/**
 * Fills the position machine's effect slots over one account's `ExchangePort`, the journal,
 * the alert sink and the clock. This is where the pure machine meets the world.
 *
 * Receives: the machine's effect inputs. Sends: orders and queries to the port, claims and
 * intents to the journal, alerts to the sink. Never sends an order whose client order id was
 * claimed before: a restored sending step answers `Unknown` and the order is looked up.
 */
import { fromPromise } from 'xstate';
import { crashAt } from './crash-hook.js';
import type { Clock } from '../clock.js';
import type { AccountId } from '../domain/ids.js';
import { IntentUnconfirmed, JournalUnavailable, PosguardError } from '../domain/errors.js';
import { rejected, unknown } from '../domain/outcome.js';
import type { ExchangePort } from '../exchange/port.js';
import { errorText } from '../machines/position.setup.js';
import { positionMachine } from '../machines/position.machine.js';
import type {
  CancelOrderInput, CancelOrderOutput, PrepareEntryInput, PrepareEntryOutput, QueryEvidenceInput, QueryEvidenceOutput,
  SendOrderInput, SendOrderOutput,
} from '../machines/position.effects.js';
import type { AlertSink } from '../alerts/alert-sink.js';
import type { Journal, JournalResult } from '../persistence/journal.js';

export interface PositionWiring {
  readonly account: AccountId;
  readonly port: ExchangePort;
  readonly journal: Journal;
  readonly alerts: AlertSink;
  readonly clock: Clock;
}

export function wirePositionMachine(w: PositionWiring) {
  const { port, journal, clock } = w;
  return positionMachine.provide({
    actors: {
      prepareEntry: fromPromise<PrepareEntryOutput, PrepareEntryInput>(async ({ input }) => {
        const live = (await port.fetchPositions([input.intent.symbol])).find((p) => p.symbol === input.intent.symbol);
        const read = { side: live?.side, size: live?.size ?? 0 };
        let journalled: JournalResult;
        try {
          journalled = await journal.recordIntent({
            positionId: input.positionId, intent: input.intent, entryClientOrderId: input.clientOrderId, baseline: read, at: clock.now(),
          });
          if (journalled.kind === 'new') await journal.confirmIntent(input.positionId);
        } catch (e) {
          throw e instanceof PosguardError ? e : new JournalUnavailable(errorText(e));
        }
        // Journalled before a restart, but the bot never heard it was accepted: never send it.
        if (journalled.kind === 'unconfirmed') throw new IntentUnconfirmed(input.positionId);
        // After a restart the journal answers the baseline written before the first send.
        return { at: clock.now(), baseline: journalled.baseline };
      }),
      sendOrder: fromPromise<SendOrderOutput, SendOrderInput>(async ({ input }) => {
        const sentAt = clock.now();
        let claimed: boolean;
        try {
          claimed = await journal.claimSend(input.positionId, input.request.clientOrderId, sentAt);
        } catch (e) {
          // No claim, no send: the order certainly did not leave (Rejected, never Unknown).
          return { sentAt, at: clock.now(), outcome: rejected(`the journal could not record ${input.request.clientOrderId} before sending it, so it was not sent: ${errorText(e)}`, 'NOT_SENT') };
        }
        if (!claimed) {
          return { sentAt, at: clock.now(), outcome: unknown(`${input.request.clientOrderId} may have been sent before a restart; it is looked up, never sent again`) };
        }
        crashAt(`${input.phase}:before-send`);
        try {
          const outcome = await port.createOrder(input.request);
          crashAt(`${input.phase}:after-send`);
          const mapped = outcome.kind === 'accepted'
            ? { kind: 'accepted' as const, value: { venueOrderId: outcome.value.venueOrderId, report: outcome.value.report } }
            : outcome;
          return { sentAt, at: clock.now(), outcome: mapped };
        } catch (e) {
          return { sentAt, at: clock.now(), outcome: unknown(`the create call failed after it may have left: ${errorText(e)}`) };
        }
      }),
      queryEvidence: fromPromise<QueryEvidenceOutput, QueryEvidenceInput>(async ({ input }) => {
        const failures: string[] = [];
        const [order, positions] = await Promise.allSettled([
          input.order === undefined ? Promise.resolve(undefined)
            : port.fetchOrder(input.order.venueOrderId !== undefined ? { venueOrderId: input.order.venueOrderId } : { clientOrderId: input.order.clientOrderId }, input.symbol),
          input.position ? port.fetchPositions([input.symbol]) : Promise.resolve([]),
        ]);
        if (order.status === 'rejected') failures.push(errorText(order.reason));
        if (positions.status === 'rejected') failures.push(errorText(positions.reason));
        return {
          at: clock.now(),
          order: order.status === 'fulfilled' ? order.value : undefined,
          // A position missing from the list is no evidence at all (principle 2).
          position: positions.status === 'fulfilled' ? positions.value.find((p) => p.symbol === input.symbol) : undefined,
          failures,
        };
      }),
      cancelOrder: fromPromise<CancelOrderOutput, CancelOrderInput>(async ({ input }) => {
        const lookup = input.venueOrderId !== undefined ? { venueOrderId: input.venueOrderId } : { clientOrderId: input.clientOrderId };
        try {
          return { at: clock.now(), outcome: await port.cancelOrder(lookup, input.symbol) };
        } catch (e) {
          return { at: clock.now(), outcome: unknown(errorText(e)) };
        }
      }),
    },
    actions: {
      raiseAlert: ({ context }, params) => {
        w.alerts.raise(params, { account: w.account, symbol: context.intent.symbol, positionId: context.id });
      },
    },
    delays: {
      untilDeadline: ({ context }) => Math.max(0, context.deadline - clock.now()),
    },
  });
}

export type WiredPositionMachine = ReturnType<typeof wirePositionMachine>;
