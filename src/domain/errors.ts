/**
 * Small named errors with stable codes (STYLE point 8). Messages say what happened, what
 * was expected and what the user can do; `code` is what programs switch on.
 *
 * @example
 * try { validateIntent(raw, market, mark) } catch (e) { if (e instanceof InvalidIntent) e.field }
 */
export abstract class PosguardError extends Error {
  abstract readonly code: string;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** An intent that cannot be sent as it is. Never rounded: the bot must fix it. */
export class InvalidIntent extends PosguardError {
  readonly code = 'INVALID_INTENT';
  constructor(readonly field: string, readonly reason: string) {
    super(`invalid intent: ${field} ${reason}`);
  }
}

/** An exchange reply that lacks a field we need, or carries one we do not recognise. */
export class MalformedOrderReply extends PosguardError {
  readonly code = 'MALFORMED_ORDER_REPLY';
  constructor(readonly field: string, readonly venueOrderId: string | undefined, detail: string) {
    super(`order reply${venueOrderId ? ` for venue order ${venueOrderId}` : ''} has ${detail} in '${field}'; ` +
      'the order must be looked up again, its side is never guessed');
  }
}

/** A close (or rollback) that posguard refuses to send, because it could grow a position. */
export class CloseRefused extends PosguardError {
  readonly code = 'CLOSE_REFUSED';
  constructor(readonly reason: 'flat' | 'no-side' | 'side-disagrees' | 'hedge-mode' | 'nothing-filled', detail: string) {
    super(`close refused (${reason}): ${detail}`);
  }
}

/** A client order id that would not fit the venues' rules. */
export class InvalidClientOrderId extends PosguardError {
  readonly code = 'INVALID_CLIENT_ORDER_ID';
}

/** A configuration file or object that does not validate. */
export class InvalidConfig extends PosguardError {
  readonly code = 'INVALID_CONFIG';
  constructor(readonly field: string, readonly reason: string) {
    super(field === '' ? `invalid config: ${reason}` : `invalid config: ${field}: ${reason}`);
  }
}
