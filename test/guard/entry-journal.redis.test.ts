/**
 * The entry's journal write on Redis (see docs/architecture.md, Request budget): one round trip
 * before the entry leaves — the intent journalled, confirmed and its entry claimed in one fenced
 * script — and a halted account refused by that script alone, leaving nothing of the position
 * behind. A guard on the shared local Redis (its own prefix) and the in-process venue, on real
 * time; round trips are counted by a wrapper around the store's ioredis client (one per command
 * sent alone, one per pipeline), not timed.
 */
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { Halted } from '../../src/domain/errors.js';
import { SimExchange, createSimPort } from '../../src/exchange/sim/index.js';
import type { ExchangePort } from '../../src/exchange/port.js';
import { createGuard, type Guard, type PositionHandle } from '../../src/guard/guard.js';
import { RedisStore } from '../../src/persistence/redis-store.js';
import { REDIS_URL, connect, deletePrefix, testPrefix } from '../support/redis.js';
import { countRoundTrips } from '../support/round-trips.js';

const AVL = 'AVL/USDT:USDT';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, done: () => boolean, maxMs = 20_000): Promise<void> {
  for (const start = Date.now(); !done(); await sleep(5))
    if (Date.now() - start > maxMs) throw new Error(`${what} did not happen within ${maxMs} ms`);
}

interface Rig {
  readonly guard: Guard;
  readonly sim: SimExchange;
  readonly redis: Redis;
  readonly prefix: string;
  readonly roundTrips: () => number;
  /** Round trips counted when the last entry reached the venue. */
  atEntry: number | undefined;
  /** Runs once, when the intent's mark price is fetched (after the intent was checked, before its journal write). */
  onMarkPrice: (() => Promise<void>) | undefined;
}

let rig: Rig | undefined;
afterEach(async () => {
  if (rig === undefined) return;
  await rig.guard.stop();
  rig.sim.close();
  await deletePrefix(rig.redis, rig.prefix).catch(() => undefined);
  await rig.redis.quit().catch(() => undefined);
  rig = undefined;
});

async function start(name: string): Promise<Rig> {
  const redis = connect();
  const prefix = testPrefix(name);
  const sim = new SimExchange({ clock: systemClock, seed: 3 });
  sim.setPrice(AVL, 0.25);
  const inner = createSimPort(sim, 'main');
  let live = false;
  const made: { -readonly [K in keyof Rig]?: Rig[K] } = {
    sim,
    redis,
    prefix,
    roundTrips: countRoundTrips(redis),
    atEntry: undefined,
    onMarkPrice: undefined,
  };
  const port: ExchangePort = Object.assign(Object.create(inner) as ExchangePort, {
    createOrder: (request: Parameters<ExchangePort['createOrder']>[0]) => {
      if (!request.reduceOnly && made.atEntry === undefined) made.atEntry = made.roundTrips?.();
      return inner.createOrder(request);
    },
    fetchMarkPrice: async (symbol: string) => {
      const hook = made.onMarkPrice;
      made.onMarkPrice = undefined;
      await hook?.();
      return inner.fetchMarkPrice(symbol);
    },
  });
  made.guard = await createGuard(
    { accounts: [{ id: 'main', exchange: 'sim' }], redis: REDIS_URL },
    {
      persistence: new RedisStore(redis, prefix),
      redisPrefix: prefix,
      sim,
      clock: systemClock,
      ports: { main: port },
      workerId: `test-${name}`,
      onEvent: (e) => {
        if (e.type === 'feed' && e.up) live = true;
      },
    },
  );
  rig = made as Rig;
  await until('the feed', () => live);
  // What the worker does as it takes the account (its first sweep, its first lease renewal) is over.
  await sleep(1_000);
  return rig;
}

async function keysOf(r: Rig, pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await r.redis.scan(cursor, 'MATCH', `${r.prefix}${pattern}`, 'COUNT', 500);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found;
}

describe("the entry's journal write on Redis", () => {
  it('makes one Redis round trip before the entry leaves, on the careful path (first entry on the symbol) and on the fast path', async () => {
    const r = await start('entry-trips');
    const trips: number[] = [];
    for (let i = 0; i < 2; i += 1) {
      r.atEntry = undefined;
      const from = r.roundTrips();
      const pos: PositionHandle = await r.guard.open({
        account: 'main',
        symbol: AVL,
        side: 'buy',
        amount: 43,
        stopLoss: 0.2,
      });
      await until('the entry', () => r.atEntry !== undefined);
      trips.push((r.atEntry ?? from) - from);
      await until('the open', () => pos.state === 'open');
      await r.guard.close(pos.id);
      await until('the close', () => pos.state === 'closed');
      r.sim.setPrice(AVL, 0.25);
      await sleep(50);
    }
    expect(trips).toEqual([1, 1]);
  });

  it('refuses an intent of an account halted after it was checked with Halted, from the journal script, leaving nothing behind', async () => {
    const r = await start('entry-halt');
    // The halt lands while the intent is checked (its mark price fetched): after any halt read before the entry.
    r.onMarkPrice = () => r.guard.halt('main', 'incident 9', 'ops');
    const refused = await r.guard.open({ account: 'main', symbol: AVL, side: 'buy', amount: 43, stopLoss: 0.21 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(Halted);
    // The same error as an intent refused on an account halted before it came.
    const plain = await r.guard.open({ account: 'main', symbol: AVL, side: 'buy', amount: 43, stopLoss: 0.21 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(plain).toBeInstanceOf(Halted);
    expect({ code: (refused as Halted).code, message: (refused as Halted).message }).toEqual({
      code: (plain as Halted).code,
      message: (plain as Halted).message,
    });
    // No row, no record, no event, no order; the symbol is free again.
    await r.guard.flushed();
    expect(await r.guard.positions()).toEqual([]);
    expect(await keysOf(r, 'pos:*')).toEqual([]);
    expect(await r.redis.xlen(`${r.prefix}events`)).toBe(0);
    expect(r.sim.requests({ account: 'main', method: 'createOrder' })).toEqual([]);
    await r.guard.resume('main');
    const pos = await r.guard.open({ account: 'main', symbol: AVL, side: 'buy', amount: 43, stopLoss: 0.21 });
    await until('the open', () => pos.state === 'open');
    expect((await r.guard.positions()).map((p) => p.id)).toEqual([pos.id]);
  });
});
