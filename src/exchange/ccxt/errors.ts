/**
 * Named errors of the ccxt adapter (stable codes), and the errors its reply hook throws in
 * place of ccxt's own: a venue's coded refusal (`VenueRefusal`, e.g. Bybit retCode 110017 or
 * Binance -2019, on any host — ccxt's URL-keyed error maps do not apply off the venue's own
 * hosts) and an HTTP 5xx (`VenueServerError`). Messages never carry API keys or secrets.
 *
 * @example
 * throw new VenueRefusal('bybit', '110072', 'OrderLinkedID is duplicate', 200);
 */
import { PosguardError } from '../../domain/errors.js';

/** The venue answered with an error code: it processed the request and said no (or "unknown"). */
export class VenueRefusal extends PosguardError {
  readonly code = 'VENUE_REFUSAL';
  constructor(
    readonly venue: string,
    readonly venueCode: string,
    readonly venueMessage: string,
    readonly httpStatus: number,
    readonly retryAfterMs?: number,
  ) {
    super(`${venue} refused with code ${venueCode}: ${venueMessage}`);
  }
}

/** The venue answered with HTTP 5xx: the request may or may not have been processed. */
export class VenueServerError extends PosguardError {
  readonly code = 'VENUE_SERVER_ERROR';
  constructor(
    readonly venue: string,
    readonly httpStatus: number,
  ) {
    super(`${venue} answered HTTP ${httpStatus}; the request may or may not have been processed`);
  }
}

/** A reply that lacks a field a position report needs. */
export class MalformedPositionReply extends PosguardError {
  readonly code = 'MALFORMED_POSITION_REPLY';
  constructor(
    readonly field: string,
    readonly symbol: string | undefined,
    detail: string,
  ) {
    super(
      `position reply${symbol === undefined ? '' : ` for ${symbol}`} has ${detail} in '${field}'; the position must be queried again, never guessed`,
    );
  }
}

/** An account the adapter cannot build a ccxt exchange for. */
export class UnsupportedCcxtAccount extends PosguardError {
  readonly code = 'UNSUPPORTED_CCXT_ACCOUNT';
  constructor(
    readonly account: string,
    reason: string,
  ) {
    super(`account ${account}: ${reason}`);
  }
}

/** A call on a port after `close()`: a programming error, not exchange trouble. */
export class CcxtPortClosed extends PosguardError {
  readonly code = 'CCXT_PORT_CLOSED';
  constructor(account: string, method: string) {
    super(`${method} on the ccxt port of account ${account} after close(); create a new port`);
  }
}
