/**
 * The ccxt port reads the venues' rate-limit headers from every reply (for the request budget)
 * and treats IP-level limits answered by HTTP status alone — 429 on both venues, Bybit's 403,
 * Binance's 418 ban and 403 WAF limit — and Binance's -4131 market-order protection as transient
 * refusals ("not processed, try later") with the venue's wait.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { asClientOrderId } from '../../../src/domain/ids.js';
import { isTransientRefusal } from '../../../src/domain/outcome.js';
import { QueryFailed, type OrderRequest } from '../../../src/exchange/port.js';
import { AVL, wireHarness, type WireHarness, type WireVenue } from '../../support/wire-harness.js';

let h: WireHarness;
beforeEach(async () => {
  h = await wireHarness();
});
afterEach(async () => {
  await h.close();
});

const entry = (role: string): OrderRequest => ({
  symbol: AVL,
  side: 'buy',
  type: 'market',
  amount: 43,
  clientOrderId: asClientOrderId(`pg-01JD0000000000000000000088-${role}`),
  reduceOnly: false,
});

describe('rate-limit headers', () => {
  it("keeps Bybit's X-Bapi-Limit state of the last private reply", async () => {
    const port = await h.port('bybit');
    await port.fetchPositions([AVL]);
    expect(port.rateLimits()).toMatchObject({
      status: 200,
      limit: 50,
      remaining: expect.any(Number),
      resetAt: expect.any(Number),
    });
    await port.createOrder(entry('e'));
    // The create's own reply (10 per second per UID on /v5/order/create): the port makes no look-up after it.
    expect(port.rateLimits()).toMatchObject({ limit: 10 });
    expect(h.venue.requests({ method: 'createOrder' })).toHaveLength(1);
  });

  it("keeps Binance's used weight, growing with each request", async () => {
    const port = await h.port('binanceusdm');
    await port.fetchPositions();
    const first = port.rateLimits()?.usedWeight1m ?? 0;
    await port.createOrder(entry('e'));
    expect(port.rateLimits()).toMatchObject({ usedWeight1m: expect.any(Number), orderCount10s: expect.any(Number) });
    expect(port.rateLimits()?.usedWeight1m).toBeGreaterThan(first);
  });
});

describe.each<[WireVenue, 429 | 403 | 418]>([
  ['bybit', 403],
  ['bybit', 429],
  ['binanceusdm', 418],
  ['binanceusdm', 429],
  ['binanceusdm', 403],
])('%s answering HTTP %i', (venue, http) => {
  it("is a transient refusal of a create, with the venue's wait, and a failed query that concludes nothing", async () => {
    const port = await h.port(venue);
    h.venue.faults.set({ fault: { kind: 'rateLimited', http, retryAfterMs: 7_000 }, when: { calls: 2 } });
    const outcome = await port.createOrder(entry('e'));
    expect(outcome).toMatchObject({ kind: 'rejected', code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) });
    expect(isTransientRefusal(outcome)).toBe(true);
    const error = await port.fetchPositions().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryFailed);
    expect((error as QueryFailed).retryAfterMs).toBeGreaterThan(0);
    expect(h.venue.position('main', AVL).size).toBe(0);
  });
});

describe('Binance market-order protection', () => {
  it('treats -4131 (PERCENT_PRICE) as "not processed, try later", never as a refusal of the order', async () => {
    const port = await h.port('binanceusdm');
    h.venue.faults.set({ fault: { kind: 'marketProtection' }, when: { calls: 1 } });
    const outcome = await port.createOrder(entry('e'));
    expect(outcome).toMatchObject({ kind: 'rejected', code: 'RATE_LIMITED' });
    expect(isTransientRefusal(outcome)).toBe(true);
    expect(await port.createOrder(entry('e'))).toMatchObject({ kind: 'accepted', value: { report: { filled: 43 } } });
  });
});
