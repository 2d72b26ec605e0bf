/**
 * Raw clients of the wire simulator for tests that check the wire itself (no ccxt): signed
 * Bybit v5 and Binance USD-M requests, plain admin requests, and a WebSocket that collects
 * messages.
 */
import { createHmac } from 'node:crypto';
import WebSocket from 'ws';

export const hmac = (secret: string, payload: string): string =>
  createHmac('sha256', secret).update(payload).digest('hex');

export interface RawReply {
  readonly status: number;
  readonly text: string;
  readonly json: unknown;
  /** Response headers, lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
}

async function send(url: string, init: RequestInit): Promise<RawReply> {
  const res = await fetch(url, init);
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, headers: Object.fromEntries(res.headers.entries()) };
}

/** A signed Bybit v5 request (`X-BAPI-*`); `sign` replaces the signature when given. */
export function bybit(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  params: Record<string, unknown>,
  cred: { key: string; secret: string; ts?: number; sign?: string },
): Promise<RawReply> {
  const ts = String(cred.ts ?? Date.now());
  const recv = '5000';
  const query = method === 'GET' ? new URLSearchParams(params as Record<string, string>).toString() : '';
  const body = method === 'POST' ? JSON.stringify(params) : undefined;
  const signature = cred.sign ?? hmac(cred.secret, ts + cred.key + recv + (method === 'GET' ? query : (body ?? '')));
  return send(`${base}${path}${query === '' ? '' : `?${query}`}`, {
    method,
    headers: {
      'X-BAPI-API-KEY': cred.key,
      'X-BAPI-TIMESTAMP': ts,
      'X-BAPI-RECV-WINDOW': recv,
      'X-BAPI-SIGN': signature,
      'Content-Type': 'application/json',
    },
    ...(body === undefined ? {} : { body }),
  });
}

/** A signed Binance USD-M request (query for GET/DELETE, form body for POST). */
export function binance(
  base: string,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  params: Record<string, string>,
  cred: { key: string; secret: string; sign?: string },
): Promise<RawReply> {
  const query = new URLSearchParams({ ...params, timestamp: String(Date.now()), recvWindow: '5000' }).toString();
  const signed = `${query}&signature=${cred.sign ?? hmac(cred.secret, query)}`;
  const inBody = method === 'POST';
  return send(`${base}${path}${inBody ? '' : `?${signed}`}`, {
    method,
    headers: { 'X-MBX-APIKEY': cred.key, ...(inBody ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}) },
    ...(inBody ? { body: signed } : {}),
  });
}

/** A plain JSON request (admin endpoint, public endpoints, listen keys). */
export function plain(
  url: string,
  method = 'GET',
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<RawReply> {
  return send(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}

/** A WebSocket that keeps every message it receives. */
export interface Socket {
  readonly messages: Record<string, unknown>[];
  send(message: unknown): void;
  /** Resolves with the first message (received or future) that matches. */
  next(match: (m: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  readonly closed: Promise<number>;
  close(): void;
}

export async function socket(url: string): Promise<Socket> {
  const ws = new WebSocket(url);
  const messages: Record<string, unknown>[] = [];
  const waiters: { match: (m: Record<string, unknown>) => boolean; resolve: (m: Record<string, unknown>) => void }[] =
    [];
  ws.on('message', (raw) => {
    const m = JSON.parse(String(raw)) as Record<string, unknown>;
    messages.push(m);
    for (const w of [...waiters])
      if (w.match(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
  });
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    messages,
    send: (m) => ws.send(JSON.stringify(m)),
    next: (match, timeoutMs = 2_000) => {
      const seen = messages.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no matching message')), timeoutMs);
        waiters.push({
          match,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m);
          },
        });
      });
    },
    closed,
    close: () => ws.terminate(),
  };
}
