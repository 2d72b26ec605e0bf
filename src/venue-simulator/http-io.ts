/**
 * The HTTP plumbing of the wire simulator: reads one request (method, path, the query string
 * exactly as sent, the body), and writes one reply (JSON, text, or no reply at all — a
 * "timeout after accept"). JSON bodies may carry `bigint` values, which are written as raw
 * digits, so that 19-digit order ids reach the client as JSON numbers, as Binance sends them.
 * Touches only the request and response it is given.
 *
 * @example
 * const request = await readRequest(req);
 * writeReply(res, json({ retCode: 0, result: { orderId: 1n } }));
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

/** One request as the venue handlers see it. */
export interface WireRequest {
  readonly method: string;
  /** The path without the query string, e.g. `/v5/order/create`. */
  readonly path: string;
  /** The query string as sent, without `?`: signatures are computed over these exact bytes. */
  readonly rawQuery: string;
  readonly query: URLSearchParams;
  readonly body: string;
  readonly headers: IncomingHttpHeaders;
}

/** What a handler answers; `hold` sends nothing (the client times out). */
export type WireReply =
  | {
      readonly kind: 'json';
      readonly status: number;
      readonly body: unknown;
      readonly headers?: Readonly<Record<string, string>>;
    }
  | {
      readonly kind: 'text';
      readonly status: number;
      readonly body: string;
      readonly headers?: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'hold' };

/** A JSON reply (status 200 unless given). */
export function json(body: unknown, status = 200, headers?: Readonly<Record<string, string>>): WireReply {
  return headers === undefined ? { kind: 'json', status, body } : { kind: 'json', status, body, headers };
}

/** A plain-text reply, as gateways answer 5xx (and IP-level limits). */
export function text(body: string, status: number, headers?: Readonly<Record<string, string>>): WireReply {
  return headers === undefined ? { kind: 'text', status, body } : { kind: 'text', status, body, headers };
}

/** The reply with `headers` added (a held reply stays held). */
export function withHeaders(reply: WireReply, headers: Readonly<Record<string, string>>): WireReply {
  return reply.kind === 'hold' ? reply : { ...reply, headers: { ...headers, ...(reply.headers ?? {}) } };
}

/** No reply at all: the request was processed, the answer is lost. */
export const HOLD: WireReply = { kind: 'hold' };

const BIG = '\u0000big:';

/** `JSON.stringify`, with `bigint` values written as bare digits. */
export function toJsonText(value: unknown): string {
  const textValue = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${BIG}${v.toString()}` : v));
  return textValue.replace(/"\\u0000big:(-?\d+)"/g, '$1');
}

/** Reads the whole request. */
export async function readRequest(req: IncomingMessage): Promise<WireRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const rawQuery = q === -1 ? '' : url.slice(q + 1);
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    path: q === -1 ? url : url.slice(0, q),
    rawQuery,
    query: new URLSearchParams(rawQuery),
    body: Buffer.concat(chunks).toString('utf8'),
    headers: req.headers,
  };
}

/** The first value of a header, lower-cased name. */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Writes a reply; `hold` leaves the response open (the server drops the socket later). */
export function writeReply(res: ServerResponse, reply: WireReply): void {
  if (reply.kind === 'hold') return;
  if (reply.kind === 'text') {
    res.writeHead(reply.status, { 'content-type': 'text/plain; charset=utf-8', ...(reply.headers ?? {}) });
    res.end(reply.body);
    return;
  }
  res.writeHead(reply.status, { 'content-type': 'application/json', ...(reply.headers ?? {}) });
  res.end(toJsonText(reply.body));
}

/** Parses a JSON body into an object, or `undefined` when it is not one. */
export function jsonObject(body: string): Record<string, unknown> | undefined {
  if (body.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
