import { describe, expect, it } from 'vitest';
import { chooseLane, type Lane } from '../../src/budget/lanes.js';
import { full, take, waitFor } from '../../src/budget/token-bucket.js';
import { NO_BACKOFF, answered, dueAlert, refused } from '../../src/budget/backoff.js';
import { venueLimits } from '../../src/budget/venue-limits.js';

const ready = (...lanes: Lane[]) => ({
  trading: lanes.includes('trading'),
  entry: lanes.includes('entry'),
  query: lanes.includes('query'),
  sweep: lanes.includes('sweep'),
});

describe('chooseLane: which request leaves next', () => {
  const table: [string, Lane[], number, Lane | undefined][] = [
    ['nothing waits', [], 0, undefined],
    ['a close before everything', ['trading', 'entry', 'query', 'sweep'], 99, 'trading'],
    ['an entry before queries', ['entry', 'query'], 0, 'entry'],
    ['a query before a sweep that has not waited its turn', ['query', 'sweep'], 3, 'query'],
    ['a sweep that waited sweepEvery releases takes its floor share', ['entry', 'query', 'sweep'], 4, 'sweep'],
    ['a sweep alone leaves', ['sweep'], 0, 'sweep'],
    ["the sweep's floor share never overtakes a close", ['trading', 'sweep'], 10, 'trading'],
  ];
  it.each(table)('%s', (_name, lanes, sinceSweep, expected) => {
    expect(chooseLane({ ready: ready(...lanes), sinceSweep, sweepEvery: 5 })).toBe(expected);
  });
});

describe('token buckets', () => {
  const rule = { capacity: 10, perSecond: 5 };
  it('pays from a full bucket, then waits for the refill', () => {
    const after = take(full(rule, 0), rule, 10, 0);
    expect(after.bucket).toEqual({ tokens: 0, at: 0 });
    if (after.bucket === undefined) throw new Error('unreachable');
    expect(take(after.bucket, rule, 1, 0)).toEqual({ bucket: undefined, waitMs: 200 });
    expect(waitFor(after.bucket, rule, 1, 200)).toBe(0);
    expect(waitFor(after.bucket, rule, 5, 200)).toBe(800);
  });
  it('refills no further than its capacity, and a cost above it waits for a full bucket', () => {
    const empty = { tokens: 0, at: 0 };
    expect(waitFor(empty, rule, 40, 0)).toBe(2_000);
    expect(take(empty, rule, 40, 60_000)).toEqual({ bucket: { tokens: 0, at: 60_000 }, waitMs: 0 });
  });
});

describe('backoff', () => {
  it("waits the venue's Retry-After, else doubles from 1 s, and alerts a run once it lasts", () => {
    let b = refused(NO_BACKOFF, 2_000, 0);
    expect(b).toMatchObject({ until: 2_000, run: 1, since: 0 });
    b = refused(b, undefined, 2_000);
    expect(b).toMatchObject({ until: 4_000, run: 2, since: 0 });
    expect(dueAlert(b, 29_999, 30_000)).toBe(false);
    expect(dueAlert(b, 30_000, 30_000)).toBe(true);
    expect(dueAlert({ ...b, alerted: true }, 40_000, 30_000)).toBe(false);
    expect(answered(b)).toEqual({ until: 4_000, run: 0, since: undefined, alerted: false });
    // A ban whose wait alone reaches the threshold is sustained at once (Binance 418, Bybit's 10-minute IP wait).
    expect(dueAlert(refused(NO_BACKOFF, 600_000, 0), 0, 30_000)).toBe(true);
  });
});

describe('venue limits', () => {
  it("prices Binance's position list at 5 weight and the unnarrowed open-orders list at 40, on the host's budget", () => {
    const binance = venueLimits('binanceusdm');
    expect(binance.cost({ method: 'fetchPositions' })).toMatchObject({ ipWeight: 5, account: 1 });
    expect(binance.cost({ method: 'fetchOpenOrders' })).toMatchObject({ ipWeight: 40 });
    expect(binance.cost({ method: 'fetchOpenOrders', symbol: true })).toMatchObject({ ipWeight: 1 });
    expect(binance.buckets.find((b) => b.name === 'ipWeight')?.scope).toBe('host');
    expect(binance.refusalScope).toBe('host');
  });
  it("counts Bybit's orders against the account's 10 per second, its refusals against the account", () => {
    const bybit = venueLimits('bybit');
    expect(bybit.cost({ method: 'createOrder' })).toMatchObject({ orders: 1, account: 1, ip: 1 });
    expect(bybit.cost({ method: 'fetchOrder' })).not.toHaveProperty('orders');
    expect(bybit.refusalScope).toBe('account');
    expect(venueLimits('sim').buckets).toEqual([]);
  });
});
