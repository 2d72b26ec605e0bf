/**
 * What every Binance handler of the wire simulator shares: the request parameters (query and
 * form body together), the signature check (`X-MBX-APIKEY`, HMAC-SHA256 of the query string
 * followed by the body, `timestamp` within `recvWindow`), and Binance's answers to the
 * venue's failures (429 with `-1003` and `Retry-After`, 418 for an IP ban, 403 for the WAF
 * limit, HTTP 5xx, HTTP 400 with the venue's code, or no reply).
 * Pure request handling.
 *
 * @example
 * const signed = signedAccount(b, request); if (typeof signed !== 'string') return signed;
 */
import { asAccountId, type AccountId } from '../../domain/ids.js';
import type { VenueError, VenueReply } from '../../exchange/sim/venue-replies.js';
import { hmacHex, sameSignature } from '../credentials.js';
import { header, HOLD, json, text, type WireReply, type WireRequest } from '../http-io.js';
import { binanceRefusal, type RefusalContext } from '../refusal-codes.js';
import type { WireContext } from '../wire-context.js';
import type { ListenKeys } from './listen-keys.js';

/** The Binance side of the simulator: the shared context, listen keys and the order id offset. */
export interface BinanceWire {
  readonly ctx: WireContext;
  readonly listenKeys: ListenKeys;
  readonly orderIdBase: bigint;
}

/** Binance's error body. */
export const error = (code: number, msg: string, status = 400): WireReply => json({ code, msg }, status);

/** Query and form-body parameters together (Binance accepts either). */
export function paramsOf(req: WireRequest): Record<string, string> {
  const form = /^[^{[]/.test(req.body.trim()) ? new URLSearchParams(req.body) : new URLSearchParams();
  return { ...Object.fromEntries(req.query), ...Object.fromEntries(form) };
}

const withoutSignature = (s: string): string =>
  s
    .split('&')
    .filter((kv) => kv !== '' && !kv.startsWith('signature='))
    .join('&');

/** The account of an API key (listen-key endpoints are keyed but not signed). */
export function keyedAccount(b: BinanceWire, req: WireRequest): AccountId | WireReply {
  const credential = b.ctx.credentials.byKey(header(req.headers, 'x-mbx-apikey'));
  return credential === undefined
    ? error(-2015, 'Invalid API-key, IP, or permissions for action.', 401)
    : asAccountId(credential.account);
}

/** Checks key, timestamp and signature; the account, or Binance's refusal. */
export function signedAccount(b: BinanceWire, req: WireRequest): AccountId | WireReply {
  const credential = b.ctx.credentials.byKey(header(req.headers, 'x-mbx-apikey'));
  if (credential === undefined) return error(-2015, 'Invalid API-key, IP, or permissions for action.', 401);
  const params = paramsOf(req);
  const ts = Number(params.timestamp);
  const recv = Number(params.recvWindow ?? '5000');
  const now = b.ctx.wallNow();
  if (!Number.isFinite(ts) || ts > now + 1_000 || now - ts > recv) {
    return error(-1021, 'Timestamp for this request is outside of the recvWindow.');
  }
  const payload = withoutSignature(req.rawQuery) + withoutSignature(req.body);
  if (!sameSignature(hmacHex(credential.secret, payload), params.signature))
    return error(-1022, 'Signature for this request is not valid.');
  return asAccountId(credential.account);
}

/** Binance's answer to a failed venue call. */
export function failure(b: BinanceWire, err: VenueError, rc: RefusalContext): WireReply {
  switch (err.kind) {
    case 'rate-limited': {
      const retryAfter = { 'Retry-After': String(Math.ceil(err.retryAfterMs / 1000)) };
      if (err.http === 403) return text('403 Forbidden: the WAF limit was violated', 403, retryAfter);
      if (err.http === 418)
        return json(
          {
            code: -1003,
            msg: `Way too many requests; IP(127.0.0.1) banned until ${b.ctx.now() + err.retryAfterMs}. Please use the websocket for live updates to avoid bans.`,
          },
          418,
          retryAfter,
        );
      return json(
        {
          code: -1003,
          msg: 'Too many requests; current limit of IP is 2400 requests per minute. Please use the websocket for live updates to avoid polling the API.',
        },
        429,
        retryAfter,
      );
    }
    case 'server-error':
      return error(-1001, 'Internal error; unable to process your request. Please try again.', err.status);
    case 'refused': {
      const r = binanceRefusal(err.code, err.reason, rc);
      return error(r.code, r.msg);
    }
    case 'timeout':
      return HOLD;
  }
}

/** The venue's body through `ok`, or Binance's failure. */
export function answer<T>(
  b: BinanceWire,
  reply: VenueReply<T>,
  rc: RefusalContext,
  ok: (body: T) => WireReply,
): WireReply {
  return reply.ok ? ok(reply.body) : failure(b, reply.error, rc);
}
