/**
 * The request budget bench's entry figures with Redis (see docs/architecture.md, Request
 * budget): Redis round trips and venue calls from `guard.open` until the entry's create reaches
 * the venue, for an account's first entry on a symbol (nothing known of it, no tick: the careful
 * path) and a later one (the fast path). A guard with Redis persistence on the shared local
 * server (its own key prefix, deleted after) and the in-process venue, on real time. Round trips
 * are counted by a wrapper around the store's ioredis client: one per command sent alone, one
 * per pipeline (auto-pipelining's included), whatever it holds; the guard's BullMQ connection
 * (sweeps) is not counted.
 *
 * Touches: the local Redis (its prefix only), its own venue and guard.
 */
import { systemClock } from '../src/clock.js';
import { SimExchange, createSimPort } from '../src/exchange/sim/index.js';
import type { ExchangePort } from '../src/exchange/port.js';
import { createGuard, type PositionHandle } from '../src/guard/guard.js';
import { RedisStore } from '../src/persistence/redis-store.js';
import { syntheticMarkets } from './budget.rig.js';
import { BENCH_REDIS_URL, benchPrefix, connectBench, deletePrefix } from './redis-keys.js';
import { countRoundTrips } from '../test/support/round-trips.js';

export interface BeforeEntry {
  readonly redis: number;
  readonly venue: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, done: () => boolean, maxMs = 20_000): Promise<void> {
  for (const start = Date.now(); !done(); await sleep(5))
    if (Date.now() - start > maxMs) throw new Error(`${what} did not happen within ${maxMs} ms`);
}

/** Round trips and venue calls before the entry leaves: an account's first entry on a symbol, then a later one. */
export async function beforeEntryWithRedis(): Promise<{ first: BeforeEntry; later: BeforeEntry }> {
  const redis = connectBench();
  const roundTrips = countRoundTrips(redis);
  const prefix = benchPrefix();
  const sim = new SimExchange({ clock: systemClock, seed: 3, markets: syntheticMarkets(1) });
  const SYMBOL = 'S0/USDT:USDT';
  // The moment the entry reaches the venue: the round trips counted then.
  let atEntry: number | undefined;
  const inner = createSimPort(sim, 'main');
  const port: ExchangePort = Object.assign(Object.create(inner) as ExchangePort, {
    createOrder: (request: Parameters<ExchangePort['createOrder']>[0]) => {
      if (!request.reduceOnly && atEntry === undefined) atEntry = roundTrips();
      return inner.createOrder(request);
    },
  });
  let live = false;
  const guard = await createGuard(
    { accounts: [{ id: 'main', exchange: 'sim' }], redis: BENCH_REDIS_URL },
    {
      persistence: new RedisStore(redis, prefix),
      redisPrefix: prefix,
      sim,
      clock: systemClock,
      ports: { main: port },
      workerId: 'bench-budget-entry',
      onEvent: (e) => {
        if (e.type === 'feed' && e.up) live = true;
      },
    },
  );
  const measure = async (): Promise<{ at: BeforeEntry; pos: PositionHandle }> => {
    atEntry = undefined;
    const venueFrom = sim.requests({ account: 'main' }).length;
    const from = roundTrips();
    const pos = await guard.open({ account: 'main', symbol: SYMBOL, side: 'buy', amount: 10, stopLoss: 0.5 });
    await until('the entry', () => atEntry !== undefined);
    const calls = sim.requests({ account: 'main' }).slice(venueFrom);
    const venue = calls.findIndex((r) => r.method === 'createOrder');
    await until('the open', () => pos.state === 'open');
    return { at: { redis: (atEntry ?? from) - from, venue }, pos };
  };
  try {
    await until('the feed', () => live);
    await sleep(1_000);
    const first = await measure();
    await guard.close(first.pos.id);
    await until('the close', () => first.pos.state === 'closed');
    sim.setPrice(SYMBOL, 1);
    await sleep(50);
    const later = await measure();
    return { first: first.at, later: later.at };
  } finally {
    await guard.stop();
    sim.close();
    await deletePrefix(redis, prefix).catch(() => 0);
    await redis.quit().catch(() => undefined);
  }
}
