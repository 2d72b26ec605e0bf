/**
 * Small named errors with stable codes (STYLE point 8). Messages say what happened, what
 * was expected and what the user can do; `code` is what programs switch on.
 *
 * @example
 * try { validateIntent(raw, market, mark) } catch (e) { if (e instanceof InvalidIntent) e.field }
 */
/** The message of anything thrown, for reasons and logs. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

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
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`invalid intent: ${field} ${reason}`);
  }
}

/** An exchange reply that lacks a field we need, or carries one we do not recognise. */
export class MalformedOrderReply extends PosguardError {
  readonly code = 'MALFORMED_ORDER_REPLY';
  constructor(
    readonly field: string,
    readonly venueOrderId: string | undefined,
    detail: string,
  ) {
    super(
      `order reply${venueOrderId ? ` for venue order ${venueOrderId}` : ''} has ${detail} in '${field}'; ` +
        'the order must be looked up again, its side is never guessed',
    );
  }
}

/** A close (or rollback) that posguard refuses to send, because it could grow a position. */
export class CloseRefused extends PosguardError {
  readonly code = 'CLOSE_REFUSED';
  constructor(
    readonly reason: 'flat' | 'no-side' | 'side-disagrees' | 'hedge-mode' | 'nothing-filled',
    detail: string,
  ) {
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
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(field === '' ? `invalid config: ${reason}` : `invalid config: ${field}: ${reason}`);
  }
}

/** A second intent for an (account, symbol) that already has a position that is not final. */
export class SymbolBusy extends PosguardError {
  readonly code = 'SYMBOL_BUSY';
  constructor(
    readonly account: string,
    readonly symbol: string,
    readonly positionId: string,
    state: string,
  ) {
    super(
      `${symbol} on account ${account} already has position ${positionId} in state ${state}; ` +
        'close it or wait until it is final before opening another',
    );
  }
}

export class UnknownAccount extends PosguardError {
  readonly code = 'UNKNOWN_ACCOUNT';
  constructor(
    readonly account: string,
    known: readonly string[],
  ) {
    super(`no account '${account}' in the config (accounts: ${known.join(', ') || 'none'})`);
  }
}

/** New intents are refused: the account (or the whole guard) is halted. */
export class Halted extends PosguardError {
  readonly code = 'HALTED';
  constructor(
    readonly scope: string,
    why: string,
  ) {
    super(
      `${scope} is halted (${why}); new intents are refused, positions in flight carry on; resume it to accept intents`,
    );
  }
}

/** The account is in hedge mode, which posguard does not support end to end yet. */
export class HedgeModeUnsupported extends PosguardError {
  readonly code = 'HEDGE_MODE_UNSUPPORTED';
  constructor(readonly account: string) {
    super(
      `account ${account} is in hedge (dual-side) position mode; posguard refuses its intents until hedge mode is ` +
        'supported end to end: switch the account to one-way mode',
    );
  }
}

export class UnknownPosition extends PosguardError {
  readonly code = 'UNKNOWN_POSITION';
  constructor(readonly positionId: string) {
    super(`no position with id ${positionId}`);
  }
}

/** `settled()` ran out of time; the position carries on. */
export class SettleTimeout extends PosguardError {
  readonly code = 'SETTLE_TIMEOUT';
  constructor(
    readonly positionId: string,
    readonly state: string,
    timeoutMs: number,
  ) {
    super(`position ${positionId} did not settle within ${timeoutMs} ms; it is in state ${state} and carries on`);
  }
}

/** The guard was stopped; it accepts nothing more. */
export class GuardStopped extends PosguardError {
  readonly code = 'GUARD_STOPPED';
  constructor() {
    super('the guard has been stopped; create a new one');
  }
}

/** The position failed before its entry was sent (its journal or baseline could not be written or read). */
export class EntryNotSent extends PosguardError {
  readonly code = 'ENTRY_NOT_SENT';
  constructor(
    readonly positionId: string,
    reason: string,
  ) {
    super(`position ${positionId} failed ${reason}; no order reached the exchange, the intent may be submitted again`);
  }
}

/**
 * The venue holds a position on the intent's symbol on the other side, which no position of
 * posguard's tracks: the entry would trade into it (and no stop could be placed) rather than
 * open a position. Nothing is sent (see docs/architecture.md, Evidence and freshness).
 */
export class OppositePositionHeld extends PosguardError {
  readonly code = 'OPPOSITE_POSITION_HELD';
  constructor(
    readonly symbol: string,
    held: { readonly side: string; readonly size: number },
    intentSide: string,
  ) {
    super(
      `the account holds a ${held.side === 'buy' ? 'long' : 'short'} of ${held.size} ${symbol} that posguard does not track (another program's, or an orphan): ` +
        `a ${intentSide} would trade into it instead of opening a position, so nothing was sent; close or adopt that position first`,
    );
  }
}

/** The journal could not be written: no order is sent. */
export class JournalUnavailable extends PosguardError {
  readonly code = 'JOURNAL_UNAVAILABLE';
  constructor(reason: string) {
    super(`the journal could not be written (${reason}); posguard sends no order it has not written down`);
  }
}

/** Another worker holds the account's ownership lease: intents for it go to that worker. */
export class NotOwner extends PosguardError {
  readonly code = 'NOT_OWNER';
  constructor(readonly account: string) {
    super(
      `account ${account} is driven by another posguard worker (it holds the ownership lease); send the intent there, or wait until this worker takes the account over`,
    );
  }
}

/** The account is not driven right now: taking it failed (or its supervisor gave up), and it is tried again. */
export class AccountUnavailable extends PosguardError {
  readonly code = 'ACCOUNT_UNAVAILABLE';
  constructor(
    readonly account: string,
    readonly why: string,
  ) {
    super(
      `account ${account} is not driven right now (${why}); posguard retries with backoff and has raised an alert; try again later`,
    );
  }
}

/** Redis (the journal and the leases) cannot be reached at start. */
export class StorageUnavailable extends PosguardError {
  readonly code = 'STORAGE_UNAVAILABLE';
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super(
      `cannot reach Redis at ${url} (${reason}); posguard journals every intent there before it sends anything. ` +
        'Start Redis (see README), or set "redis" in the config file',
    );
  }
}

/** An intent found journalled after a restart that the bot was never told was accepted: it is not sent. */
export class IntentUnconfirmed extends PosguardError {
  readonly code = 'INTENT_UNCONFIRMED';
  constructor(
    readonly positionId: string,
    why?: string,
  ) {
    super(
      why === undefined
        ? `position ${positionId} was journalled but the bot was never told it was accepted (the worker stopped or the write's ` +
            'reply was lost); posguard does not send it'
        : `position ${positionId} is not sent: ${why}`,
    );
  }
}

/**
 * An operator's action on an orphan (adopt, flatten) that posguard will not carry out: the
 * venue holds nothing there now, holds something else than what was found, or its fresh read
 * is older than what posguard already knows of the symbol (a lagging read of a position
 * that is gone must never be adopted).
 */
export class OrphanRefused extends PosguardError {
  readonly code = 'ORPHAN_REFUSED';
  constructor(
    readonly account: string,
    readonly symbol: string,
    reason: string,
  ) {
    super(`${symbol} on account ${account}: ${reason}`);
  }
}
