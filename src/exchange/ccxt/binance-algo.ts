/**
 * The fate of a Binance USD-M conditional (algo) order, read from the venue's own record where
 * ccxt's unified status loses meaning (see docs/architecture.md, Order fates). ccxt maps both
 * `TRIGGERED` (placed in the matching engine, not filled) and `FINISHED` (filled *or cancelled*
 * in the engine) to `closed`, and then takes the whole amount as filled; Binance's own fields say
 * what happened: the Algo Service status (`algoStatus` over REST, `X` in `ALGO_UPDATE`), the
 * quantity executed in the matching engine (`aq` in `ALGO_UPDATE`; over REST only the actual
 * order says it, `executedQty`, which the profile attaches as `actualOrder`) and the reason of a
 * refusal (`rm`). A stop is reported filled only on a proven execution; a `FINISHED` stop whose
 * execution is unknown is not reported at all (`UnknownAlgoExecution`). Pure.
 *
 * @example
 * algoOrder({ …ccxtOrder, info: { aid: 7, X: 'FINISHED', aq: '0', q: '43' } })
 * // { …, id: 'algo:7', status: 'canceled', filled: 0, venueStatus: 'FINISHED' }  (lost: cancelled in the engine)
 */
import type { Order } from 'ccxt';
import { dec, gt } from '../../domain/decimal.js';
import { PosguardError } from '../../domain/errors.js';
import { field, infoOf, plainOrder } from './venue-profile.js';

/** posguard's name of an algo (conditional) order id. */
export const ALGO_PREFIX = 'algo:';

/** The algo id of a posguard venue order id (`algo:<id>`), or `undefined` for a regular order. */
export const algoIdOf = (venueOrderId: string): string | undefined =>
  venueOrderId.startsWith(ALGO_PREFIX) ? venueOrderId.slice(ALGO_PREFIX.length) : undefined;

/** A `FINISHED` algo order whose executed quantity no field gives: filled or not is unknown. */
export class UnknownAlgoExecution extends PosguardError {
  readonly code = 'UNKNOWN_ALGO_EXECUTION';
  constructor(readonly algoId: string) {
    super(
      `algo order ${algoId} is FINISHED but the reply gives no executed quantity; the order is queried again, never guessed filled`,
    );
  }
}

/** The regular order a triggered algo order placed, as the profile attaches it to the algo record. */
export interface ActualOrderRecord {
  readonly executedQty?: unknown;
  readonly avgPrice?: unknown;
  readonly status?: unknown;
}

/** The algo id of an algo record (REST `algoId`, stream `aid`), or `undefined` for a regular order. */
export function algoIdOfRecord(info: Record<string, unknown>): string | undefined {
  return field(info, 'algoId') ?? field(info, 'aid');
}

/** The actual order of a triggered algo order (`actualOrderId` over REST, `ai` in the stream), or `undefined`. */
export function actualOrderIdOf(info: Record<string, unknown>): string | undefined {
  return field(info, 'actualOrderId') ?? field(info, 'ai');
}

function positive(v: unknown): number | undefined {
  const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : '';
  if (s === '' || !/^-?\d+(\.\d+)?$/.test(s)) return undefined;
  return gt(s, 0) ? dec(s).toNumber() : undefined;
}

/** The quantity executed in the matching engine, `undefined` when no field gives it. */
function executedOf(info: Record<string, unknown>): number | undefined {
  const actual = info.actualOrder as ActualOrderRecord | undefined;
  const raw =
    field(info, 'aq') ?? (actual === undefined ? undefined : field(actual as Record<string, unknown>, 'executedQty'));
  if (raw === undefined) return undefined;
  return positive(raw) ?? 0;
}

function averageOf(info: Record<string, unknown>): number | undefined {
  const actual = info.actualOrder as ActualOrderRecord | undefined;
  return positive(info.ap) ?? positive(actual?.avgPrice) ?? positive(info.actualPrice);
}

/**
 * The algo order as `normalizeOrder` should read it: `id` `algo:<algoId>`, the status and filled
 * quantity from Binance's own fields, `venueStatus` and `rejectReason` (`rm`).
 */
export function algoOrder(order: Order): Record<string, unknown> {
  const info = infoOf(order);
  const algoId = algoIdOfRecord(info) ?? '';
  const venueStatus = field(info, 'algoStatus') ?? field(info, 'X');
  const amount = order.amount ?? positive(info.quantity) ?? positive(info.q);
  const executed = executedOf(info);
  const average = averageOf(info);
  const reason = field(info, 'rm');
  const base = {
    ...plainOrder(order),
    id: `${ALGO_PREFIX}${algoId}`,
    average,
    ...(venueStatus === undefined ? {} : { venueStatus }),
    ...(reason === undefined ? {} : { rejectReason: reason }),
  };
  switch (venueStatus) {
    case 'NEW':
      return { ...base, status: 'open', filled: 0 };
    case 'TRIGGERING':
    case 'TRIGGERED':
      return { ...base, status: 'triggered', filled: executed ?? 0 };
    case 'FINISHED': {
      if (executed === undefined) throw new UnknownAlgoExecution(algoId);
      const full = amount !== undefined && executed > 0 && !gt(amount, executed);
      return { ...base, status: full ? 'closed' : 'canceled', filled: executed };
    }
    case 'CANCELED':
    case 'CANCELLED':
      return { ...base, status: 'canceled', filled: executed ?? 0 };
    case 'EXPIRED':
      return { ...base, status: 'expired', filled: executed ?? 0 };
    case 'REJECTED':
      return { ...base, status: 'rejected', filled: executed ?? 0 };
    default:
      return { ...base, status: undefined };
  }
}
