/**
 * How a position's context begins: a new intent (`initialContext`), or an exchange position
 * that a sweep adopts (`adoptedContext`). Pure.
 */
import { clientOrderId } from '../domain/client-order-id.js';
import { asVenueOrderId, type ClientOrderId } from '../domain/ids.js';
import type { OrderStatusReport, PositionStatusReport } from '../domain/reports.js';
import { newOrderTrack } from './order-track.js';
import { applyPositionReport, type PositionContext } from './position.context.js';
import type { PositionInput } from './position.events.js';

/** The context of a new position, before anything is sent. */
export function initialContext(input: PositionInput): PositionContext {
  const { intent } = input;
  return {
    spec: { id: input.id, intent, market: input.market, hedgeMode: input.hedgeMode, settings: input.settings },
    entry: newOrderTrack('entry', clientOrderId(input.id, 'entry'), intent.side, intent.amount),
    stops: [],
    closes: [],
    excess: [],
    deadline: input.now,
    armedAt: input.now,
    attempts: 0,
    feedUp: input.feedUp ?? true,
    seenAt: input.now,
  };
}

/**
 * The context of a position adopted by a sweep: an exchange position that nothing tracked,
 * taken over as if this position had opened it. Its entry is marked filled by the venue's
 * own report of the position (there is no order of ours behind it: it is never sent), so
 * closes are sized from that report like any other. Start it with
 * `positionMachine.resolveState({ value: { open: 'watching' }, context })`.
 */
export function adoptedContext(
  input: PositionInput,
  report: PositionStatusReport,
  strayStops: readonly (OrderStatusReport & { readonly clientOrderId: ClientOrderId })[] = [],
): PositionContext {
  const base = initialContext(input);
  const filled: OrderStatusReport = {
    source: report.source,
    venueTime: report.venueTime,
    venueSeq: report.venueSeq,
    receivedAt: report.receivedAt,
    venueOrderId: asVenueOrderId(`adopted:${input.id}`),
    clientOrderId: base.entry.clientOrderId,
    symbol: report.symbol,
    side: input.intent.side,
    type: 'market',
    amount: report.size,
    filled: report.size,
    averagePrice: report.entryPrice,
    status: 'filled',
    reduceOnly: false,
    triggerPrice: undefined,
  };
  const entry = { ...base.entry, send: 'accepted' as const, sentAt: report.receivedAt, report: filled };
  const baseline = { side: undefined, size: 0, timing: undefined };
  // Stops of posguard's still resting on the symbol for a position nobody drives (forgotten with
  // a wiped store) are this position's from now on: they are cancelled when it closes.
  const stops = strayStops.map((o) => ({
    ...newOrderTrack('stop', o.clientOrderId, o.side, o.amount),
    venueOrderId: o.venueOrderId,
    sentAt: o.receivedAt,
    send: 'accepted' as const,
    report: o,
  }));
  return applyPositionReport({ ...base, entry, baseline, stops, reason: 'adopted by the orphan sweep' }, report);
}
