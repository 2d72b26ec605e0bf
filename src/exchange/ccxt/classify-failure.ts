/**
 * What a failed ccxt call came to (see docs/architecture.md, Principles). Receives the error a ccxt call threw
 * and whether any HTTP request had left; answers `rejected` (definitive: the venue refused, or
 * nothing was sent), `unknown` (timeout, network, 5xx, an unparseable reply, a duplicate
 * client order id, a code the venue documents as "status unknown" or one we do not know) or
 * `not-found`. Venue codes are read from the reply hook's `VenueRefusal`, not from ccxt's
 * classes, whose URL-keyed maps do not apply on other hosts. Pure.
 *
 * @example
 * classifyFailure(new VenueRefusal('bybit', '110017', '…', 200), { sent: true, codes: BYBIT_CODES })
 * // { kind: 'rejected', code: 'REDUCE_ONLY_WOULD_INCREASE', reason: 'bybit refused with code 110017: …' }
 */
import {
  AuthenticationError,
  BadRequest,
  BadResponse,
  BaseError,
  DDoSProtection,
  DuplicateOrderId,
  ExchangeError,
  InsufficientFunds,
  InvalidNonce,
  InvalidOrder,
  NetworkError,
  NotSupported,
  OperationRejected,
  OrderNotFound,
  RateLimitExceeded,
  RequestTimeout,
} from 'ccxt';
import { DUPLICATE_CLIENT_ORDER_ID } from '../../domain/outcome.js';
import { VenueRefusal, VenueServerError } from './errors.js';
import { classifyCode, type CodeTable } from './venue-codes.js';

/** How a failed call ended. */
export interface CallFailure {
  readonly kind: 'rejected' | 'unknown' | 'not-found';
  readonly code: string;
  readonly reason: string;
  readonly retryAfterMs?: number;
}

export interface FailureContext {
  /** True once an HTTP request of the call has left (a reply hook and a fetch hook tell). */
  readonly sent: boolean;
  /** The venue's code table; absent for venues without one (ccxt's classes are used). */
  readonly codes?: CodeTable;
  /** Removes credentials from a message. */
  readonly redact?: (text: string) => string;
}

const DEFAULT_RETRY_MS = 1_000;

function fromCode(e: VenueRefusal, codes: CodeTable, reason: string): CallFailure {
  const meaning = classifyCode(codes, e.venueCode);
  switch (meaning.kind) {
    case 'rejected':
      return { kind: 'rejected', code: meaning.label, reason };
    case 'rate-limited':
      return { kind: 'rejected', code: 'RATE_LIMITED', reason, retryAfterMs: e.retryAfterMs ?? DEFAULT_RETRY_MS };
    case 'duplicate':
      return {
        kind: 'unknown',
        code: DUPLICATE_CLIENT_ORDER_ID,
        reason: `${reason}; an earlier send with this client order id may have landed`,
      };
    case 'not-found':
      return { kind: 'not-found', code: 'ORDER_NOT_FOUND', reason };
    case 'unknown':
      return { kind: 'unknown', code: meaning.label, reason };
  }
}

function fromCcxtClass(e: unknown, reason: string): CallFailure {
  if (e instanceof RateLimitExceeded || e instanceof DDoSProtection)
    return { kind: 'rejected', code: 'RATE_LIMITED', reason, retryAfterMs: DEFAULT_RETRY_MS };
  if (e instanceof RequestTimeout) return { kind: 'unknown', code: 'TIMEOUT', reason };
  if (e instanceof InvalidNonce) return { kind: 'rejected', code: 'TIMESTAMP_OUTSIDE_WINDOW', reason };
  if (e instanceof NetworkError) return { kind: 'unknown', code: 'NETWORK_ERROR', reason };
  if (e instanceof BadResponse) return { kind: 'unknown', code: 'UNPARSEABLE_REPLY', reason };
  if (e instanceof OrderNotFound) return { kind: 'not-found', code: 'ORDER_NOT_FOUND', reason };
  if (e instanceof DuplicateOrderId) return { kind: 'unknown', code: DUPLICATE_CLIENT_ORDER_ID, reason };
  if (e instanceof AuthenticationError) return { kind: 'rejected', code: 'AUTHENTICATION', reason };
  if (e instanceof InsufficientFunds) return { kind: 'rejected', code: 'INSUFFICIENT_FUNDS', reason };
  if (
    e instanceof InvalidOrder ||
    e instanceof BadRequest ||
    e instanceof OperationRejected ||
    e instanceof NotSupported
  ) {
    return { kind: 'rejected', code: 'INVALID_ORDER', reason };
  }
  if (e instanceof ExchangeError || e instanceof BaseError)
    return { kind: 'unknown', code: 'UNRECOGNISED_ERROR', reason };
  return { kind: 'unknown', code: 'UNPARSEABLE_REPLY', reason };
}

/** The meaning of the error a ccxt call threw; see the module header. */
export function classifyFailure(error: unknown, ctx: FailureContext): CallFailure {
  const redact = ctx.redact ?? ((s: string) => s);
  const reason = redact(error instanceof Error ? error.message : String(error));
  if (!ctx.sent) return { kind: 'rejected', code: 'NOT_SENT', reason: `not sent: ${reason}` };
  if (error instanceof VenueServerError) return { kind: 'unknown', code: 'SERVER_ERROR', reason };
  if (error instanceof VenueRefusal && ctx.codes !== undefined) return fromCode(error, ctx.codes, reason);
  return fromCcxtClass(error, reason);
}
