/**
 * The pure rules behind the API, one table each: which host names and origins are the
 * server's own, what a session cookie proves and for how long, what each scope allows, which
 * error is which status, and when a worker is ready.
 */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import {
  HedgeModeUnsupported,
  InvalidIntent,
  NotOwner,
  SymbolBusy,
  UnknownAccount,
  UnknownPosition,
} from '../../src/domain/errors.js';
import { AccountBoard } from '../../src/service/account-board.js';
import { checkRequest, hostName, ownHosts } from '../../src/service/auth/request-checks.js';
import { signSession, verifySession } from '../../src/service/auth/session-cookie.js';
import { TokenTable, allows } from '../../src/service/auth/tokens.js';
import { NotAvailableYet, httpError } from '../../src/service/errors.js';
import { readiness } from '../../src/service/health.js';

describe('host names and origins', () => {
  const own = ownHosts('127.0.0.1', ['posguard.internal']);
  const json = { 'content-type': 'application/json' };

  it.each([
    ['localhost:7070', 'localhost'],
    ['[::1]:7070', '[::1]'],
    ['Posguard.Internal', 'posguard.internal'],
    ['127.0.0.1', '127.0.0.1'],
  ])('reads the host name of %s as %s', (header, name) => {
    expect(hostName(header)).toBe(name);
  });

  it.each([
    ['a loopback name, any port', { host: 'localhost:9999' }, undefined],
    ['an allowed host', { host: 'posguard.internal:7070' }, undefined],
    ['a foreign host (DNS rebinding)', { host: 'evil.example:7070' }, 421],
    ['no host', {}, 421],
  ])('a read from %s', (_name, headers, status) => {
    expect(checkRequest({ method: 'GET', headers }, own)?.status).toBe(status);
  });

  it.each([
    ['JSON, same origin', { host: 'localhost:7070', origin: 'http://localhost:7070', ...json }, undefined],
    [
      'JSON with a charset, no origin (curl, the CLI)',
      { host: 'localhost:7070', 'content-type': 'application/json; charset=utf-8' },
      undefined,
    ],
    ['a form', { host: 'localhost:7070', 'content-type': 'application/x-www-form-urlencoded' }, 415],
    ['text/plain (a "simple" cross-site request)', { host: 'localhost:7070', 'content-type': 'text/plain' }, 415],
    ['another origin', { host: 'localhost:7070', origin: 'https://evil.example', ...json }, 403],
    ['the same host on another port', { host: 'localhost:7070', origin: 'http://localhost:8080', ...json }, 403],
    ['origin null', { host: 'localhost:7070', origin: 'null', ...json }, 403],
    ['Sec-Fetch-Site: same-site', { host: 'localhost:7070', 'sec-fetch-site': 'same-site', ...json }, 403],
  ])('a change from %s', (_name, headers, status) => {
    expect(checkRequest({ method: 'POST', headers }, own)?.status).toBe(status);
  });

  // The writable board's PUT/DELETE carry no body: let through without the JSON type, never past the origin checks.
  it.each([
    ['a bodyless PUT, same origin', 'PUT', { host: 'localhost:7070', origin: 'http://localhost:7070' }, undefined],
    ['a bodyless DELETE, no origin', 'DELETE', { host: 'localhost:7070' }, undefined],
    ['a bodyless PUT from another origin', 'PUT', { host: 'localhost:7070', origin: 'https://evil.example' }, 403],
    [
      'a bodyless DELETE, Sec-Fetch-Site: cross-site',
      'DELETE',
      { host: 'localhost:7070', 'sec-fetch-site': 'cross-site' },
      403,
    ],
    ['a bodyless PUT to a foreign host', 'PUT', { host: 'evil.example' }, 421],
    [
      'a POST on a bodyless route (still needs JSON)',
      'POST',
      { host: 'localhost:7070', 'content-type': 'text/plain' },
      415,
    ],
  ])('on a bodyless route, %s', (_name, method, headers, status) => {
    expect(checkRequest({ method, headers }, own, { bodyless: true })?.status).toBe(status);
  });

  it('without the bodyless exemption, a PUT needs the JSON type', () => {
    expect(checkRequest({ method: 'PUT', headers: { host: 'localhost:7070' } }, own)?.status).toBe(415);
  });

  it('counts the bind address as its own, but not 0.0.0.0', () => {
    expect(ownHosts('10.1.2.3', []).has('10.1.2.3')).toBe(true);
    expect(ownHosts('0.0.0.0', []).has('0.0.0.0')).toBe(false);
  });
});

describe('tokens, scopes and sessions', () => {
  const tokens = TokenTable.fromConfig(
    parseConfig({
      http: { token: 'admin-token', tokens: [{ name: 'grafana', token: 'g'.repeat(16), scopes: ['read'] }] },
    }).http,
  );

  it('finds a token by its value, and nothing for another', () => {
    expect(tokens.byToken('admin-token')).toEqual({ name: 'default', scopes: ['admin'] });
    expect(tokens.byToken('g'.repeat(16))?.name).toBe('grafana');
    expect(tokens.byToken('admin-token ')).toBeUndefined();
    expect(TokenTable.fromConfig(parseConfig({}).http).required).toBe(false);
  });

  it.each([
    ['read', 'read', true],
    ['read', 'trade', false],
    ['read', 'admin', false],
    ['trade', 'read', true],
    ['trade', 'trade', true],
    ['trade', 'admin', false],
    ['admin', 'read', true],
    ['admin', 'trade', true],
    ['admin', 'admin', true],
  ] as const)('a %s token may do what needs %s: %s', (has, needs, ok) => {
    expect(allows({ name: 'x', scopes: [has] }, needs)).toBe(ok);
  });

  it('accepts a session until it expires, and never one signed with another token or altered', () => {
    const now = 1_000_000;
    const value = signSession({ name: 'grafana', token: 'g'.repeat(16) }, now + 60_000);
    expect(verifySession(value, tokens, now)?.name).toBe('grafana');
    expect(verifySession(value, tokens, now + 60_000)).toBeUndefined();
    expect(
      verifySession(signSession({ name: 'grafana', token: 'h'.repeat(16) }, now + 60_000), tokens, now),
    ).toBeUndefined();
    expect(verifySession(value.replace('grafana', 'default'), tokens, now)).toBeUndefined();
    expect(verifySession(value.replace(`${now + 60_000}`, `${now + 99_000}`), tokens, now)).toBeUndefined();
    expect(value).not.toContain('g'.repeat(16));
  });
});

describe('errors as statuses', () => {
  it.each([
    [new InvalidIntent('amount', 'must be positive'), 400, 'amount'],
    [new UnknownAccount('x', []), 404, undefined],
    [new UnknownPosition('p'), 404, undefined],
    [new SymbolBusy('a', 's', 'p', 'open'), 409, undefined],
    [new HedgeModeUnsupported('a'), 409, undefined],
    [new NotOwner('a'), 503, undefined],
    [new NotAvailableYet('flattening', 'later'), 501, undefined],
    [new Error('boom\n    at secret.ts:1'), 500, undefined],
  ])('%s → %i', (error, status, field) => {
    const { status: s, body } = httpError(error);
    expect(s).toBe(status);
    expect(body.field).toBe(field);
    expect(JSON.stringify(body)).not.toMatch(/ at |\.ts:/);
  });
});

describe('readiness', () => {
  it('is ready without Redis until the guard halts', async () => {
    const board = new AccountBoard(['a']);
    board.observe({ type: 'lease', account: 'a', held: true, restored: 0, mode: 'one-way' }, 0);
    expect((await readiness({ board, halted: () => undefined, now: () => 0 })).ready).toBe(true);
    const halted = await readiness({ board, halted: () => 'out of restarts', now: () => 0 });
    expect(halted).toMatchObject({ ready: false, body: { halted: 'out of restarts' } });
  });

  it('is not ready when Redis does not answer, and says so', async () => {
    const client = new Redis({
      port: 1,
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => {});
    const r = await readiness({
      board: new AccountBoard(['a']),
      halted: () => undefined,
      now: () => 0,
      redis: { client, leaseKey: (a) => `x:${a}` },
    });
    expect(r).toMatchObject({ ready: false, body: { redis: 'down', accounts: [{ id: 'a', driven: false }] } });
    client.disconnect();
  });
});
