/**
 * The Stately inspector of `posguard start --inspect`: its relay listens on 127.0.0.1 only
 * (another address is refused), relays each client's messages to every other client, refuses a
 * web page of another origin; and, end to end through `runStart`, with a secret planted in the
 * config (and in an intent's idempotency key, so that it does reach an actor's context), the
 * messages a WebSocket client receives show the position's actor move and hold no secret.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { createActor, createMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { runStart } from '../../src/cli/start.js';
import { createLogger } from '../../src/log/logger.js';
import { compileSecrets } from '../../src/log/redact.js';
import {
  UnsafeInspectorBind,
  redactingInspector,
  startInspectorRelay,
  type InspectorRelay,
} from '../../src/service/inspector.js';
import { AVL, eventually } from './support.js';

const PLANTED = 'PLANTED-secret-4f9a1c2e7b';

function client(url: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; messages: string[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const messages: string[] = [];
    ws.on('message', (m) => messages.push(m.toString()));
    ws.once('open', () => resolve({ ws, messages }));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused with ${res.statusCode}`)));
  });
}

describe('the inspector relay', () => {
  it('refuses any address but the loopback one', async () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'posguard.internal']) {
      await expect(startInspectorRelay({ host, port: 0, secrets: compileSecrets([]) })).rejects.toBeInstanceOf(
        UnsafeInspectorBind,
      );
    }
  });

  it('listens on 127.0.0.1, relays every message to every other client, and refuses a page of another origin', async () => {
    const relay = await startInspectorRelay({ port: 0, secrets: compileSecrets([PLANTED]) });
    try {
      expect(relay.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
      const a = await client(relay.url);
      const b = await client(relay.url);
      a.ws.send(JSON.stringify({ type: '@xstate.event', note: `hello ${PLANTED}` }));
      await eventually(() => b.messages.length === 1);
      expect(b.messages[0]).toContain('hello [redacted]');
      expect(a.messages).toEqual([]);
      // A late client gets what was sent before it came.
      const c = await client(relay.url);
      await eventually(() => c.messages.length === 1);
      // A web page elsewhere in the developer's browser may not listen in.
      await expect(client(relay.url, { origin: 'https://evil.example' })).rejects.toThrow(/refused with 401|refused/);
      // The relay's own page may.
      const own = await client(relay.url, { origin: relay.page });
      own.ws.close();
      for (const x of [a, b, c]) x.ws.close();
      const page = await fetch(relay.page);
      expect(await page.text()).toContain('https://stately.ai/inspect');
    } finally {
      await relay.close();
    }
  });
});

describe('the redacting inspector', () => {
  it('redacts every message before it leaves the process (a plain server, not the relay, receives them)', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => server.once('listening', resolve));
    const received: string[] = [];
    server.on('connection', (s) => s.on('message', (m) => received.push(m.toString())));
    const inspector = redactingInspector(
      `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
      compileSecrets([PLANTED]),
    );
    const machine = createMachine({
      id: 'probe',
      context: { apiKey: 'by-its-key', note: `a note with ${PLANTED}` },
      initial: 'a',
      states: { a: { on: { GO: 'b' } }, b: {} },
    });
    const actor = createActor(machine, { inspect: inspector.inspect }).start();
    actor.send({ type: 'GO', note: PLANTED });
    try {
      await eventually(() => received.some((m) => m.includes('@xstate.snapshot') && m.includes('"b"')), 10_000);
      for (const m of received) {
        expect(m.includes(PLANTED)).toBe(false);
        expect(m.includes('by-its-key')).toBe(false);
      }
      expect(received.some((m) => m.includes('a note with [redacted]'))).toBe(true);
    } finally {
      actor.stop();
      inspector.stop();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('posguard start --inspect', () => {
  it("sends the actors' inspection events to the relay, with no configured secret in any message", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'posguard-inspect-'));
    const config = join(dir, 'posguard.json');
    writeFileSync(
      config,
      JSON.stringify({
        accounts: [{ id: 'paper', exchange: 'sim', apiKey: `key-${PLANTED}`, secret: PLANTED }],
        alerts: { webhook: { url: 'http://127.0.0.1:9/hook', secret: `hook-${PLANTED}` } },
        verification: { restLagMs: 50, reportStaleMs: 200 },
      }),
    );
    let stop: () => void = () => {};
    const until = new Promise<void>((resolve) => {
      stop = resolve;
    });
    let url = '';
    let relay: InspectorRelay | undefined;
    const done = runStart(
      { config, inspect: '0' },
      {
        env: {},
        until,
        port: 0,
        logger: (secrets) => createLogger({ level: 'silent', secrets }),
        onServing: (u) => {
          url = u;
        },
        onInspector: (r) => {
          relay = r;
        },
      },
    );
    try {
      await expect.poll(() => url !== '' && relay !== undefined, { timeout: 15_000 }).toBe(true);
      const listener = await client((relay as InspectorRelay).url);
      const res = await fetch(`${url}/v1/positions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          account: 'paper',
          symbol: AVL,
          side: 'buy',
          amount: 43,
          stopLoss: 0.21,
          idempotencyKey: `bot-${PLANTED}`,
        }),
      });
      expect(res.status).toBe(202);
      const { id } = (await res.json()) as { id: string };
      // The position's actor is seen reaching `open`.
      await eventually(
        () => listener.messages.some((m) => m.includes('@xstate.snapshot') && m.includes(id) && m.includes('"open"')),
        15_000,
      );
      expect(listener.messages.some((m) => m.includes('@xstate.actor'))).toBe(true);
      for (const m of listener.messages) expect(m.includes(PLANTED), 'a message holds the planted secret').toBe(false);
      // The secret did reach the context (the idempotency key): it left redacted.
      expect(listener.messages.some((m) => m.includes('bot-[redacted]'))).toBe(true);
      listener.ws.close();
    } finally {
      stop();
      expect(await done).toBe(0);
    }
  }, 30_000);
});
