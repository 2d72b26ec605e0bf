/**
 * The browser session: a token exchanged once (`POST /v1/session`) for an HttpOnly,
 * SameSite=Strict cookie, so that no token ever sits in a URL (`EventSource` sends the
 * cookie). The cookie holds the token's name, an expiry and an HMAC of both keyed by the
 * token itself: it reveals nothing, every worker with the same config accepts it, and
 * removing the token from the config ends its sessions.
 *
 * @example
 * const value = signSession({ name: 'default', token }, Date.now() + SESSION_MS);
 * verifySession(value, tokens, Date.now())?.name; // 'default'
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Principal, TokenTable } from './tokens.js';

export const SESSION_COOKIE = 'posguard_session';
/** How long a session lasts: 12 hours. */
export const SESSION_MS = 12 * 60 * 60 * 1000;

const mac = (token: string, payload: string): string => createHmac('sha256', token).update(payload).digest('base64url');

export function signSession(who: { name: string; token: string }, expiresAt: number): string {
  const payload = `${who.name}.${expiresAt}`;
  return `${payload}.${mac(who.token, payload)}`;
}

export function verifySession(value: string, tokens: TokenTable, now: number): Principal | undefined {
  const match = /^([A-Za-z0-9_.-]+)\.(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(value);
  if (match === null) return undefined;
  const [, name = '', expires = '', given = ''] = match;
  const entry = tokens.secretOf(name);
  if (entry === undefined || Number(expires) <= now) return undefined;
  const expected = Buffer.from(mac(entry.token, `${name}.${expires}`));
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual) ? entry.principal : undefined;
}

/** The `Set-Cookie` value of a session (`secure` when the API is served over TLS). */
export function sessionCookie(value: string, maxAgeMs: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(maxAgeMs / 1000)}${secure ? '; Secure' : ''}`;
}

/** The value of one cookie in a `Cookie` header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
