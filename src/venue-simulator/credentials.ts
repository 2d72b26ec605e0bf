/**
 * The API keys the wire simulator accepts, each bound to one account of the simulated venue,
 * and the HMAC helpers both venues sign with. Secrets never leave this module's callers in a
 * reply or a log line.
 *
 * @example
 * const book = new CredentialBook([{ apiKey: 'k', secret: 's', account: 'main' }]);
 * book.byKey('k')?.account // 'main'
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** One API key of the simulator and the venue account it trades on. */
export interface WireCredential {
  readonly apiKey: string;
  readonly secret: string;
  readonly account: string;
}

/** What `posguard sim` accepts when no key is configured. */
export const DEFAULT_WIRE_CREDENTIAL: WireCredential = {
  apiKey: 'posguard-sim-key',
  secret: 'posguard-sim-secret',
  account: 'main',
};

/** The accepted keys, looked up by API key. */
export class CredentialBook {
  private readonly keys: ReadonlyMap<string, WireCredential>;

  constructor(list: readonly WireCredential[]) {
    if (list.length === 0) throw new RangeError('the wire simulator needs at least one credential');
    this.keys = new Map(list.map((c) => [c.apiKey, c]));
  }

  byKey(apiKey: string | undefined): WireCredential | undefined {
    return apiKey === undefined ? undefined : this.keys.get(apiKey);
  }

  get all(): WireCredential[] {
    return [...this.keys.values()];
  }
}

/** Lower-case hex HMAC-SHA256, as both venues sign. */
export function hmacHex(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('hex');
}

/** Constant-time comparison of two signatures (case-insensitive hex). */
export function sameSignature(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(expected.toLowerCase());
  const b = Buffer.from(given.toLowerCase());
  return a.length === b.length && timingSafeEqual(a, b);
}
