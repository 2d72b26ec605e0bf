/**
 * Binance's listen keys: `POST /fapi/v1/listenKey` opens one per account (or returns the one
 * still valid, extended), `PUT` extends it, `DELETE` closes it; the user-data stream
 * connects with it. Keys expire 60 minutes after their last extension. Touches only itself.
 *
 * @example
 * const key = keys.open('main', now); keys.accountOf(key, now) // 'main'
 */
import { randomBytes } from 'node:crypto';

const VALIDITY_MS = 60 * 60_000;

interface Entry {
  readonly account: string;
  expiresAt: number;
}

export class ListenKeys {
  private readonly keys = new Map<string, Entry>();

  /** The account's valid key (extended), or a new one. */
  open(account: string, now: number): string {
    for (const [key, entry] of this.keys) {
      if (entry.account === account && entry.expiresAt > now) {
        entry.expiresAt = now + VALIDITY_MS;
        return key;
      }
    }
    const key = randomBytes(48).toString('base64url');
    this.keys.set(key, { account, expiresAt: now + VALIDITY_MS });
    return key;
  }

  /** Extends the account's key; `undefined` when it has none. */
  extend(account: string, now: number): string | undefined {
    for (const [key, entry] of this.keys) {
      if (entry.account === account && entry.expiresAt > now) {
        entry.expiresAt = now + VALIDITY_MS;
        return key;
      }
    }
    return undefined;
  }

  closeFor(account: string): void {
    for (const [key, entry] of this.keys) if (entry.account === account) this.keys.delete(key);
  }

  /** The account a valid key belongs to. */
  accountOf(key: string, now: number): string | undefined {
    const entry = this.keys.get(key);
    return entry !== undefined && entry.expiresAt > now ? entry.account : undefined;
  }

  clear(): void {
    this.keys.clear();
  }
}
