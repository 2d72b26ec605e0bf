/**
 * Real receivers for the alert tests: an HTTP server (Telegram-shaped or a webhook) and an
 * SMTP server (the smtp-server package) on 127.0.0.1 with ephemeral ports; a logger writing
 * JSON lines into memory; a raw dump of every Redis key under a prefix; and `waitFor`.
 */
import type { ChildProcess } from 'node:child_process';
import { startOwnRedis } from '../support/own-redis.js';
import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { SMTPServer } from 'smtp-server';
import type { StoredAlert } from '../../src/alerts/alert-sink.js';
import { asAccountId, type PositionId } from '../../src/domain/ids.js';
import { createLogger, type Logger } from '../../src/log/logger.js';

export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface Reply {
  readonly status: number;
  readonly body?: string;
  /** Wait this long before answering (a slow receiver). */
  readonly delayMs?: number;
}

export interface HttpReceiver {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Requests answered with a 2xx. */
  readonly accepted: () => ReceivedRequest[];
  close(): Promise<void>;
}

/** An HTTP server that records every request and answers with `respond` (200 `{"ok":true}` by default). */
export async function startHttpReceiver(
  respond: (req: ReceivedRequest, n: number) => Reply = () => ({ status: 200, body: '{"ok":true}' }),
): Promise<HttpReceiver> {
  const requests: ReceivedRequest[] = [];
  const statuses: number[] = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(received);
      const reply = respond(received, requests.length);
      statuses.push(reply.status);
      const send = () => {
        res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body ?? '');
      };
      if (reply.delayMs === undefined) send();
      else setTimeout(send, reply.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    accepted: () => requests.filter((_, i) => (statuses[i] ?? 0) < 300),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface ReceivedMail {
  readonly from: string;
  readonly to: readonly string[];
  /** The message as sent (headers and body), quoted-printable soft breaks and escapes decoded. */
  readonly text: string;
  readonly user: string | undefined;
}

export interface SmtpReceiver {
  readonly port: number;
  readonly mails: ReceivedMail[];
  close(): Promise<void>;
}

/** An SMTP server that wants `user`/`pass` (plain auth, no TLS: it is local) and keeps every mail. */
export async function startSmtpReceiver(user: string, pass: string): Promise<SmtpReceiver> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      if (auth.username === user && auth.password === pass) callback(null, { user });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const from = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
        const to = session.envelope.rcptTo.map((r) => r.address);
        mails.push({
          from,
          to,
          text: decodeQuotedPrintable(Buffer.concat(chunks).toString('utf8')),
          user: session.user as string | undefined,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { port, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function decodeQuotedPrintable(s: string): string {
  return s
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** A logger without any configured secret (so the code under test must not leak), writing into memory. */
export function memoryLogger(): { log: Logger; raw: () => string; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const log = createLogger({
    level: 'debug',
    destination: {
      write: (s: string) => {
        chunks.push(s);
      },
    },
  });
  return {
    log,
    raw: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** Every key under `prefix` with its whole value (strings, hashes, lists, sets, sorted sets, streams), as text. */
export async function dumpPrefix(redis: Redis, prefix: string): Promise<string> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      let value: unknown;
      if (type === 'string') value = await redis.get(key);
      else if (type === 'hash') value = await redis.hgetall(key);
      else if (type === 'list') value = await redis.lrange(key, 0, -1);
      else if (type === 'set') value = await redis.smembers(key);
      else if (type === 'zset') value = await redis.zrange(key, '0', '-1', 'WITHSCORES');
      else if (type === 'stream') value = await redis.xrange(key, '-', '+');
      out.push(`${key} ${JSON.stringify(value)}`);
    }
  } while (cursor !== '0');
  return out.join('\n');
}

/** Polls `check` until it holds (returns true) or `timeoutMs` passes. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 4_000,
  what = 'condition',
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 15));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A stored alert to hand to a channel directly. */
export function sampleAlert(overrides: Partial<StoredAlert> = {}): StoredAlert {
  return {
    id: 'alert-1764000000000-0a0b0c0d',
    kind: 'orphan',
    key: 'orphan:main:AVL/USDT:USDT',
    account: asAccountId('main'),
    symbol: 'AVL/USDT:USDT',
    positionId: undefined,
    message: 'AVL/USDT:USDT long 43 on the exchange is tracked by no position',
    at: 1_764_000_000_000,
    count: 1,
    ...overrides,
  };
}

export const positionIdOf = (s: string): PositionId => s as PositionId;

/** A port nothing listens on (yet). */
export { freePort } from '../support/own-redis.js';

/** Starts a private redis-server (no persistence) on `port`; the caller stops it with `kill`. */
export async function startPrivateRedis(port: number): Promise<ChildProcess> {
  return (await startOwnRedis(port)).process;
}
