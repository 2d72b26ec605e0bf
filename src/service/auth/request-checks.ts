/**
 * What every request must pass before a route sees it: a `Host` that is one of the server's
 * own names (no DNS rebinding: a page on another name that resolves here is refused), and for
 * a request that changes something, a JSON content type (a cross-site form cannot send one
 * without a CORS preflight, which posguard never grants) and, when the browser says where it
 * comes from, the same origin (`Origin`, `Sec-Fetch-Site`).
 *
 * Pure: receives the request's method and headers, answers a refusal or nothing.
 *
 * @example
 * const refusal = checkRequest({ method: 'POST', headers }, ownHosts('127.0.0.1', []));
 */
import { RequestRefused } from '../errors.js';

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]', '::1'];

/** The host names that are the server's own: loopback, the bind address, and `http.allowedHosts`. */
export function ownHosts(bindHost: string, allowed: readonly string[]): ReadonlySet<string> {
  const names = new Set([...LOOPBACK, ...allowed.map((h) => h.toLowerCase())]);
  if (bindHost !== '0.0.0.0' && bindHost !== '::')
    names.add(bindHost.includes(':') && !bindHost.startsWith('[') ? `[${bindHost}]` : bindHost.toLowerCase());
  return names;
}

/** `example.org:7070` → `example.org`; `[::1]:7070` → `[::1]`. */
export function hostName(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.lastIndexOf(':');
  return colon >= 0 ? h.slice(0, colon) : h;
}

export interface RequestFacts {
  readonly method: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

function header(facts: RequestFacts, name: string): string | undefined {
  const v = facts.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * `bodyless`: a PUT or DELETE route that takes no body (bull-board's writes) is let through
 * without the JSON content type — a browser never sends either cross-site without a CORS
 * preflight, which posguard never grants — but the origin checks still apply.
 */
export function checkRequest(
  facts: RequestFacts,
  own: ReadonlySet<string>,
  options: { readonly bodyless?: boolean } = {},
): RequestRefused | undefined {
  const host = header(facts, 'host');
  if (host === undefined || !own.has(hostName(host))) {
    return new RequestRefused(
      'FOREIGN_HOST',
      421,
      'this server does not answer to that host name (list it in http.allowedHosts if it is one of its own)',
    );
  }
  if (SAFE.has(facts.method)) return undefined;
  const type = header(facts, 'content-type');
  const bodyless = options.bodyless === true && (facts.method === 'PUT' || facts.method === 'DELETE');
  if (!bodyless && (type === undefined || !/^application\/json\s*(;|$)/i.test(type))) {
    return new RequestRefused(
      'JSON_REQUIRED',
      415,
      'a request that changes something must have Content-Type: application/json',
    );
  }
  const site = header(facts, 'sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return new RequestRefused('CROSS_SITE', 403, 'cross-site requests cannot change anything');
  }
  const origin = header(facts, 'origin');
  if (origin !== undefined) {
    let originHost: string;
    try {
      originHost = new URL(origin).host.toLowerCase();
    } catch {
      return new RequestRefused('CROSS_SITE', 403, 'the Origin header is not a URL');
    }
    if (originHost !== host.trim().toLowerCase())
      return new RequestRefused('CROSS_SITE', 403, 'cross-origin requests cannot change anything');
  }
  return undefined;
}
