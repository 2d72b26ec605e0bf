/**
 * What `posguard` exits with (documented in `--help` and the README), and which error maps to
 * which code.
 */
import { InvalidConfig, PosguardError } from '../domain/errors.js';
import { NotAvailableYet, UnsafeBind } from '../service/errors.js';
import { ApiRefused, ApiUnreachable } from './api-client.js';
import { UsageError } from './args.js';

export const EXIT = {
  /** Done. */
  ok: 0,
  /** The command ran and failed: the worker halted, a sweep failed, an unexpected error. */
  failed: 1,
  /** Bad arguments or a bad config: nothing was done. */
  usage: 2,
  /** No worker answers at the API's URL. */
  unreachable: 3,
  /** The API refused the request: invalid intent, unknown id, busy symbol, halted account, no permission. */
  refused: 4,
  /** This version cannot do it yet (flatten, the audit log). */
  notAvailable: 5,
} as const;

export const EXIT_CODES_HELP = `Exit codes:
  0  done
  1  failed (the worker halted, an unexpected error)
  2  bad arguments or config (nothing was done)
  3  no posguard worker answers at the API's URL
  4  the API refused the request (invalid intent, unknown id, busy, halted, no permission)
  5  not available in this version (flatten, the audit log)
`;

export function exitCodeOf(e: unknown): number {
  if (e instanceof UsageError || e instanceof InvalidConfig || e instanceof UnsafeBind) return EXIT.usage;
  // An account the config describes wrongly (an exchange id ccxt does not know, missing keys).
  if (e instanceof PosguardError && e.code === 'UNSUPPORTED_CCXT_ACCOUNT') return EXIT.usage;
  if (e instanceof ApiUnreachable) return EXIT.unreachable;
  if (e instanceof NotAvailableYet) return EXIT.notAvailable;
  if (e instanceof ApiRefused)
    return e.status === 501 ? EXIT.notAvailable : e.status < 500 ? EXIT.refused : EXIT.failed;
  if (e instanceof PosguardError) return EXIT.failed;
  return EXIT.failed;
}
