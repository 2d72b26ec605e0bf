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
import { rejected, unknown, type Outcome } from '../domain/outcome.js';
import type { Baseline, PositionStatusReport } from '../domain/reports.js';
import type { CreateAck, ExchangePort } from '../exchange/port.js';
import { lookUpEarlier } from './earlier-life.js';
import { cancelWhenReleased, createWhenReleased } from '../budget/scheduled-port.js';
import type { EvidencePoller } from '../budget/evidence-poller.js';
import { errorText } from '../domain/errors.js';
import { positionMachine } from '../machines/position.machine.js';
import type {
  CancelOrderInput,
  CancelOrderOutput,
  PrepareEntryInput,
  PrepareEntryOutput,
  QueryEvidenceInput,
  QueryEvidenceOutput,
  SendOrderInput,
  SendOrderOutput,
} from '../machines/position.effects.js';
import type { AlertSink } from '../alerts/alert-sink.js';
import type { Journal } from '../persistence/journal.js';
import { EntryJournal } from './entry-journal.js';
import { prepareEntry } from './prepare-entry.js';
import type { JournalRefusals } from './journal-refusals.js';
import { EntryAborted } from '../fleet/errors.js';
import { currentStop } from '../machines/protection.js';
import type { SendGate } from './send-gate.js';

export interface PositionWiring {
  readonly account: AccountId;
  readonly port: ExchangePort;
  readonly journal: Journal;
  readonly alerts: AlertSink;
  readonly clock: Clock;
  /** The freshest report the account knows of a symbol (the baseline is never older). */
  readonly known?: (symbol: string) => PositionStatusReport | undefined;
  /**
   * The entry fast path's baseline: the feed's view of the symbol when it may stand in for the
   * venue read (`AccountRuntime.feedBaseline`), else `undefined` and the position is read.
   */
  readonly feedBaseline?: (symbol: string) => Baseline | undefined;
  /** Closed once the guard begins to stop: nothing more leaves. */
  readonly gate?: SendGate;
  /** The account's poller: every position's evidence asked in one batch (see docs/architecture.md, Request budget). */
  readonly evidence?: EvidencePoller;
  /** Where an intent the journal refused before writing anything (a halted account) is noted for its position's child. */
  readonly refusals?: JournalRefusals;
  /**
   * When this worker took the account (its lease, or the account's start without a store; the
   * wiring's making when absent): every send by an earlier life left before it (see
   * docs/architecture.md, Evidence and freshness).
   */
  readonly heldSince?: () => number;
}

const stopping = (id: string) => rejected(`posguard is stopping: ${id} was not sent`, 'NOT_SENT');

export function wirePositionMachine(w: PositionWiring) {
  const { port, journal, clock } = w;
  const madeAt = clock.now();
  const heldSince = w.heldSince ?? (() => madeAt);
  const gateOpen = (): boolean => w.gate?.open ?? true;
  const tracked = <T>(work: Promise<T>): Promise<T> => (w.gate === undefined ? work : w.gate.track(work));
  const entries = new EntryJournal(journal, port);
  return positionMachine.provide({
    actors: {
      prepareEntry: fromPromise<PrepareEntryOutput, PrepareEntryInput>(({ input }) =>
        prepareEntry(w, { entries, heldSince }, input),
      ),
      sendOrder: fromPromise<SendOrderOutput, SendOrderInput>(({ input }) =>
        tracked(
          (async (): Promise<SendOrderOutput> => {
            let sentAt = clock.now();
            const id = input.request.clientOrderId;
            // The entry's claim taken with its journal write, if it was (taken out here: used by this send only).
            const withJournal = input.role === 'entry' ? entries.take(input.positionId) : undefined;
            const giveBack = async (): Promise<void> => {
              await journal.releaseClaim(input.positionId, id).catch(() => {});
            };
            if (!gateOpen()) {
              if (withJournal !== undefined) await giveBack();
              return { sentAt, at: clock.now(), outcome: stopping(id) };
            }
            // An earlier life the store forgot may have sent this id: it leaves only once the venue shows it absent.
            if (input.lookUpFirst !== undefined) {
              const life = { port, clock, symbol: input.request.symbol, since: heldSince(), ...input.lookUpFirst };
              const looked = await lookUpEarlier(life, id);
              if (looked.kind !== 'absent')
                return {
                  sentAt,
                  at: clock.now(),
                  outcome: unknown(
                    `${id} may have been sent by an earlier life of the position the store forgot; it is looked up, never sent again`,
                  ),
                };
            }
            // True while the order is being handed to the request budget: a release in that step held it nowhere.
            let handing = true;
            // Claimed when the request budget releases the order to the wire, not when it was queued:
            // an order held in a backoff while its worker lost the lease never leaves (see docs/architecture.md, Request budget).
            // An entry claimed with its journal write leaves on that claim only if released at once, with no
            // wait since the fenced write; else only once the claim is found still its own, fenced again.
            const claimThenLeave = async (): Promise<Outcome<CreateAck> | undefined> => {
              sentAt = clock.now();
              // Released in the step that handed it over, with nothing waited on since the fenced write.
              const atOnce = handing && withJournal?.fresh === true;
              if (!gateOpen()) {
                if (withJournal !== undefined) await giveBack();
                return stopping(id);
              }
              let claimed: boolean;
              try {
                if (withJournal === undefined) claimed = await journal.claimSend(input.positionId, id, sentAt);
                else if (atOnce) claimed = true;
                else claimed = (await journal.holdClaim?.(input.positionId, id, withJournal.claim)) ?? false;
              } catch (e) {
                // A flatten aborted the entry before its claim: definitively never sent.
                if (e instanceof EntryAborted) return rejected(e.message, e.code);
                // No claim, no send: the order certainly did not leave (Rejected, never Unknown).
                return rejected(
                  `the journal could not record ${id} before sending it, so it was not sent: ${errorText(e)}`,
                  'NOT_SENT',
                );
              }
              if (!claimed)
                return unknown(`${id} may have been sent before a restart; it is looked up, never sent again`);
              if (!gateOpen()) {
                // Stopping began between the claim and the send: the order never left, so the claim
                // is released for the next owner (if that fails, the claim stands and the order is looked up).
                await giveBack();
                return stopping(id);
              }
              crashAt(`${input.phase}:before-send`);
              return undefined;
            };
            try {
              const released = createWhenReleased(port, input.request, claimThenLeave);
              handing = false;
              const outcome = await released;
              crashAt(`${input.phase}:after-send`);
              const mapped =
                outcome.kind === 'accepted'
                  ? {
                      kind: 'accepted' as const,
                      value: { venueOrderId: outcome.value.venueOrderId, report: outcome.value.report },
                    }
                  : outcome;
              return { sentAt, at: clock.now(), outcome: mapped };
            } catch (e) {
              return {
                sentAt,
                at: clock.now(),
                outcome: unknown(`the create call failed after it may have left: ${errorText(e)}`),
              };
            }
          })(),
        ),
      ),
      queryEvidence: fromPromise<QueryEvidenceOutput, QueryEvidenceInput>(async ({ input, signal }) => {
        if (w.evidence !== undefined) {
          const found = await w.evidence.ask(input, signal);
          return { at: clock.now(), ...found };
        }
        const failures: string[] = [];
        const [order, positions] = await Promise.allSettled([
          input.order === undefined
            ? Promise.resolve(undefined)
            : port.fetchOrder(
                input.order.venueOrderId !== undefined
                  ? { venueOrderId: input.order.venueOrderId }
                  : { clientOrderId: input.order.clientOrderId },
                input.symbol,
              ),
          input.position ? port.fetchPositions([input.symbol]) : Promise.resolve([]),
        ]);
        if (order.status === 'rejected') failures.push(errorText(order.reason));
        if (positions.status === 'rejected') failures.push(errorText(positions.reason));
        return {
          at: clock.now(),
          order: order.status === 'fulfilled' ? order.value : undefined,
          // A position missing from the list is no evidence at all (principle 2).
          position:
            positions.status === 'fulfilled' ? positions.value.find((p) => p.symbol === input.symbol) : undefined,
          failures,
        };
      }),
      cancelOrder: fromPromise<CancelOrderOutput, CancelOrderInput>(({ input }) =>
        tracked(
          (async (): Promise<CancelOrderOutput> => {
            const lookup =
              input.venueOrderId !== undefined
                ? { venueOrderId: input.venueOrderId }
                : { clientOrderId: input.clientOrderId };
            if (!gateOpen()) return { at: clock.now(), outcome: stopping(input.clientOrderId) };
            // Fenced like a send, when the budget releases it: a worker that lost the account cancels nothing of the new owner's.
            const fenceThenLeave = async (): Promise<Outcome<never> | undefined> => {
              try {
                await journal.fence(`cancelling ${input.clientOrderId}`);
                return undefined;
              } catch (e) {
                return rejected(`not cancelled: ${errorText(e)}`, 'NOT_SENT');
              }
            };
            try {
              return { at: clock.now(), outcome: await cancelWhenReleased(port, lookup, input.symbol, fenceThenLeave) };
            } catch (e) {
              return { at: clock.now(), outcome: unknown(errorText(e)) };
            }
          })(),
        ),
      ),
    },
    actions: {
      raiseAlert: ({ context }, params) => {
        w.alerts.raise(params, { account: w.account, symbol: context.spec.intent.symbol, positionId: context.spec.id });
      },
    },
    delays: {
      untilDeadline: ({ context }) => Math.max(0, context.deadline - clock.now()),
      untilStopRetry: ({ context }) => Math.max(0, (currentStop(context)?.retryAt ?? 0) - clock.now()),
      closeRetry: ({ context }) =>
        Math.max(context.spec.settings.feedDownPollMs, (context.closes.at(-1)?.retryAt ?? 0) - clock.now()),
    },
  });
}

export type WiredPositionMachine = ReturnType<typeof wirePositionMachine>;
