/**
 * What a worker does when its store or its takeover goes wrong (issue 18): Redis restarted
 * without its data, a takeover whose start fails, a lease lost and taken back, alerts of a
 * worker that lost its lease, records it cannot read, two processes with one worker id, a
 * restored verification past its deadlines. Guards run in this process on the simulated
 * exchange and a real Redis — a private `redis-server` where the test wipes it.
 */
import { SimulatedClock } from 'xstate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { AccountUnavailable } from '../../src/domain/errors.js';
import { HandoverUnanswered } from '../../src/fleet/errors.js';
import type { PositionId } from '../../src/domain/ids.js';
import type { ExchangePort } from '../../src/exchange/port.js';
import { SimExchange, createSimPort } from '../../src/exchange/sim/index.js';
import { createGuard, type Guard } from '../../src/guard/guard.js';
import { RedisStore } from '../../src/persistence/redis-store.js';
import { startOwnRedis, type OwnRedis } from '../support/own-redis.js';
import { REDIS_URL, redisForThisFile } from '../support/redis.js';
import { driveFor, driveUntil } from '../support/sim-drive.js';
import { T0 } from '../support/sim-harness.js';

const AVL = 'AVL/USDT:USDT';
const ETH = 'ETH/USDT:USDT';
const db = redisForThisFile('store');
const REAL = { realMsPerStep: 2 } as const;

function venue(seed: number): { clock: SimulatedClock; sim: SimExchange } {
  const clock = new SimulatedClock();
  clock.set(T0);
  const sim = new SimExchange({ clock, seed });
  sim.setPrice(AVL, 0.25);
  sim.setPrice(ETH, 2_000);
  return { clock, sim };
}

async function stopAll(...guards: (Guard | undefined)[]): Promise<void> {
  for (const g of guards) await g?.stop().catch(() => {});
}

describe('Redis restarted without its data', () => {
  let own: OwnRedis;
  beforeAll(async () => {
    own = await startOwnRedis();
  });
  afterAll(async () => {
    await own?.stop();
  });

  it('the worker notices, says so, and writes back its positions and keys: nothing is forgotten, a retried key opens nothing new', async () => {
    const { clock, sim } = venue(31);
    const config = {
      redis: own.url,
      accounts: [{ id: 'main', exchange: 'sim' as const }],
      ownership: { leaseTtlMs: 1_500 },
    };
    const guard = await createGuard(config, {
      clock,
      sim,
      persistence: 'redis',
      redisPrefix: 'pg:',
      workerId: 'w',
      leaseClock: {
        now: () => Date.now(),
        setTimeout: (f, ms) => setTimeout(f, ms),
        clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
      },
    });
    try {
      const pos = await guard.open({
        account: 'main',
        symbol: AVL,
        side: 'buy',
        amount: 43,
        stopLoss: 0.21,
        idempotencyKey: 'bot-1',
      });
      await driveUntil(clock, () => pos.state === 'open', { ...REAL, maxMs: 5_000 });
      await guard.flushed();
      const port = own.port;
      await own.stop();
      own = await startOwnRedis(port); // the same Redis, without its data
      const reader = new Redis(own.url);
      try {
        const store = new RedisStore(reader, 'pg:');
        await driveUntil(clock, () => false, { realMsPerStep: 50, maxMs: 3_000 }).catch(() => {}); // renewals run on real time
        for (let i = 0; i < 60 && (await store.loadLive('main' as never)).length === 0; i++)
          await new Promise((r) => setTimeout(r, 100));
        expect((await store.loadLive('main' as never)).map((p) => p.id)).toEqual([pos.id]);
        expect(await store.positionForKey('main' as never, 'bot-1')).toBe(pos.id);
        const alerts = await guard.alerts();
        expect(alerts.some((a) => a.kind === 'storeWiped')).toBe(true);
        const again = await guard.open({
          account: 'main',
          symbol: AVL,
          side: 'buy',
          amount: 43,
          stopLoss: 0.21,
          idempotencyKey: 'bot-1',
        });
        expect(again.id).toBe(pos.id);
        await driveFor(clock, 2_000, REAL);
        expect(sim.requests({ method: 'createOrder' }).filter((r) => !r.params.reduceOnly)).toHaveLength(1);
        expect(sim.position('main', AVL).size).toBe(43);
      } finally {
        reader.disconnect();
      }
    } finally {
      await stopAll(guard);
      sim.close();
    }
  }, 60_000);
});

describe('taking an account over', () => {
  it('a start that fails (the venue answers 503) is alerted and retried; the lease is let go meanwhile, and nothing is thrown into the host', async () => {
    const { clock, sim } = venue(32);
    const prefix = `${db.prefix}start:`;
    const config = {
      redis: REDIS_URL,
      accounts: [{ id: 'main', exchange: 'sim' as const }],
      ownership: { leaseTtlMs: 2_000 },
    };
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    const broken = sim.faults.set({ fault: { kind: 'serverError', methods: ['loadMarkets', 'fetchPositionMode'] } });
    const guard = await createGuard(config, { clock, sim, persistence: 'redis', redisPrefix: prefix, workerId: 'w' });
    try {
      await expect(guard.open({ account: 'main', symbol: AVL, side: 'buy', amount: 43 })).rejects.toBeInstanceOf(
        AccountUnavailable,
      );
      expect((await guard.alerts()).map((a) => a.kind)).toContain('accountUnguarded');
      expect(await db.redis.get(`${prefix}lease:main`)).toBeNull(); // let go: another worker may take it
      sim.faults.clear(broken);
      await driveUntil(clock, () => false, { realMsPerStep: 100, maxMs: 3_000 }).catch(() => {});
      const pos = await guard.open({ account: 'main', symbol: AVL, side: 'buy', amount: 43 });
      await driveUntil(clock, () => pos.state === 'open', { ...REAL, maxMs: 5_000 });
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await stopAll(guard);
      sim.close();
    }
  }, 30_000);

  it('a restored verification whose deadlines ran out while no worker ran looks the entry up before it concludes anything', async () => {
    const { clock, sim } = venue(33);
    const prefix = `${db.prefix}late:`;
    const config = {
      redis: REDIS_URL,
      accounts: [{ id: 'main', exchange: 'sim' as const }],
      ownership: { leaseTtlMs: 2_000 },
      verification: { timeoutMs: 5_000, unknownAlertAfterMs: 5_000 },
    };
    // No stream, and the entry found by a look-up only 62 s after it was placed.
    sim.faults.set({ fault: { kind: 'minimalCreateReply' } });
    sim.faults.set({ fault: { kind: 'orderIndexDelay', ms: 62_000 }, when: { calls: 1 } });
    sim.faults.set({ fault: { kind: 'disconnect' } });
    const a = await createGuard(config, { clock, sim, persistence: 'redis', redisPrefix: prefix, workerId: 'a' });
    const pos = await a.open({ account: 'main', symbol: AVL, side: 'buy', amount: 43 });
    // Once the entry has left, position lists fail: the position has nothing but look-ups of its entry to go on.
    sim.faults.set({ fault: { kind: 'serverError', methods: ['fetchPositions'] } });
    await driveUntil(clock, () => pos.state !== 'pending', { ...REAL, maxMs: 1_000 });
    expect(pos.state).toBe('verifying');
    await a.flushed();
    await a.stop();
    clock.increment(60_000); // down far longer than timeoutMs + unknownAlertAfterMs
    const b = await createGuard(config, { clock, sim, persistence: 'redis', redisPrefix: prefix, workerId: 'b' });
    try {
      await driveUntil(clock, () => b.position(pos.id).state === 'open' || b.position(pos.id).state === 'orphanAlert', {
        ...REAL,
        maxMs: 20_000,
      });
      expect(b.position(pos.id).state).toBe('open');
      expect((await b.alerts()).map((x) => x.kind)).not.toContain('unknownOrder');
    } finally {
      await stopAll(b);
      sim.close();
    }
  }, 30_000);

  it('a worker that lost the account forgets its rows, and rehydrates them when it takes the account back', async () => {
    const { clock, sim } = venue(34);
    const prefix = `${db.prefix}rows:`;
    const config = {
      redis: REDIS_URL,
      accounts: [{ id: 'main', exchange: 'sim' as const }],
      ownership: { leaseTtlMs: 1_000 },
    };
    const guard = await createGuard(config, {
      clock,
      sim,
      persistence: 'redis',
      redisPrefix: prefix,
      workerId: 'w',
      handoverDeadlineMs: 300,
    });
    try {
      const pos = await guard.open({ account: 'main', symbol: AVL, side: 'buy', amount: 43 });
      await driveUntil(clock, () => pos.state === 'open', { ...REAL, maxMs: 5_000 });
      await guard.flushed();
      const token = Number((await db.redis.get(`${prefix}lease:main`))?.split('|').pop());
      await db.redis.set(`${prefix}lease:main`, `other|${token + 1}`, 'PX', 1_500); // another worker took it
      await db.redis.set(`${prefix}lease:main:token`, String(token + 1));
      for (let i = 0; i < 40 && (await guard.positions()).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(await guard.positions()).toEqual([]);
      // Handed to the holder, which never answers (it is no worker): unknown at the deadline, nothing sent here.
      await expect(guard.open({ account: 'main', symbol: ETH, side: 'buy', amount: 1 })).rejects.toBeInstanceOf(
        HandoverUnanswered,
      );
      for (let i = 0; i < 60 && (await guard.positions()).length === 0; i++)
        await new Promise((r) => setTimeout(r, 100)); // its lease expired: taken back
      expect((await guard.positions()).map((r) => [r.id, r.state])).toEqual([[pos.id, 'open']]);
    } finally {
      await stopAll(guard);
      sim.close();
    }
  }, 30_000);
});

describe('a worker that lost its lease', () => {
  it('raises no alert once it has (checked in Redis, before it noticed)', async () => {
    const { clock, sim } = venue(35);
    const prefix = `${db.prefix}alerts:`;
    const config = {
      redis: REDIS_URL,
      accounts: [{ id: 'main', exchange: 'sim' as const }],
      ownership: { leaseTtlMs: 30_000 },
    };
    const guard = await createGuard(config, {
      clock,
      sim,
      persistence: 'redis',
      redisPrefix: prefix,
      workerId: 'w',
      handoverDeadlineMs: 300,
    });
    try {
      const pos = await guard.open({ account: 'main', symbol: AVL, side: 'buy', amount: 43 });
      await driveUntil(clock, () => pos.state === 'open', { ...REAL, maxMs: 5_000 });
      await db.redis.set(`${prefix}lease:main`, 'other|999', 'PX', 30_000);
      sim.openExternalPosition('main', AVL, 'sell', 86); // flipped: the position would raise a mismatch alert
      await driveFor(clock, 1_000, REAL);
      await guard.flushed();
      expect((await guard.alerts()).map((a) => a.kind)).not.toContain('mismatch');
    } finally {
      await stopAll(guard);
      sim.close();
    }
  });
});

describe('records a worker cannot read', () => {
  it('a corrupt snapshot and a record without its intent are quarantined with alerts naming them; the others run', async () => {
    const { clock, sim } = venue(36);
    const prefix = `${db.prefix}bad:`;
    const config = {
      redis: REDIS_URL,
      accounts: [
        { id: 'main', exchange: 'sim' as const },
        { id: 'side', exchange: 'sim' as const },
      ],
      ownership: { leaseTtlMs: 2_000 },
    };
    const a = await createGuard(config, { clock, sim, persistence: 'redis', redisPrefix: prefix, workerId: 'a' });
    const bad = await a.open({ account: 'main', symbol: AVL, side: 'buy', amount: 43 });
    const good = await a.open({ account: 'main', symbol: ETH, side: 'buy', amount: 1 });
    const other = await a.open({ account: 'side', symbol: AVL, side: 'buy', amount: 43 });
    await driveUntil(clock, () => [bad, good, other].every((p) => p.state === 'open'), { ...REAL, maxMs: 5_000 });
    await a.flushed();
    await a.stop();
    await db.redis.hset(`${prefix}pos:${bad.id}`, 'snapshot', '{"value": "open", "context": {'); // cut short
    const ghost = '01KAV9FT00ZZZZZZZZZZZZZZZZ' as PositionId;
    await db.redis.sadd(`${prefix}acct:main:live`, ghost); // a live entry whose record lost its intent
    await db.redis.hset(`${prefix}pos:${ghost}`, 'state', 'open');
    const b = await createGuard(config, { clock, sim, persistence: 'redis', redisPrefix: prefix, workerId: 'b' });
    try {
      const alerts = await b.alerts();
      expect(alerts.find((x) => x.positionId === bad.id)?.message).toMatch(/cannot be restored.*quarantined/);
      expect(alerts.find((x) => x.positionId === ghost)?.message).toMatch(/has no intent/);
      await driveFor(clock, 1_000, REAL);
      expect(b.position(good.id).state).toBe('open');
      expect(b.position(other.id).state).toBe('open');
      await expect(b.open({ account: 'main', symbol: AVL, side: 'buy', amount: 43 })).rejects.toMatchObject({
        code: 'SYMBOL_BUSY',
      });
    } finally {
      await stopAll(b);
      sim.close();
    }
  }, 30_000);
});

describe('two processes given the same worker id', () => {
  it('are two holders: only one drives the account', async () => {
    const { clock, sim } = venue(37);
    const prefix = `${db.prefix}twin:`;
    const config = {
      redis: REDIS_URL,
      accounts: [{ id: 'main', exchange: 'sim' as const }],
      ownership: { leaseTtlMs: 5_000 },
    };
    const inner = createSimPort(sim, 'main');
    const one = await createGuard(config, { clock, sim, persistence: 'redis', redisPrefix: prefix, workerId: 'same' });
    const two = await createGuard(config, {
      clock,
      sim,
      persistence: 'redis',
      redisPrefix: prefix,
      workerId: 'same',
      ports: { main: inner as ExchangePort },
    });
    try {
      await one.open({ account: 'main', symbol: AVL, side: 'buy', amount: 43 });
      // The second hands its intent to the holder: the first drives it, the second does not.
      const handed = await two.open({ account: 'main', symbol: ETH, side: 'buy', amount: 1 });
      expect((await one.positions()).map((r) => r.id)).toContain(handed.id);
      expect((await two.positions()).map((r) => r.id)).not.toContain(handed.id);
    } finally {
      await stopAll(two, one);
      sim.close();
    }
  });
});
