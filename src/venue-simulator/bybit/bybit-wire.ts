/**
 * What every Bybit handler of the wire simulator shares: the signature check (`X-BAPI-*`
 * headers, HMAC-SHA256 of timestamp + key + recvWindow + query or body) and Bybit's answers to
 * the venue's failures: retCode 10006 with HTTP 200 for the per-UID rate limit, HTTP 403 for the
 * IP limit ("access too frequent"), HTTP 429 for system-level protection, an HTTP 5xx page, a
 * refusal in the envelope, or no reply at all. Pure request handling.
 *
 * @example
 * const account = signedAccount(ctx, request); if (typeof account !== 'string') return account;
 */
import { asAccountId, type AccountId } from '../../domain/ids.js';
import type { VenueError, VenueReply } from '../../exchange/sim/venue-replies.js';
import { hmacHex, sameSignature } from '../credentials.js';
import { header, HOLD, json, text, type WireReply, type WireRequest } from '../http-io.js';
import { bybitRefusal, type RefusalContext } from '../refusal-codes.js';
import type { WireContext } from '../wire-context.js';
import { envelope, errorEnvelope } from './bybit-format.js';

/** A refusal in Bybit's envelope (HTTP 200). */
export const refuse = (ctx: WireContext, code: number, msg: string): WireReply =>
  json(errorEnvelope(code, msg, ctx.now()));

/** The answer to a failed venue call, as Bybit gives it. */
export function failure(ctx: WireContext, error: VenueError, rc: RefusalContext): WireReply {
  switch (error.kind) {
    case 'rate-limited':
      if (error.http === 403 || error.http === 418) return text('403 Forbidden: access too frequent', 403);
      if (error.http === 429) return text('429 Too Many Requests: system level frequency protection', 429);
      return json(errorEnvelope(10006, 'Too many visits!', ctx.now()), 200, {
        'X-Bapi-Limit': '10',
        'X-Bapi-Limit-Status': '0',
        'X-Bapi-Limit-Reset-Timestamp': String(ctx.now() + error.retryAfterMs),
      });
    case 'server-error':
      return text(`<html><body><h1>${error.status} Service Unavailable</h1></body></html>`, error.status);
    case 'refused': {
      const r = bybitRefusal(error.code, error.reason, rc);
      return refuse(ctx, r.code, r.msg);
    }
    case 'timeout':
      return HOLD;
  }
}

/** The venue's body in Bybit's envelope through `ok`, or Bybit's failure. */
export function answer<T>(
  ctx: WireContext,
  reply: VenueReply<T>,
  rc: RefusalContext,
  ok: (body: T) => unknown,
): WireReply {
  return reply.ok ? json(envelope(ok(reply.body), ctx.now())) : failure(ctx, reply.error, rc);
}

/** Checks the signature of a private request; the account it trades on, or Bybit's refusal. */
export function signedAccount(ctx: WireContext, req: WireRequest): AccountId | WireReply {
  const key = header(req.headers, 'x-bapi-api-key');
  const credential = ctx.credentials.byKey(key);
  if (credential === undefined) return refuse(ctx, 10003, 'API key is invalid.');
  const ts = header(req.headers, 'x-bapi-timestamp') ?? '';
  const recv = header(req.headers, 'x-bapi-recv-window') ?? '5000';
  const now = ctx.wallNow();
  if (!/^\d+$/.test(ts) || Number(ts) > now + 1_000 || now - Number(ts) > Number(recv)) {
    return refuse(
      ctx,
      10002,
      `invalid request, please check your server timestamp or recv_window param. req_timestamp[${ts}],server_timestamp[${now}],recv_window[${recv}]`,
    );
  }
  const payload = ts + credential.apiKey + recv + (req.method === 'GET' ? req.rawQuery : req.body);
  if (!sameSignature(hmacHex(credential.secret, payload), header(req.headers, 'x-bapi-sign'))) {
    return refuse(ctx, 10004, 'error sign! origin_string[' + payload.replace(credential.apiKey, '***') + ']');
  }
  return asAccountId(credential.account);
}
