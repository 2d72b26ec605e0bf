/**
 * The wire simulator (see docs/architecture.md, Exchanges): one simulated venue served over HTTP and WebSocket in
 * the wire formats of Bybit v5 (`/v5/...`, private stream on any path containing `v5/private`)
 * and Binance USD-M (`/fapi/...`, user-data stream on `…/ws?listenKey=` or `…/ws/<listenKey>`),
 * their public ticker streams (Bybit `/v5/public/linear` `tickers.{symbol}`, Binance
 * `/market/ws/<symbol>@markPrice`, `/market/stream?streams=`, and `/ws/<n>` with `SUBSCRIBE` as
 * ccxt connects when the path holds no listen key),
 * plus the admin endpoint (`/admin/...`). Receives HTTP requests and WebSocket connections on
 * one port; touches the venue it is given (it never closes it). A reply held back by a
 * "timeout after accept" fault is dropped (socket destroyed) after `holdMs`. Binance listen keys
 * expire on the venue clock (checked every second). For conformance tests: `inject` pushes a raw
 * venue message to an account's private streams, `script` answers the next matching request
 * with a given body, before signatures and the venue.
 *
 * @example
 * const venue = new SimExchange({ clock: systemClock, seed: 1 });
 * const wire = await startWireSimulator({ venue, credentials: [{ apiKey: 'k', secret: 's', account: 'main' }] });
 * // account config: { exchange: 'bybit', apiKey: 'k', secret: 's', urls: wire.urls.bybit }
 * await wire.close();
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { asAccountId } from '../domain/ids.js';
import type { SimExchange } from '../exchange/sim/sim-exchange.js';
import { handleAdmin } from './admin.js';
import { handleBinanceRest } from './binance/binance-rest.js';
import { binancePublicSession, isBinancePublicPath } from './binance/binance-public.js';
import { binanceSession, listenKeyOf } from './binance/binance-stream.js';
import { ListenKeys } from './binance/listen-keys.js';
import { handleBybitRest } from './bybit/bybit-rest.js';
import { bybitPublicSession } from './bybit/bybit-public.js';
import { bybitSession } from './bybit/bybit-stream.js';
import { CredentialBook, DEFAULT_WIRE_CREDENTIAL, type WireCredential } from './credentials.js';
import { json, readRequest, writeReply, type WireReply } from './http-io.js';
import type { StreamFormat } from './stream-registry.js';
import { wireContext } from './wire-context.js';
import { BINANCE_ORDER_ID_BASE } from './wire-ids.js';

export interface WireSimulatorOptions {
  readonly venue: SimExchange;
  /** Default `127.0.0.1`. */
  readonly host?: string;
  /** Default 0: an ephemeral port. */
  readonly port?: number;
  /** The API keys accepted, each bound to a venue account; `DEFAULT_WIRE_CREDENTIAL` by default. */
  readonly credentials?: readonly WireCredential[];
  /** How long a reply held back by `timeoutAfterAccept` keeps its socket open (default 60 s). */
  readonly holdMs?: number;
  /** Added to the venue's order ids on Binance (default: 19-digit ids). */
  readonly binanceOrderIdBase?: bigint;
  /** When set, the admin endpoint requires `Authorization: Bearer <token>`. */
  readonly adminToken?: string;
}

/** One reply a test scripts for the next matching request (`WireSimulator.script`). */
export interface ScriptedReply {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
  readonly status?: number;
}

/** Where to point an account of each venue (`urls` in the config). */
export interface WireUrls {
  /** `publicWs`: the public linear stream (tickers), for the account's `urls` as it is. */
  readonly bybit: { readonly rest: string; readonly ws: string; readonly publicWs: string };
  readonly binanceusdm: { readonly rest: string; readonly ws: string };
  /** The public market streams (tickers): Bybit's `/v5/public/linear`, Binance's `/market/ws` (raw streams: `…/<stream>`). */
  readonly publicWs: { readonly bybit: string; readonly binanceusdm: string };
  readonly admin: string;
}

export interface WireSimulator {
  readonly host: string;
  readonly port: number;
  readonly urls: WireUrls;
  readonly credentials: readonly WireCredential[];
  /** Pushes a raw venue message (a recorded-shape fixture) to the account's private streams in `format`; returns how many. */
  inject(format: StreamFormat, account: string, message: unknown): number;
  /** Lets the account's Binance listen keys expire now (their streams get `listenKeyExpired`); returns how many. */
  expireListenKeys(account: string): number;
  /**
   * Answers the next `method` request to `path` with `body` as it is (HTTP `status`, 200 by
   * default), before signatures and the venue: recorded-shape fixtures through the real client.
   */
  script(reply: ScriptedReply): void;
  /** Closes every connection and the server; the venue stays open. */
  close(): Promise<void>;
}

/** Starts the wire simulator; resolves once it listens. */
export async function startWireSimulator(opts: WireSimulatorOptions): Promise<WireSimulator> {
  const host = opts.host ?? '127.0.0.1';
  const holdMs = opts.holdMs ?? 60_000;
  const credentials = new CredentialBook(opts.credentials ?? [DEFAULT_WIRE_CREDENTIAL]);
  const ctx = wireContext(opts.venue, credentials);
  const listenKeys = new ListenKeys();
  const binance = { ctx, listenKeys, orderIdBase: opts.binanceOrderIdBase ?? BINANCE_ORDER_ID_BASE };
  const expireListenKeys = (account: string): number => listenKeys.expire(account, ctx.now());
  // Listen keys expire on the venue clock; streams on an expired key are told within a second.
  const keyCheck = setInterval(() => listenKeys.expireDue(ctx.now()), 1_000);
  keyCheck.unref();
  // One passive subscription per account keeps the venue's stream "in use" while clients are
  // disconnected, so that a disconnect counted in lost events ends as it does in-process.
  const passive = credentials.all.map((c) => opts.venue.subscribe(asAccountId(c.account), () => {}));
  const sockets = new Set<Socket>();
  const held = new Set<ReturnType<typeof setTimeout>>();
  const described: { urls?: WireUrls } = {};

  const scripted: ScriptedReply[] = [];
  const route = async (req: IncomingMessage): Promise<WireReply> => {
    const request = await readRequest(req);
    const script = scripted.findIndex((r) => r.method === request.method && r.path === request.path);
    if (script !== -1) {
      const [reply] = scripted.splice(script, 1);
      return json(reply?.body, reply?.status ?? 200);
    }
    return (
      handleAdmin(
        ctx,
        request,
        { venue: 'posguard wire simulator', urls: described.urls, accounts: credentials.all.map((c) => c.account) },
        opts.adminToken,
        { expireListenKeys },
      ) ??
      handleBybitRest(ctx, request) ??
      handleBinanceRest(binance, request) ??
      json({ error: `no route for ${request.method} ${request.path}` }, 404)
    );
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    route(req)
      .then((reply) => {
        if (reply.kind !== 'hold') return writeReply(res, reply);
        const timer = setTimeout(() => {
          held.delete(timer);
          res.socket?.destroy();
        }, holdMs);
        held.add(timer);
      })
      .catch((error: unknown) => {
        writeReply(res, json({ error: error instanceof Error ? error.message : String(error) }, 500));
      });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const url = req.url ?? '/';
    const path = url.split('?')[0] ?? '';
    const key = listenKeyOf(url);
    const serve = path.includes('v5/private')
      ? (ws: WebSocket) => bybitSession(ctx, ws)
      : path.includes('v5/public')
        ? (ws: WebSocket) => bybitPublicSession(ctx, ws)
        : key !== undefined
          ? (ws: WebSocket) => binanceSession(binance, ws, key)
          : isBinancePublicPath(path)
            ? (ws: WebSocket) => binancePublicSession(ctx, ws, url)
            : undefined;
    if (serve === undefined) {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    const owner = key === undefined ? undefined : listenKeys.accountOf(key, ctx.now());
    if (owner !== undefined && ctx.streamDown(owner)) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serve(ws));
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => resolve());
    });
  } catch (error) {
    clearInterval(keyCheck);
    await Promise.all(passive.map((p) => p.close()));
    throw error;
  }
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const base = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const urls: WireUrls = {
    bybit: { rest: `http://${base}`, ws: `ws://${base}/v5/private`, publicWs: `ws://${base}/v5/public/linear` },
    binanceusdm: { rest: `http://${base}`, ws: `ws://${base}/ws` },
    publicWs: { bybit: `ws://${base}/v5/public/linear`, binanceusdm: `ws://${base}/market/ws` },
    admin: `http://${base}/admin`,
  };
  described.urls = urls;

  return {
    host,
    port,
    urls,
    credentials: credentials.all,
    inject: (format, account, message) => ctx.streams.inject(format, account, message),
    expireListenKeys,
    script: (reply) => {
      scripted.push(reply);
    },
    close: async () => {
      clearInterval(keyCheck);
      ctx.dcp.close();
      for (const timer of held) clearTimeout(timer);
      held.clear();
      listenKeys.clear();
      await Promise.all(passive.map((p) => p.close()));
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
