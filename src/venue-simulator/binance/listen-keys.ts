/**
 * Binance's listen keys: `POST /fapi/v1/listenKey` opens one per account (or returns the one
 * still valid, extended), `PUT` extends it, `DELETE` closes it and the stream open on it; keys
 * expire 60 minutes after their last extension, and a stream whose key expired is told so
 * (`listenKeyExpired`) and receives nothing more. Receives key operations and the venue time;
 * sends `expired`/`closed` to the streams listening on a key; touches only itself.
 *
 * @example
 * const key = keys.open('main', now); keys.listen(key, { expired, closed }); keys.expireDue(now + 3_600_000);
 */
import { randomBytes } from 'node:crypto';

/** A key's validity after its creation or last extension (Binance: 60 minutes). */
export const LISTEN_KEY_VALIDITY_MS = 60 * 60_000;

/** What a stream open on a key is told. */
export interface KeyListener {
  /** The key expired: Binance pushes `listenKeyExpired` and sends no more events on it. */
  expired(key: string): void;
  /** The key was deleted: Binance closes the stream. */
  closed(key: string): void;
}

interface Entry {
  readonly account: string;
  expiresAt: number;
  expiredSent: boolean;
  readonly listeners: Set<KeyListener>;
}

export class ListenKeys {
  private readonly keys = new Map<string, Entry>();

  /** The account's valid key (extended), or a new one. */
  open(account: string, now: number): string {
    const valid = this.validKeyOf(account, now);
    if (valid !== undefined) return valid;
    const key = randomBytes(48).toString('base64url');
    this.keys.set(key, { account, expiresAt: now + LISTEN_KEY_VALIDITY_MS, expiredSent: false, listeners: new Set() });
    return key;
  }

  /** Extends the account's key; `undefined` when it has no valid one. */
  extend(account: string, now: number): string | undefined {
    return this.validKeyOf(account, now);
  }

  /** Deletes the account's keys and closes the streams open on them. */
  closeFor(account: string): void {
    for (const [key, entry] of this.keys) {
      if (entry.account !== account) continue;
      this.keys.delete(key);
      for (const l of entry.listeners) l.closed(key);
    }
  }

  /** The account a valid key belongs to. */
  accountOf(key: string, now: number): string | undefined {
    const entry = this.keys.get(key);
    return entry !== undefined && entry.expiresAt > now ? entry.account : undefined;
  }

  /** Registers a stream open on `key`; returns its removal. */
  listen(key: string, listener: KeyListener): () => void {
    const entry = this.keys.get(key);
    entry?.listeners.add(listener);
    return () => entry?.listeners.delete(listener);
  }

  /** Tells the streams of every key that expired by `now` (once per key). */
  expireDue(now: number): void {
    for (const [key, entry] of this.keys) {
      if (entry.expiresAt > now || entry.expiredSent) continue;
      entry.expiredSent = true;
      for (const l of entry.listeners) l.expired(key);
    }
  }

  /** Lets the account's keys expire now (the admin endpoint's knob for tests); returns how many. */
  expire(account: string, now: number): number {
    let n = 0;
    for (const entry of this.keys.values()) {
      if (entry.account !== account || entry.expiresAt <= now) continue;
      entry.expiresAt = now;
      n++;
    }
    this.expireDue(now);
    return n;
  }

  clear(): void {
    this.keys.clear();
  }

  private validKeyOf(account: string, now: number): string | undefined {
    for (const [key, entry] of this.keys) {
      if (entry.account === account && entry.expiresAt > now) {
        entry.expiresAt = now + LISTEN_KEY_VALIDITY_MS;
        return key;
      }
    }
    return undefined;
  }
}
