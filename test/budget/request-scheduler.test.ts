import { SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import { LimitBudget } from '../../src/budget/host-budget.js';
import { RequestScheduler, type BudgetEvent, type SchedulerOptions } from '../../src/budget/request-scheduler.js';
import { scheduledPort, type ScheduledPort } from '../../src/budget/scheduled-port.js';
import type { VenueLimits } from '../../src/budget/venue-limits.js';
import { rejected } from '../../src/domain/outcome.js';
import { QueryFailed, type ExchangePort } from '../../src/exchange/port.js';
import { SimExchange, createSimPort } from '../../src/exchange/sim/index.js';
import { AVL, BTC, T0, market, stop } from '../exchange/sim/helpers.js';

/** One request per second per account: enough to make a queue form on the simulated clock. */
const ONE_PER_SECOND: VenueLimits = {
  venue: 'test',
  buckets: [{ name: 'account', scope: 'account', capacity: 1, perSecond: 1 }],
  refusalScope: 'account',
  cost: () => ({ account: 1 }),
};
const UNMETERED: VenueLimits = { venue: 'test', buckets: [], refusalScope: 'account', cost: () => ({}) };

const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i += 1) await new Promise<void>((r) => setImmediate(r));
};

function rig(limits: VenueLimits, options: Partial<SchedulerOptions> = {}) {
  const clock = new SimulatedClock();
  clock.set(T0);
  const venue = new SimExchange({ clock, seed: 1 });
  const raw = createSimPort(venue, 'main');
  const events: BudgetEvent[] = [];
  const scheduler = new RequestScheduler({
    account: 'main',
    limits,
    host: LimitBudget.of('host', limits, 'host', clock.now()),
    clock,
    onEvent: (e) => events.push(e),
    ...options,
  });
  const advance = async (ms: number, step = 100): Promise<void> => {
    for (let t = 0; t < ms; t += step) {
      clock.increment(step);
      await settle();
    }
  };
  return {
    clock,
    venue,
    raw,
    scheduler,
    events,
    advance,
    port: (p: ExchangePort = raw, lane: 'query' | 'sweep' = 'query') => scheduledPort(p, scheduler, limits, lane),
  };
}

/** The port whose position reads are answered by the venue at once, but reach posguard only on `release()` (still on the wire). */
function held(port: ExchangePort): { port: ExchangePort; release: () => void } {
  const pending: (() => void)[] = [];
  const hold = <T>(f: () => Promise<T>): Promise<T> => {
    const answer = f();
    return new Promise<T>((resolve, reject) => pending.push(() => void answer.then(resolve, reject)));
  };
  return {
    port: { ...port, fetchPositions: (s) => hold(() => port.fetchPositions(s)) },
    release: () => pending.splice(0).forEach((f) => f()),
  };
}

describe('the request scheduler', () => {
  it('lets a close overtake queued queries: nothing queued leaves ahead of it', async () => {
    const r = rig(ONE_PER_SECOND);
    const port = r.port();
    await r.raw.createOrder(market('buy', 43)); // a position to close (straight to the venue)
    const queries = Array.from({ length: 20 }, (_, i) => port.fetchOpenOrders(`S${i}/USDT:USDT`).catch(() => []));
    await settle();
    const close = port.createOrder(market('sell', 43, { reduceOnly: true }));
    await r.advance(2_000);
    const closed = await close;
    expect(closed, JSON.stringify(closed)).toMatchObject({ kind: 'accepted' });
    const sent = r.venue.requests({ account: 'main' }).map((q) => q.method);
    // The first query had left before the close was asked; the close is the next to leave.
    expect(sent.slice(0, 3)).toEqual(['createOrder', 'fetchOpenOrders', 'createOrder']);
    await r.advance(20_000, 1_000);
    await Promise.all(queries);
    r.scheduler.close();
  });

  it('backs off every call of the account on a sustained 429, waits its Retry-After, and reports it sustained once', async () => {
    const r = rig(UNMETERED, { sustainedMs: 30_000 });
    const port = r.port();
    r.venue.faults.set({ fault: { kind: 'rateLimited', retryAfterMs: 2_000, http: 429 }, account: 'main' });
    let failures = 0;
    for (let t = 0; t < 40_000; t += 500) {
      void port.fetchPositions().catch((e: unknown) => {
        if (e instanceof QueryFailed) failures += 1;
      });
      await r.advance(500);
    }
    const seen = r.venue.requests({ account: 'main', method: 'fetchPositions' });
    // One request per Retry-After, not one per ask (80 asks in 40 s).
    expect(seen.length).toBeGreaterThanOrEqual(18);
    expect(seen.length).toBeLessThanOrEqual(21);
    for (let i = 1; i < seen.length; i += 1)
      expect((seen[i]?.at ?? 0) - (seen[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(2_000);
    expect(failures).toBeGreaterThan(0);
    expect(r.events.filter((e) => e.type === 'sustained')).toHaveLength(1);
    expect(r.events.find((e) => e.type === 'backoff')).toMatchObject({ scope: 'account', label: 'fetchPositions' });
    r.venue.faults.clear();
    await r.advance(3_000);
    await port.fetchPositions();
    expect(r.events.at(-1)).toMatchObject({ type: 'recovered' });
    r.scheduler.close();
  });

  it('runs a sweep under trading load: its floor share, never starved', async () => {
    const r = rig(ONE_PER_SECOND, { sweepEvery: 5 });
    const trading = r.port();
    const sweeping = r.port(r.raw, 'sweep');
    const load = (): void => {
      for (let i = 0; i < 3; i += 1)
        void trading.fetchOrder({ clientOrderId: `pg-x-${Math.random()}` as never }, AVL).catch(() => {});
    };
    load();
    await settle();
    let swept = false;
    void sweeping.fetchPositions().then(() => {
      swept = true;
    });
    for (let t = 0; t < 6_000 && !swept; t += 1_000) {
      load();
      await r.advance(1_000);
    }
    expect(swept).toBe(true);
    expect(r.scheduler.stats().queued.query).toBeGreaterThan(5);
    r.scheduler.close();
  });

  it('keeps its queue bounded: a full queue refuses with a clear error, and a refused create never leaves', async () => {
    const r = rig(ONE_PER_SECOND, { maxQueued: 3 });
    const port = r.port();
    const asks = Array.from({ length: 5 }, (_, i) =>
      port.fetchOpenOrders(`S${i}/USDT:USDT`).then(
        () => 'answered',
        (e: unknown) => (e as Error).message,
      ),
    );
    await settle();
    const create = await port.createOrder(market('buy', 1, { symbol: BTC }));
    expect(create).toMatchObject({ kind: 'rejected', code: 'NOT_SENT' });
    expect(create.kind === 'rejected' && create.reason).toMatch(/already has 3 requests waiting/);
    await r.advance(5_000);
    const answers = await Promise.all(asks);
    expect(answers.filter((a) => a === 'answered')).toHaveLength(4); // one left at once, three waited
    expect(answers.filter((a) => a !== 'answered')[0]).toMatch(
      /fetchOpenOrders failed: fetchOpenOrders was not sent: account main already has 3 requests waiting/,
    );
    expect(r.venue.requests({ method: 'createOrder' })).toHaveLength(0);
    r.scheduler.close();
  });

  it('merges a query only into one that has not left: no waiter gets a reply older than its request', async () => {
    const r = rig(UNMETERED, { maxQueriesInFlight: 1 });
    const slow = held(r.raw);
    const port = r.port(slow.port);
    const first = port.fetchPositions([AVL]);
    await settle();
    r.clock.increment(1_000);
    await r.raw.createOrder(market('buy', 50)); // the venue moves while the first read is on the wire
    const askedSecond = r.clock.now();
    const second = port.fetchPositions([AVL]);
    const third = port.fetchPositions([AVL]);
    await settle();
    slow.release();
    await settle();
    slow.release();
    const [a, b, c] = await Promise.all([first, second, third]);
    expect(a.find((p) => p.symbol === AVL)?.size ?? 0).toBe(0);
    expect(b.find((p) => p.symbol === AVL)).toMatchObject({ size: 50 });
    expect(b.find((p) => p.symbol === AVL)?.receivedAt).toBeGreaterThanOrEqual(askedSecond);
    expect(c).toBe(b); // merged: one request for both
    expect(r.venue.requests({ method: 'fetchPositions' }).length).toBeGreaterThanOrEqual(2);
    expect(r.scheduler.stats().merged).toBe(1);
    r.scheduler.close();
  });

  it('never merges, reorders within a symbol, or retries a state-changing call', async () => {
    const r = rig(UNMETERED);
    const port = r.port();
    r.venue.faults.set({ fault: { kind: 'rateLimited', retryAfterMs: 3_000 }, when: { calls: 1 }, account: 'main' });
    expect(await port.createOrder(market('buy', 1, { symbol: BTC }))).toMatchObject({
      kind: 'rejected',
      code: 'RATE_LIMITED',
    });
    // Held by the backoff: an entry, then its stop, then a close of another symbol.
    const entry = port.createOrder(market('buy', 43));
    const protect = port.createOrder(stop('sell', 43, 0.01));
    const close = port.createOrder(market('sell', 1, { symbol: BTC, reduceOnly: true }));
    await settle();
    expect(r.venue.requests({ method: 'createOrder' })).toHaveLength(1); // the refused one, not retried
    await r.advance(3_000);
    await Promise.all([entry, protect, close]);
    const creates = r.venue.requests({ method: 'createOrder' }).map((q) => `${q.params.symbol} ${q.params.type}`);
    expect(creates).toEqual([`${BTC} market`, `${BTC} market`, `${AVL} market`, `${AVL} stop-market`]);
  });

  it("says an entry would leave at once only while nothing of its symbol waits, no close is ready first, its cost is payable and no backoff holds; when it says so, the entry's claim runs in the step that hands it over", async () => {
    const r = rig(ONE_PER_SECOND);
    const port: ScheduledPort = r.port();
    expect(port.entryLeavesAtOnce(AVL)).toBe(true);
    // Handed over while free: its check runs before the call that hands it over returns.
    let handing = true;
    let checkedWhileHanding: boolean | undefined;
    const entry = port.createOrderWhenReleased(market('buy', 43), async () => {
      checkedWhileHanding = handing;
      return undefined;
    });
    handing = false;
    expect(checkedWhileHanding).toBe(true);
    await entry;
    // The bucket is empty for a second: an entry would wait.
    expect(port.entryLeavesAtOnce(BTC)).toBe(false);
    await r.advance(1_000);
    expect(port.entryLeavesAtOnce(BTC)).toBe(true);
    // A close of the symbol waiting (the bucket spent again): not at once, on that symbol or any.
    void port.createOrder(market('sell', 1));
    const close = port.createOrder({ ...market('sell', 1), reduceOnly: true });
    expect(port.entryLeavesAtOnce(AVL)).toBe(false);
    expect(port.entryLeavesAtOnce(BTC)).toBe(false);
    await r.advance(3_000);
    await close;
    expect(port.entryLeavesAtOnce(AVL)).toBe(true);
    // A 429 backs the account off: no entry leaves at once until it ends.
    r.venue.faults.set({ fault: { kind: 'rateLimited', retryAfterMs: 3_000 }, when: { calls: 1 }, account: 'main' });
    await port.fetchPositions().catch(() => {});
    expect(port.entryLeavesAtOnce(AVL)).toBe(false);
    await r.advance(4_000);
    expect(port.entryLeavesAtOnce(AVL)).toBe(true);
  });

  it('takes the send claim when it releases the order: one held in a backoff whose claim is refused never leaves', async () => {
    const r = rig(UNMETERED);
    const port: ScheduledPort = r.port();
    r.venue.faults.set({ fault: { kind: 'rateLimited', retryAfterMs: 3_000 }, when: { calls: 1 }, account: 'main' });
    await port.fetchPositions().catch(() => {});
    let claimedAt: number | undefined;
    const leaseLost = port.createOrderWhenReleased(market('buy', 43), async () => {
      claimedAt = r.clock.now();
      return rejected('the lease of account main is held by another worker: not sent', 'LEASE_LOST');
    });
    await r.advance(1_000);
    expect(claimedAt).toBeUndefined(); // no claim while it waits
    await r.advance(3_000);
    expect(await leaseLost).toMatchObject({ kind: 'rejected', code: 'LEASE_LOST' });
    expect(claimedAt).toBeGreaterThanOrEqual(T0 + 3_000);
    expect(r.venue.requests({ method: 'createOrder' })).toHaveLength(0);
  });

  it("backs off every account of the process on the venue host after an IP-scoped refusal (Binance's 429), not only the refused one", async () => {
    const IP_SCOPED: VenueLimits = { ...UNMETERED, refusalScope: 'host' };
    const clock = new SimulatedClock();
    clock.set(T0);
    const venue = new SimExchange({ clock, seed: 1 });
    const host = LimitBudget.of('fapi.example', IP_SCOPED, 'host', T0);
    const schedulerOf = (account: string) => new RequestScheduler({ account, limits: IP_SCOPED, host, clock });
    const [a, b] = [schedulerOf('a'), schedulerOf('b')];
    const portA = scheduledPort(createSimPort(venue, 'a'), a, IP_SCOPED, 'query');
    const portB = scheduledPort(createSimPort(venue, 'b'), b, IP_SCOPED, 'query');
    venue.faults.set({
      fault: { kind: 'rateLimited', retryAfterMs: 2_000, http: 429 },
      when: { calls: 1 },
      account: 'a',
    });
    await expect(portA.fetchPositions()).rejects.toBeInstanceOf(QueryFailed);
    const other = portB.fetchPositions();
    await settle();
    expect(venue.requests({ account: 'b' })).toHaveLength(0); // b shares the IP: it waits too
    clock.increment(2_000);
    await settle();
    await other;
    expect(venue.requests({ account: 'b' })[0]?.at).toBe(T0 + 2_000);
    a.close();
    b.close();
  });
});
