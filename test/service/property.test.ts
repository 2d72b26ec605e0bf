/**
 * A property of the whole API: thousands of random requests — random paths built from the
 * API's own words and garbage, random methods, bodies, content types, origins and tokens —
 * get only 2xx and 4xx answers (the documented 501s of what this version cannot do aside),
 * and a request that is refused changes nothing.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AVL, startTestService, type TestService } from './support.js';

const ADMIN = 'PROPERTY-ADMIN-TOKEN-0001';
const READER = 'PROPERTY-READ-TOKEN-00002';

let t: TestService;
beforeAll(async () => {
  t = await startTestService({ http: { token: ADMIN, tokens: [{ name: 'reader', token: READER, scopes: ['read'] }] } });
});
afterAll(async () => {
  await t.stop();
});

/** What a refused request must not have changed. */
async function observable(): Promise<string> {
  const [positions, accounts, alerts] = await Promise.all(
    ['/v1/positions', '/v1/accounts', '/v1/alerts'].map(async (p) => {
      const res = await fetch(`${t.url}${p}`, { headers: { authorization: `Bearer ${ADMIN}` } });
      return res.json() as Promise<unknown>;
    }),
  );
  const ids = (positions as { id: string }[]).map((p) => p.id).sort();
  const trading = (accounts as { id: string; trading: string }[]).map((a) => `${a.id}:${a.trading}`);
  const acks = (alerts as { id: string; acknowledged?: unknown }[])
    .filter((a) => a.acknowledged !== undefined)
    .map((a) => a.id);
  return JSON.stringify({ ids, trading, acks });
}

const word = fc.oneof(
  fc.constantFrom(
    'v1',
    'positions',
    'accounts',
    'alerts',
    'sweeps',
    'events',
    'session',
    'audit',
    'metrics',
    'healthz',
    'readyz',
    'close',
    'halt',
    'resume',
    'flatten',
    'ack',
    'orphans',
    'reconcile',
    'paper',
    'nope',
    '..',
    '%00',
    '%2e%2e',
    '🙂',
  ),
  fc.string({ maxLength: 12 }).map((s) => encodeURIComponent(s)),
);
const path = fc
  .tuple(
    fc.array(word, { minLength: 0, maxLength: 5 }),
    fc.option(
      fc.dictionary(fc.constantFrom('state', 'account', 'x', ''), fc.string({ maxLength: 8 }), { maxKeys: 2 }),
      { nil: undefined },
    ),
  )
  .map(
    ([segments, query]) =>
      `/${segments.join('/')}${query === undefined ? '' : `?${new URLSearchParams(query as Record<string, string>)}`}`,
  );
const body = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc
    .record(
      {
        account: fc.oneof(fc.constant('paper'), fc.string()),
        symbol: fc.oneof(fc.constant(AVL), fc.string()),
        side: fc.oneof(fc.constantFrom('buy', 'sell'), fc.string()),
        amount: fc.oneof(fc.double(), fc.integer(), fc.string()),
        stopLoss: fc.option(fc.double(), { nil: undefined }),
        token: fc.string(),
        reason: fc.string(),
      },
      { requiredKeys: [] },
    )
    .map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 64 }),
  fc.constant('{"a":'),
  fc.constant('x'.repeat(20_000)),
);
const headers = fc.record({
  token: fc.constantFrom(undefined, 'WRONG-TOKEN', READER, ADMIN),
  type: fc.constantFrom(
    undefined,
    'application/json',
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/json; charset=utf-8',
  ),
  origin: fc.constantFrom(undefined, 'https://evil.example', 'null', 'self'),
  lastEventId: fc.option(fc.string({ maxLength: 10 }), { nil: undefined }),
});
const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS');

/** The answers of what this version cannot do yet (routes of the API this version leaves for later). */
const NOT_YET = [/^\/v1\/accounts\/[^/]+\/flatten$/, /^\/v1\/audit$/];

describe('any request', () => {
  it('gets a 2xx or 4xx answer, and a refused one changes nothing', async () => {
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(method, path, body, headers, async (m, p, b, h) => {
        const before = await observable();
        const hdrs: Record<string, string> = {};
        if (h.token !== undefined) hdrs.authorization = `Bearer ${h.token}`;
        if (h.type !== undefined) hdrs['content-type'] = h.type;
        if (h.origin !== undefined) hdrs.origin = h.origin === 'self' ? t.url : h.origin;
        if (h.lastEventId !== undefined) hdrs['last-event-id'] = h.lastEventId;
        const withBody = b !== undefined && m !== 'GET' && m !== 'HEAD';
        const ac = new AbortController();
        const res = await fetch(`${t.url}${p}`, {
          method: m,
          headers: hdrs,
          ...(withBody ? { body: b } : {}),
          signal: ac.signal,
        });
        // An event stream stays open: its status is all this property needs.
        if ((res.headers.get('content-type') ?? '').startsWith('text/event-stream')) ac.abort();
        else await res.text();
        const pathOnly = new URL(`${t.url}${p}`).pathname;
        const documented501 = res.status === 501 && NOT_YET.some((re) => re.test(pathOnly));
        expect(res.status < 500 || documented501, `${m} ${p} → ${res.status}`).toBe(true);
        if (res.status >= 400) {
          refused += 1;
          expect(await observable(), `${m} ${p} → ${res.status} changed something`).toBe(before);
        }
      }),
      { numRuns: 2_000 },
    );
    expect(refused).toBeGreaterThan(1_000);
  }, 120_000);
});
