/**
 * The API with tokens: every route needs a token (the probes excepted), each scope allows what
 * it should and no more, a browser session is a cookie that holds no token, and no answer
 * ever carries a configured secret. `start` refuses a non-loopback bind without a token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/log/logger.js';
import { SESSION_COOKIE } from '../../src/service/auth/session-cookie.js';
import { UnsafeBind, startService } from '../../src/service/service.js';
import { AVL, BTC, eventually, readEvents, startTestService, type TestService } from './support.js';

const ADMIN = 'ADMIN-TOKEN-SENTINEL-0001';
const READER = 'READ-TOKEN-SENTINEL-000002';
const TRADER = 'TRADE-TOKEN-SENTINEL-00003';
const WEBHOOK_SECRET = 'WEBHOOK-SECRET-SENTINEL-4';
const SECRETS = [ADMIN, READER, TRADER, WEBHOOK_SECRET];

let t: TestService;
let positionId: string;
beforeAll(async () => {
  t = await startTestService({
    http: {
      token: ADMIN,
      tokens: [
        { name: 'grafana', token: READER, scopes: ['read'] },
        { name: 'bot', token: TRADER, scopes: ['trade'] },
      ],
    },
    alerts: { webhook: { url: 'http://127.0.0.1:1/hook', secret: WEBHOOK_SECRET } },
  });
  const opened = await t.request('POST', '/v1/positions', {
    token: TRADER,
    body: { account: 'paper', symbol: AVL, side: 'buy', amount: 43 },
  });
  positionId = (opened.json as { id: string }).id;
});
afterAll(async () => {
  await t.stop();
});

interface Route {
  readonly method: string;
  /** `:id` stands for the position opened before the tests. */
  readonly path: string;
  readonly scope: 'read' | 'trade' | 'admin';
  readonly body?: unknown;
}
const ROUTES: readonly Route[] = [
  { method: 'GET', path: '/v1/positions', scope: 'read' },
  { method: 'GET', path: '/v1/positions/:id', scope: 'read' },
  { method: 'GET', path: '/v1/accounts', scope: 'read' },
  { method: 'GET', path: '/v1/alerts', scope: 'read' },
  { method: 'GET', path: '/v1/sweeps', scope: 'read' },
  { method: 'GET', path: '/metrics', scope: 'read' },
  { method: 'GET', path: '/v1/session', scope: 'read' },
  {
    method: 'POST',
    path: '/v1/positions',
    scope: 'trade',
    body: { account: 'paper', symbol: BTC, side: 'buy', amount: 0.001 },
  },
  { method: 'POST', path: '/v1/positions/:id/close', scope: 'trade', body: {} },
  { method: 'POST', path: '/v1/accounts/paper/halt', scope: 'admin', body: {} },
  { method: 'POST', path: '/v1/accounts/paper/resume', scope: 'admin', body: {} },
  { method: 'POST', path: '/v1/sweeps/orphans', scope: 'admin', body: {} },
  { method: 'POST', path: '/v1/sweeps/reconcile', scope: 'admin', body: {} },
  { method: 'POST', path: '/v1/alerts/alert-nope/ack', scope: 'admin', body: {} },
];
const at = (r: Route) => r.path.replace(':id', positionId);
const withBody = (r: Route) => (r.body === undefined ? {} : { body: r.body });

describe('tokens and scopes', () => {
  it.each(ROUTES)('$method $path: 401 without a token or with a wrong one', async (r) => {
    expect((await t.request(r.method, at(r), withBody(r))).status).toBe(401);
    expect((await t.request(r.method, at(r), { token: 'WRONG-TOKEN-0000000000', ...withBody(r) })).status).toBe(401);
  });

  it.each(ROUTES)('$method $path: allowed exactly to the scopes that include what it needs ($scope)', async (r) => {
    const rank = { read: 1, trade: 2, admin: 3 };
    for (const [token, has] of [
      [READER, 'read'],
      [TRADER, 'trade'],
      [ADMIN, 'admin'],
    ] as const) {
      const answer = await t.request(r.method, at(r), { token, ...withBody(r) });
      if (rank[has] >= rank[r.scope])
        expect(answer.status, `${has} on ${r.method} ${at(r)}: ${answer.text}`).not.toBe(403);
      else {
        expect(answer.status, `${has} on ${r.method} ${at(r)}`).toBe(403);
        expect(answer.json).toMatchObject({ error: 'FORBIDDEN' });
      }
    }
  });

  it('serves the probes without a token', async () => {
    expect((await t.request('GET', '/healthz')).status).toBe(200);
    expect((await t.request('GET', '/readyz')).status).toBe(200);
  });

  it('says who a token is and what it may do', async () => {
    expect((await t.request('GET', '/v1/session', { token: READER })).json).toEqual({
      name: 'grafana',
      scopes: ['read'],
      authRequired: true,
    });
    expect((await t.request('GET', '/v1/session', { token: ADMIN })).json).toEqual({
      name: 'default',
      scopes: ['admin'],
      authRequired: true,
    });
  });

  it('names the token in an acknowledgement', async () => {
    t.sim.openExternalPosition('paper', 'ETH/USDT:USDT', 'buy', 0.05);
    await t.request('POST', '/v1/sweeps/orphans', { token: ADMIN, body: { account: 'paper' } });
    const alert = await eventually(async () =>
      ((await t.request('GET', '/v1/alerts', { token: READER })).json as { id: string; kind: string }[]).find(
        (a) => a.kind === 'orphan',
      ),
    );
    const acked = await t.request('POST', `/v1/alerts/${alert.id}/ack`, { token: ADMIN, body: {} });
    expect(acked.json).toMatchObject({ acknowledged: { by: 'default' } });
  });
});

describe('browser sessions', () => {
  it('exchanges a token for an HttpOnly SameSite=Strict cookie that holds no token, and the cookie works for reads and events', async () => {
    const session = await t.request('POST', '/v1/session', { body: { token: READER } });
    expect(session.status).toBe(200);
    const cookie = session.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=`));
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).not.toContain(READER);
    const value = cookie.split(';')[0] ?? '';
    expect((await t.request('GET', '/v1/positions', { headers: { cookie: value } })).status).toBe(200);
    expect((await t.request('GET', '/v1/session', { headers: { cookie: value } })).json).toMatchObject({
      name: 'grafana',
    });
    // A read session cannot trade.
    expect((await t.request('POST', '/v1/accounts/paper/halt', { body: {}, headers: { cookie: value } })).status).toBe(
      403,
    );
    // EventSource sends the cookie: the stream opens.
    const events = await readEvents(`${t.url}/v1/events`, { headers: { cookie: value }, done: () => true, ms: 1_000 });
    expect(events).toEqual([]);
    // A forged or tampered cookie is refused.
    expect((await t.request('GET', '/v1/positions', { headers: { cookie: `${value.slice(0, -2)}xx` } })).status).toBe(
      401,
    );
    expect(
      (
        await t.request('GET', '/v1/positions', {
          headers: { cookie: `${SESSION_COOKIE}=default.99999999999999.${'A'.repeat(43)}` },
        })
      ).status,
    ).toBe(401);
  });

  it('refuses a wrong token, and a cross-origin request even with a valid session', async () => {
    expect((await t.request('POST', '/v1/session', { body: { token: 'nope' } })).status).toBe(401);
    const session = await t.request('POST', '/v1/session', { body: { token: ADMIN } });
    const value = (session.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const cross = await t.request('POST', '/v1/accounts/paper/halt', {
      body: {},
      headers: { cookie: value, origin: 'https://evil.example' },
    });
    expect(cross.status).toBe(403);
    expect(((await t.request('GET', '/v1/accounts', { token: ADMIN })).json as { trading: string }[])[0]?.trading).toBe(
      'active',
    );
  });
});

describe('secrets', () => {
  it('are cut out of an answer that would echo one (a second defence behind the messages themselves)', async () => {
    const echoed = await t.request('POST', '/v1/positions', {
      token: TRADER,
      body: { account: 'paper', symbol: WEBHOOK_SECRET, side: 'buy', amount: 1 },
    });
    expect(echoed.status).toBe(400);
    expect((echoed.json as { message: string }).message).toContain('[redacted] is not listed');
  });

  it('appear in no answer: no body and no header of any request made in this file', () => {
    expect(t.answers.length).toBeGreaterThan(50);
    for (const a of t.answers) {
      const headers = [...a.headers.entries()].map(([k, v]) => `${k}: ${v}`).join('\n');
      for (const s of SECRETS) {
        expect(a.text).not.toContain(s);
        expect(headers).not.toContain(s);
      }
    }
  });
});

describe('the bind address', () => {
  it('refuses to listen beyond loopback without a token, and listens with one', async () => {
    const log = createLogger({ level: 'silent' });
    const open = parseConfig({ http: { host: '0.0.0.0' } });
    await expect(startService(open, { log, port: 0, persistence: 'memory' })).rejects.toBeInstanceOf(UnsafeBind);
    const guarded = await startService(parseConfig({ http: { host: '0.0.0.0', token: 'a-token-for-the-test' } }), {
      log,
      port: 0,
      persistence: 'memory',
    });
    expect(guarded.url).toMatch(/^http:\/\//);
    await guarded.stop();
  });
});
