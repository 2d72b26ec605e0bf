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
import { IntentUnconfirmed, JournalUnavailable, OppositePositionHeld, PosguardError } from '../domain/errors.js';
import { rejected, unknown, type Outcome } from '../domain/outcome.js';
import { compareTiming } from '../domain/freshness.js';
import type { Baseline, PositionStatusReport } from '../domain/reports.js';
import type { CreateAck, ExchangePort } from '../exchange/port.js';
import { lookUpEarlier, ordersOfEarlierLife, type EarlierLife } from './earlier-life.js';
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
import type { Journal, JournalResult } from '../persistence/journal.js';
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
  /**
   * When this worker took the account (its lease, or the account's start without a store; the
   * wiring's making when absent): every send by an earlier life left before it (see
   * docs/architecture.md, Evidence and freshness).
   */
  readonly heldSince?: () => number;
}

const timingOf = (r: PositionStatusReport) => ({
  source: r.source,
  venueTime: r.venueTime,
  venueSeq: r.venueSeq,
  receivedAt: r.receivedAt,
});

/**
 * The entry's baseline: the REST read, or what the account already knows of the symbol when
 * that shows a later state (the stream's last report, the previous position's proven flat).
 * It carries the timing of the report it came from.
 */
function baselineOf(read: PositionStatusReport | undefined, known: PositionStatusReport | undefined): Baseline {
  const pick = read === undefined ? known : known !== undefined && compareTiming(known, read) > 0 ? known : read;
  if (pick === undefined) return { side: undefined, size: 0, timing: undefined };
  return { side: pick.size > 0 ? pick.side : undefined, size: pick.size, timing: timingOf(pick) };
}

const stopping = (id: string) => rejected(`posguard is stopping: ${id} was not sent`, 'NOT_SENT');

export function wirePositionMachine(w: PositionWiring) {
  const { port, journal, clock } = w;
  const madeAt = clock.now();
  const heldSince = w.heldSince ?? (() => madeAt);
  const gateOpen = (): boolean => w.gate?.open ?? true;
  const tracked = <T>(work: Promise<T>): Promise<T> => (w.gate === undefined ? work : w.gate.track(work));
  return positionMachine.provide({
    actors: {
      prepareEntry: fromPromise<PrepareEntryOutput, PrepareEntryInput>(async ({ input }) => {
        const symbol = input.intent.symbol;
        // With a live feed whose view of the symbol is proven fresh, no venue call before the entry
        // leaves (see docs/architecture.md, Request budget); else the careful read.
        const read =
          w.feedBaseline?.(symbol) ??
          baselineOf(
            (await port.fetchPositions([symbol])).find((p) => p.symbol === symbol),
            w.known?.(symbol),
          );
        let journalled: JournalResult;
        try {
          journalled = await journal.recordIntent({
            positionId: input.positionId,
            intent: input.intent,
            entryClientOrderId: input.clientOrderId,
            baseline: read,
            at: clock.now(),
          });
        } catch (e) {
          throw e instanceof PosguardError ? e : new JournalUnavailable(errorText(e));
        }
        // Journalled before a restart, but the bot never heard it was accepted: never send it.
        if (journalled.kind === 'unconfirmed') throw new IntentUnconfirmed(input.positionId);
        // An orphan taken over has no entry of posguard's to send.
        if (journalled.kind === 'adopted')
          throw new IntentUnconfirmed(
            input.positionId,
            'it was journalled as an adopted orphan: its entry is never sent',
          );
        // An intent named by an idempotency key has a position id (and so client order ids) of the
        // key's own: if the store forgot an earlier position of this key, its entry is on the venue.
        // Looked up before sending until a "not found" is new enough to believe (on Binance a filled
        // order's id is accepted again; see docs/architecture.md, Evidence and freshness).
        // The intent is confirmed (the bot told it was accepted) only after that look-up: a worker
        // killed while it waits leaves the intent unconfirmed, and so never sent.
        const life: EarlierLife = {
          port,
          clock,
          symbol,
          since: heldSince(),
          restLagMs: input.restLagMs,
          timeoutMs: input.timeoutMs,
        };
        // Also when the intent was confirmed by an earlier run of this step whose answer was lost
        // (the actor restarted in it): what that look-up found is found again.
        const earlier =
          input.intent.idempotencyKey !== undefined && (journalled.kind === 'new' || journalled.kind === 'confirmed')
            ? await lookUpEarlier(life, input.clientOrderId)
            : undefined;
        const foundOrders = earlier?.kind === 'found' ? await ordersOfEarlierLife(life, input.positionId) : [];
        try {
          if (journalled.kind === 'new') await journal.confirmIntent(input.positionId);
        } catch (e) {
          throw e instanceof PosguardError ? e : new JournalUnavailable(errorText(e));
        }
        if (earlier?.kind === 'found')
          return { at: clock.now(), baseline: journalled.baseline, found: earlier.order, foundOrders };
        if (earlier?.kind === 'unproven')
          return { at: clock.now(), baseline: journalled.baseline, unproven: earlier.why };
        // An untracked position on the other side would net the entry away: refused, never sent.
        const held = journalled.baseline;
        if (journalled.kind === 'new' && held.side !== undefined && held.side !== input.intent.side && held.size > 0) {
          throw new OppositePositionHeld(input.intent.symbol, { side: held.side, size: held.size }, input.intent.side);
        }
        // After a restart the journal answers the baseline written before the first send.
        return { at: clock.now(), baseline: journalled.baseline };
      }),
      sendOrder: fromPromise<SendOrderOutput, SendOrderInput>(({ input }) =>
        tracked(
          (async (): Promise<SendOrderOutput> => {
            let sentAt = clock.now();
            const id = input.request.clientOrderId;
            if (!gateOpen()) return { sentAt, at: clock.now(), outcome: stopping(id) };
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
            // Claimed when the request budget releases the order to the wire, not when it was queued:
            // an order held in a backoff while its worker lost the lease never leaves (see docs/architecture.md, Request budget).
            const claimThenLeave = async (): Promise<Outcome<CreateAck> | undefined> => {
              sentAt = clock.now();
              if (!gateOpen()) return stopping(id);
              let claimed: boolean;
              try {
                claimed = await journal.claimSend(input.positionId, id, sentAt);
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
                await journal.releaseClaim(input.positionId, id).catch(() => {});
                return stopping(id);
              }
              crashAt(`${input.phase}:before-send`);
              return undefined;
            };
            try {
              const outcome = await createWhenReleased(port, input.request, claimThenLeave);
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
