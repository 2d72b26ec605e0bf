/**
 * The HTTP face of posguard's errors, in one place: every named error (`code`) maps to one
 * status, and the body is `{ error: code, message, field? }` — never a stack trace. A client's
 * mistake is a 4xx; a 5xx only says that posguard itself could not do it (Redis down, an
 * account no worker drives, a feature this version does not have).
 *
 * @example
 * const { status, body } = httpError(new SymbolBusy('main', 'AVL/USDT:USDT', 'p1', 'open')); // 409
 */
import { PosguardError } from '../domain/errors.js';

/** A request the API refuses before it reaches the guard (bad input, auth, origin). */
export class RequestRefused extends PosguardError {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** Something this version of posguard cannot do yet: a clear 501 saying what is missing. */
export class NotAvailableYet extends PosguardError {
  readonly code = 'NOT_AVAILABLE_YET';
  constructor(
    readonly action: string,
    missing: string,
  ) {
    super(`${action} is not available in this version: ${missing}`);
  }
}

/** An alert id that is not stored (or was dropped by the cap). */
export class UnknownAlert extends PosguardError {
  readonly code = 'UNKNOWN_ALERT';
  constructor(readonly alertId: string) {
    super(`no alert with id ${alertId}`);
  }
}

/** An orphan that is not in the inbox (taken, dismissed, or not found by the latest sweep). */
export class UnknownOrphan extends PosguardError {
  readonly code = 'UNKNOWN_ORPHAN';
  constructor(
    readonly account: string,
    readonly symbol: string,
  ) {
    super(
      `no orphan on ${symbol} of account ${account} in the inbox (taken, dismissed, or not found by the latest sweep); sweep again to see what the venue holds`,
    );
  }
}

/** `start` refuses to listen beyond this machine without a token. */
export class UnsafeBind extends PosguardError {
  readonly code = 'UNSAFE_BIND';
  constructor(readonly host: string) {
    super(
      `http.host is ${host}, which other machines can reach, and no API token is configured: anyone who reaches it ` +
        'could trade. Set http.token (or http.tokens), or bind 127.0.0.1',
    );
  }
}

/** The status of each named error (its `code`); anything not listed is a 500. */
export const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  INVALID_INTENT: 400,
  INVALID_CONFIG: 400,
  UNKNOWN_ACCOUNT: 404,
  UNKNOWN_POSITION: 404,
  UNKNOWN_ALERT: 404,
  UNKNOWN_ORPHAN: 404,
  ORPHAN_REFUSED: 409,
  SYMBOL_BUSY: 409,
  HALTED: 409,
  HEDGE_MODE_UNSUPPORTED: 409,
  // Not the client's mistake: no worker of the fleet owns the account right now (an account
  // another worker owns is handed over; see docs/architecture.md, The fleet).
  NOT_OWNER: 503,
  // Handed to the owner, whose answer is not known: accepted, its fate to be polled (the routes answer it).
  HANDOVER_UNANSWERED: 202,
  // Withdrawn before the owner journalled it: nothing was sent, it may be submitted again.
  HANDOVER_WITHDRAWN: 503,
  GUARD_STOPPED: 503,
  JOURNAL_UNAVAILABLE: 503,
  STORAGE_UNAVAILABLE: 503,
  ALERT_STORE_UNAVAILABLE: 503,
  LEASE_LOST: 503,
  ENTRY_NOT_SENT: 503,
  NOT_AVAILABLE_YET: 501,
};

export interface ErrorBody {
  readonly error: string;
  readonly message: string;
  readonly field?: string;
}

/** The status and body of a thrown error; an unnamed one says only that it was unexpected. */
export function httpError(e: unknown): { status: number; body: ErrorBody } {
  if (e instanceof RequestRefused)
    return {
      status: e.status,
      body: { error: e.code, message: e.message, ...(e.field === undefined ? {} : { field: e.field }) },
    };
  if (e instanceof PosguardError) {
    const field = (e as { field?: unknown }).field;
    return {
      status: STATUS_BY_CODE[e.code] ?? 500,
      body: { error: e.code, message: e.message, ...(typeof field === 'string' && field !== '' ? { field } : {}) },
    };
  }
  // An unexpected error's text may say anything (a path, a payload): it goes to the log only.
  return {
    status: 500,
    body: { error: 'INTERNAL', message: 'posguard could not answer this request; the reason is in its log' },
  };
}
