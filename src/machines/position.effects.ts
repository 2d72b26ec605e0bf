/**
 * The effect slots of the position machine: their inputs and outputs. The wiring
 * (`src/actors/position.wiring.ts`) fills them over an `ExchangePort`, a journal and an alert
 * sink; tests fill them with fakes. Every output carries the local time (`at`) at which the
 * effect finished, so the machine arms its deadlines without reading a clock.
 */
import type { OrderRole } from '../domain/client-order-id.js';
import type { ClientOrderId, PositionId, VenueOrderId } from '../domain/ids.js';
import type { Intent } from '../domain/intent.js';
import type { OrderRequest } from '../domain/order-request.js';
import type { Outcome } from '../domain/outcome.js';
import type { OrderStatusReport, PositionStatusReport } from '../domain/reports.js';
import type { Baseline } from '../domain/reports.js';

/** Journal the intent and the entry's client order id, and read the baseline position. */
export interface PrepareEntryInput {
  readonly positionId: PositionId;
  readonly intent: Intent;
  readonly clientOrderId: ClientOrderId;
  /** The REST lag bound and how long a keyed intent's earlier entry is looked up (see `unproven`). */
  readonly restLagMs: number;
  readonly timeoutMs: number;
}
export interface PrepareEntryOutput {
  readonly at: number;
  readonly baseline: Baseline;
  /**
   * The entry, found on the venue by its client order id before it was sent: an intent named by
   * an idempotency key whose earlier position the store forgot. It is verified, never sent again.
   */
  readonly found?: OrderStatusReport | undefined;
  /**
   * With `found`: the position's other orders the venue knows (its stops, closes and
   * reductions, each found by its client order id), which the position takes over so that no
   * client order id of its earlier life is sent again.
   */
  readonly foundOrders?: readonly OrderStatusReport[] | undefined;
  /**
   * A keyed intent the store does not know whose entry the venue could not be shown not to hold
   * (every "not found" showed a state older than this worker's taking the account, for
   * `timeoutMs`): the entry may have been sent by an earlier life, so it is never sent; it is
   * looked up as an entry whose send is Unknown (see docs/architecture.md, Evidence and freshness).
   */
  readonly unproven?: string | undefined;
}

/**
 * Send one order. The implementation must never send the same client order id twice: a
 * second call for an id already claimed (after a restart) answers `unknown` without sending.
 */
export interface SendOrderInput {
  readonly positionId: PositionId;
  readonly role: OrderRole;
  readonly request: OrderRequest;
  /** The public state the send belongs to (`pending`, `protecting`, `closing`, `rollingBack`, `open`). */
  readonly phase?: string;
  /**
   * The position's earlier life is unknown (`PositionContext.earlierLife`): the order is looked
   * up by its client order id first, and answers `unknown` without leaving unless the venue shows
   * it absent (see docs/architecture.md, Evidence and freshness).
   */
  readonly lookUpFirst?: { readonly restLagMs: number; readonly timeoutMs: number };
}
export interface SendOrderOutput {
  /** Local time just before the request left. */
  readonly sentAt: number;
  readonly at: number;
  readonly outcome: Outcome<{ readonly venueOrderId: VenueOrderId; readonly report: OrderStatusReport | undefined }>;
}

/** Ask for an order's status and/or the symbol's position. Failures are reported, not thrown. */
export interface QueryEvidenceInput {
  readonly symbol: string;
  readonly order:
    { readonly clientOrderId: ClientOrderId; readonly venueOrderId: VenueOrderId | undefined } | undefined;
  readonly position: boolean;
}
export interface QueryEvidenceOutput {
  readonly at: number;
  readonly order: OrderStatusReport | undefined;
  readonly position: PositionStatusReport | undefined;
  readonly failures: readonly string[];
}

export interface CancelOrderInput {
  readonly symbol: string;
  readonly clientOrderId: ClientOrderId;
  readonly venueOrderId: VenueOrderId | undefined;
}
export interface CancelOrderOutput {
  readonly at: number;
  readonly outcome: Outcome<unknown>;
}
