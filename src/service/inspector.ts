/**
 * The Stately inspector (`posguard start --inspect [PORT]`), for a developer who wants to
 * watch the live position actors in Stately's UI. Off by default. Two parts:
 *
 * - a relay, posguard's own (`startInspectorRelay`): a WebSocket server on 127.0.0.1 only —
 *   any other address is refused, since it has no auth and hands every message to every
 *   client — that also refuses a connection from another machine or from a web page of
 *   another origin (a page the developer visits must not read the actors), keeps the last 200
 *   messages for a client that joins late, and serves at `/` the page that frames Stately's
 *   inspector (`https://stately.ai/inspect`, so that browser needs the internet; posguard
 *   does not). From another machine: `ssh -L 8080:127.0.0.1:8080 the-worker-host`.
 * - the inspector (`createWebSocketInspector` of `@statelyai/inspect`), whose every message
 *   passes the log redactor before it leaves (and again in the relay).
 *
 * Touches: a TCP port on 127.0.0.1.
 *
 * @example
 * const relay = await startInspectorRelay({ port: 8080, secrets });
 * const inspector = redactingInspector(relay.url, secrets);
 * await startService(config, { log, inspect: inspector.inspect });
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWebSocketInspector } from '@statelyai/inspect';
import { WebSocket, WebSocketServer } from 'ws';
import type { InspectionEvent } from 'xstate';
import { PosguardError } from '../domain/errors.js';
import { redactText, redactValue, type CompiledSecrets } from '../log/redact.js';

/** The inspector's relay refuses to listen beyond this machine. */
export class UnsafeInspectorBind extends PosguardError {
  readonly code = 'UNSAFE_INSPECTOR_BIND';
  constructor(readonly host: string) {
    super(
      `the Stately inspector's relay has no auth and relays every message to every client, so it listens on 127.0.0.1 only, not ${host}; ` +
        'from another machine, use an SSH tunnel: ssh -L 8080:127.0.0.1:8080 the-worker-host',
    );
  }
}

const LOOPBACK_BIND = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i;
const LOOPBACK_PEER = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/i;
const BUFFERED = 200;

export interface InspectorRelay {
  /** Where the inspector sends: `ws://127.0.0.1:<port>`. */
  readonly url: string;
  /** The page to open in a browser that reaches stately.ai: `http://127.0.0.1:<port>`. */
  readonly page: string;
  readonly port: number;
  close(): Promise<void>;
}

function bridgePage(port: number): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>posguard · Stately inspector</title>
<style>html,body{margin:0;height:100%}iframe{border:0;width:100%;height:100%}</style></head>
<body><iframe id="inspector" src="https://stately.ai/inspect"></iframe>
<script>
const frame = document.getElementById('inspector');
const held = [];
let ready = false;
window.addEventListener('message', (e) => {
  if (e.origin === 'https://stately.ai' && e.data && e.data.type === '@statelyai.connected') {
    ready = true;
    for (const m of held.splice(0)) frame.contentWindow.postMessage(m, 'https://stately.ai');
  }
});
const ws = new WebSocket('ws://' + location.hostname + ':${port}');
ws.onmessage = (m) => {
  const data = JSON.parse(m.data);
  if (ready) frame.contentWindow.postMessage(data, 'https://stately.ai');
  else held.push(data);
};
</script></body></html>`;
}

export async function startInspectorRelay(options: {
  readonly host?: string;
  readonly port?: number;
  readonly secrets: CompiledSecrets;
}): Promise<InspectorRelay> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK_BIND.test(host)) throw new UnsafeInspectorBind(host);
  let port = options.port ?? 8080;
  const http = createServer((req, res) => {
    if (!LOOPBACK_PEER.test(req.socket.remoteAddress ?? '')) {
      res.writeHead(403).end();
      return;
    }
    res
      .writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
      })
      .end(bridgePage(port));
  });
  const buffer: string[] = [];
  const wss = new WebSocketServer({
    server: http,
    maxPayload: 4 * 1024 * 1024,
    verifyClient: ({ req, origin }: { req: { socket: { remoteAddress?: string } }; origin: string | undefined }) => {
      if (!LOOPBACK_PEER.test(req.socket.remoteAddress ?? '')) return false;
      // A program (the inspector, a test) sends no Origin; a browser must come from the relay's own page.
      if (origin === undefined || origin === '') return true;
      try {
        const o = new URL(origin);
        return (
          o.protocol === 'http:' && LOOPBACK_BIND.test(o.hostname.replace(/^\[|\]$/g, '')) && Number(o.port) === port
        );
      } catch {
        return false;
      }
    },
  });
  wss.on('connection', (socket) => {
    for (const m of buffer) socket.send(m);
    socket.on('message', (data) => {
      // Redacted again here: whatever reaches the relay leaves it without a configured secret.
      const text = redactText(data.toString(), options.secrets);
      buffer.push(text);
      if (buffer.length > BUFFERED) buffer.shift();
      for (const client of wss.clients)
        if (client !== socket && client.readyState === WebSocket.OPEN) client.send(text);
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, () => resolve());
  });
  port = (http.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `ws://${shown}:${port}`,
    page: `http://${shown}:${port}`,
    port,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** JSON-safe copy: cycles and depth past `limit` cut, functions named (what the inspector sends). */
function jsonSafe(value: unknown, limit = 12): unknown {
  const seen = new WeakSet<object>();
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'function') return { type: (v as { name?: string }).name ?? 'function' };
    if (typeof v !== 'object' || v === null) return typeof v === 'bigint' ? String(v) : v;
    if (seen.has(v)) return '[Circular]';
    if (depth >= limit) return '[…]';
    seen.add(v);
    const toJSON = (v as { toJSON?: () => unknown }).toJSON;
    if (typeof toJSON === 'function') return walk(toJSON.call(v), depth + 1);
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = walk(x, depth + 1);
    return out;
  };
  return walk(value, 0);
}

export interface RedactingInspector {
  /** Give it to the guard (`GuardOptions.inspect`): the position actors' inspection events. */
  readonly inspect: (event: InspectionEvent) => void;
  stop(): void;
}

/** An inspection message as it may leave: redacted by key and by value, the machine's definition (a JSON text) included. */
export function redactMessage<T>(event: T, secrets: CompiledSecrets): T {
  const safe = jsonSafe(event) as Record<string, unknown>;
  const definition = safe.definition;
  if (typeof definition === 'string') {
    try {
      safe.definition = JSON.stringify(redactValue(JSON.parse(definition), secrets));
    } catch {
      safe.definition = redactText(definition, secrets);
    }
  }
  return redactValue(safe, secrets) as T;
}

/** The Stately WebSocket inspector, every message passed through the log redactor before it leaves. */
export function redactingInspector(url: string, secrets: CompiledSecrets): RedactingInspector {
  const inspector = createWebSocketInspector({
    url,
    serialize: (event) => redactMessage(event, secrets),
  });
  return {
    inspect: (event) => inspector.inspect.next?.(event),
    stop: () => inspector.stop(),
  };
}
