/**
 * The error mapping table: every venue code and every transport failure of a create, through
 * the real ccxt against the wire simulator, ends in the right Outcome (see docs/architecture.md, Principles):
 * definitive refusals `rejected`, anything that may have been processed `unknown`.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asClientOrderId } from '../../../src/domain/ids.js';
import { DUPLICATE_CLIENT_ORDER_ID, type OutcomeKind } from '../../../src/domain/outcome.js';
import type { CcxtPort } from '../../../src/exchange/ccxt/index.js';
import type { Fault } from '../../../src/exchange/sim/index.js';
import { QueryFailed, type OrderRequest } from '../../../src/exchange/port.js';
import { API_KEY, API_SECRET, AVL, wireHarness, type WireHarness, type WireVenue } from '../../support/wire-harness.js';
import { createCcxtPort } from '../../../src/exchange/ccxt/index.js';
import { parseConfig } from '../../../src/config/config.js';

let h: WireHarness;
const ports = new Map<WireVenue, CcxtPort>();
let n = 0;

const buy = (): OrderRequest => ({
  symbol: AVL,
  side: 'buy',
  type: 'market',
  amount: 43,
  clientOrderId: asClientOrderId(`pg-err-${++n}`),
  reduceOnly: false,
});
const port = (venue: WireVenue): CcxtPort => {
  const p = ports.get(venue);
  if (p === undefined) throw new Error(`no port for ${venue}`);
  return p;
};

beforeAll(async () => {
  h = await wireHarness();
  ports.set('bybit', await h.port('bybit', { timeoutMs: 400 }));
  ports.set('binanceusdm', await h.port('binanceusdm', { timeoutMs: 400 }));
});
afterAll(async () => {
  await h.close();
});

describe('venue codes of a refused create', () => {
  it.each<[WireVenue, string, OutcomeKind, string]>([
    ['bybit', '110007', 'rejected', 'INSUFFICIENT_FUNDS'],
    ['bybit', '110017', 'rejected', 'REDUCE_ONLY_WOULD_INCREASE'],
    ['bybit', '110094', 'rejected', 'MIN_NOTIONAL'],
    ['bybit', '110093', 'rejected', 'INVALID_TRIGGER_PRICE'],
    ['bybit', '10001', 'rejected', 'INVALID_REQUEST'],
    ['bybit', '10006', 'rejected', 'RATE_LIMITED'],
    ['bybit', '10000', 'unknown', 'SERVER_TIMEOUT'],
    ['bybit', '10016', 'unknown', 'SERVER_ERROR'],
    ['bybit', '110072', 'unknown', DUPLICATE_CLIENT_ORDER_ID],
    ['bybit', '170999', 'unknown', 'UNRECOGNISED_VENUE_CODE'],
    ['binanceusdm', '-2019', 'rejected', 'INSUFFICIENT_FUNDS'],
    ['binanceusdm', '-2022', 'rejected', 'REDUCE_ONLY_WOULD_INCREASE'],
    ['binanceusdm', '-4164', 'rejected', 'MIN_NOTIONAL'],
    ['binanceusdm', '-2021', 'rejected', 'INVALID_TRIGGER_PRICE'],
    ['binanceusdm', '-1102', 'rejected', 'INVALID_REQUEST'],
    ['binanceusdm', '-1003', 'rejected', 'RATE_LIMITED'],
    ['binanceusdm', '-1000', 'unknown', 'UNKNOWN'],
    ['binanceusdm', '-1007', 'unknown', 'TIMEOUT'],
    ['binanceusdm', '-4116', 'unknown', DUPLICATE_CLIENT_ORDER_ID],
    ['binanceusdm', '-9999', 'unknown', 'UNRECOGNISED_VENUE_CODE'],
  ])('%s code %s is %s (%s)', async (venue, code, kind, expected) => {
    h.venue.faults.set({ fault: { kind: 'reject', reason: `refused with ${code}`, code }, when: { calls: 1 } });
    const outcome = await port(venue).createOrder(buy());
    expect(outcome).toMatchObject({ kind, code: expected });
  });
});

describe('transport failures of a create', () => {
  it.each<[WireVenue, string, OutcomeKind, string, Fault]>([
    ['bybit', 'HTTP 503', 'unknown', 'SERVER_ERROR', { kind: 'serverError', status: 503 }],
    ['bybit', 'HTTP 502', 'unknown', 'SERVER_ERROR', { kind: 'serverError', status: 502 }],
    ['bybit', 'a rate limit (10006)', 'rejected', 'RATE_LIMITED', { kind: 'rateLimited', retryAfterMs: 1_000 }],
    ['bybit', 'no reply after accept', 'unknown', 'TIMEOUT', { kind: 'timeoutAfterAccept' }],
    ['binanceusdm', 'HTTP 503', 'unknown', 'SERVER_ERROR', { kind: 'serverError', status: 503 }],
    ['binanceusdm', 'HTTP 429', 'rejected', 'RATE_LIMITED', { kind: 'rateLimited', retryAfterMs: 1_000 }],
    ['binanceusdm', 'no reply after accept', 'unknown', 'TIMEOUT', { kind: 'timeoutAfterAccept' }],
  ])('%s: %s is %s (%s)', async (venue, _what, kind, expected, fault) => {
    h.venue.faults.set({ fault, when: { calls: 1 }, account: 'main' });
    expect(await port(venue).createOrder(buy())).toMatchObject({ kind, code: expected });
  });

  it('a create ccxt refuses before sending (unknown symbol) is rejected as not sent', async () => {
    const before = h.venue.requests({ method: 'createOrder' }).length;
    expect(await port('bybit').createOrder({ ...buy(), symbol: 'NOPE/USDT:USDT' })).toMatchObject({
      kind: 'rejected',
      code: 'NOT_SENT',
    });
    expect(h.venue.requests({ method: 'createOrder' })).toHaveLength(before);
  });

  it('a failed query throws QueryFailed, never "not found"', async () => {
    h.venue.faults.set({
      fault: { kind: 'serverError', status: 503, methods: ['fetchPositions'] },
      when: { calls: 1 },
    });
    await expect(port('bybit').fetchPositions()).rejects.toBeInstanceOf(QueryFailed);
  });

  it('a venue that cannot be reached is unknown for a create (network error)', async () => {
    const other = await wireHarness();
    const lost = await other.port('bybit');
    await other.wire.close();
    try {
      expect(await lost.createOrder(buy())).toMatchObject({ kind: 'unknown', code: 'NETWORK_ERROR' });
    } finally {
      await other.close();
    }
  });
});

describe('an unparseable reply to a create that the venue processed', () => {
  let proxy: Server;
  beforeAll(async () => {
    const upstream = h.wire.urls.bybit.rest;
    proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const headers = Object.fromEntries(
          Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'content-length'].includes(k)),
        ) as Record<string, string>;
        const body = chunks.length === 0 ? undefined : Buffer.concat(chunks);
        void fetch(`${upstream}${req.url ?? '/'}`, {
          method: req.method ?? 'GET',
          headers,
          ...(body === undefined ? {} : { body }),
        }).then(async (reply) => {
          const text = await reply.text();
          res.writeHead(reply.status, { 'content-type': 'application/json' });
          res.end(req.url?.startsWith('/v5/order/create') === true ? '<html>gateway hiccup</html>' : text);
        });
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    proxy.closeAllConnections();
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
  });

  it('is unknown, and the order exists', async () => {
    const address = proxy.address();
    const rest = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    const account = parseConfig({
      accounts: [
        {
          id: 'proxied',
          exchange: 'bybit',
          apiKey: API_KEY,
          secret: API_SECRET,
          urls: { rest, ws: h.wire.urls.bybit.ws },
        },
      ],
    }).accounts[0];
    if (account === undefined) throw new Error('no account');
    const proxied = await createCcxtPort(account);
    try {
      const request = buy();
      expect(await proxied.createOrder(request)).toMatchObject({ kind: 'unknown', code: 'UNPARSEABLE_REPLY' });
      expect(h.venue.orders('main').map((o) => o.clientOrderId)).toContain(request.clientOrderId);
    } finally {
      await proxied.close();
    }
  });
});
