/**
 * Ownership across worker processes (issue 6, see docs/architecture.md, Persistence and ownership): two workers on the same
 * account and Redis prefix. The first takes the account's lease and drives its positions; the
 * second hands its intents to the first while the first lives (test/fleet), and adopts the account — its
 * positions rehydrated from Redis — within the lease TTL once the first is killed with
 * SIGKILL; the position completes, and the venue's request record shows no order twice.
 *
 * Also: a guard whose takeover takes longer than the lease TTL keeps its lease.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { systemClock } from '../../src/clock.js';
import type { ExchangePort } from '../../src/exchange/port.js';
import { SimExchange, createSimPort } from '../../src/exchange/sim/index.js';
import { createGuard } from '../../src/guard/guard.js';
import { connect, deletePrefix, REDIS_URL, testPrefix } from '../support/redis.js';
import { killAllWorkers, spawnWorker, type WorkerProcess } from '../support/worker-driver.js';
import {
  AVL,
  leaseHeld,
  leaseOf,
  sentOrders,
  sentTwice,
  storedState,
  wireVenueFixture,
  type WireVenueFixture,
} from '../support/worker-fixtures.js';
import type { WorkerLineOf } from '../support/worker-protocol.js';

const LEASE_TTL_MS = 2_000;
/** The bound on adoption: the TTL, one retry interval (TTL / 2), and room for a loaded machine. */
const ADOPTED_WITHIN_MS = LEASE_TTL_MS + LEASE_TTL_MS / 2 + 2_500;
const prefix = testPrefix('workers');
let fx: WireVenueFixture;
let redis: Redis;

beforeAll(async () => {
  fx = await wireVenueFixture(2);
  redis = connect();
});
afterAll(async () => {
  await killAllWorkers();
  await fx?.close();
  await deletePrefix(redis, prefix);
  await redis.quit();
});

/** Two workers on one fresh account: `first` holds the lease when this resolves, `second` waits for it. */
async function twoWorkers(crashAt?: string): Promise<{ account: string; first: WorkerProcess; second: WorkerProcess }> {
  const account = fx.nextAccount();
  const settings = (workerId: string) =>
    fx.settings({
      accounts: [{ account, exchange: 'bybit' }],
      redisPrefix: prefix,
      workerId,
      redisUrl: REDIS_URL,
      leaseTtlMs: LEASE_TTL_MS,
    });
  const first = spawnWorker(settings(`${account}-first`), crashAt === undefined ? {} : { crashAt });
  await first.ready(30_000);
  await leaseHeld(redis, prefix, account, first.name, LEASE_TTL_MS);
  const second = spawnWorker(settings(`${account}-second`));
  await second.ready(30_000);
  return { account, first, second };
}

const intent = (account: string, key: string) => ({
  account,
  symbol: AVL,
  side: 'buy',
  amount: 43,
  stopLoss: 0.21,
  idempotencyKey: key,
});

/** Milliseconds from `killedAt` until `second` drove the position (its first transition of it). */
async function adoptionMs(second: WorkerProcess, positionId: string, killedAt: number): Promise<number> {
  const first = await second.waitFor<WorkerLineOf<'transition'>>(
    (l) => l.type === 'transition' && l.id === positionId,
    ADOPTED_WITHIN_MS + 5_000,
    `adopting ${positionId}`,
  );
  return first.at - killedAt;
}

describe.concurrent('two workers on one account', () => {
  it('the second adopts the account within the lease TTL when the first dies mid-position, and the position ends open with each order sent once', async () => {
    const { account, first, second } = await twoWorkers('protecting:after-send');
    expect((await leaseOf(redis, prefix, account)).holder).toMatch(new RegExp(`^${first.name}#[0-9a-f]+\\|`));

    const opened = await first.request({ cmd: 'open', intent: intent(account, `${account}-1`) }, 'opened');
    const exit = await first.exited; // SIGKILL right after the stop's create reply, before anything is written
    const killedAt = Date.now();
    expect(exit.signal).toBe('SIGKILL');

    expect(await adoptionMs(second, opened.id, killedAt)).toBeLessThanOrEqual(ADOPTED_WITHIN_MS);
    expect((await second.reaches(opened.id, ['open', 'closed', 'failed', 'orphanAlert'], 15_000)).state).toBe('open');
    expect((await leaseOf(redis, prefix, account)).holder).toMatch(new RegExp(`^${second.name}#[0-9a-f]+\\|`));
    const orders = sentOrders(fx.venue, account);
    expect(orders.map((o) => o.role)).toEqual(['entry', 'stop']);
    expect(sentTwice(orders)).toEqual([]);
    expect(fx.venue.position(account, AVL).size).toBe(43);
    await second.request({ cmd: 'flush' }, 'flushed');
    expect(await storedState(redis, prefix, account, opened.id)).toEqual({ state: 'open', live: true });
    await second.stop();
  }, 60_000);

  it('after kill -9 of the worker holding an open position, the other adopts it within the lease TTL, closes it on request and takes new intents', async () => {
    const { account, first, second } = await twoWorkers();
    const opened = await first.request({ cmd: 'open', intent: intent(account, `${account}-1`) }, 'opened');
    expect((await first.reaches(opened.id, ['open', 'closed', 'failed', 'orphanAlert'], 15_000)).state).toBe('open');
    await first.request({ cmd: 'flush' }, 'flushed');

    const killedAt = Date.now();
    expect((await first.kill()).signal).toBe('SIGKILL');
    expect(await adoptionMs(second, opened.id, killedAt)).toBeLessThanOrEqual(ADOPTED_WITHIN_MS);
    expect(second.transitions(opened.id)[0]?.state).toBe('open'); // rehydrated where it was

    await second.request({ cmd: 'close', id: opened.id }, 'closeAsked');
    const end = await second.reaches(opened.id, ['closed', 'failed', 'orphanAlert'], 15_000);
    expect(end.state, `${end.reason}\n${second.lines.map((l) => JSON.stringify(l)).join('\n')}`).toBe('closed');
    expect(fx.venue.position(account, AVL).size).toBe(0);
    expect(fx.venue.orders(account).filter((o) => o.status === 'open')).toEqual([]); // the stop was cancelled
    const next = await second.request({ cmd: 'open', intent: intent(account, `${account}-2`) }, 'opened');
    expect((await second.reaches(next.id, ['open', 'closed', 'failed', 'orphanAlert'], 15_000)).state).toBe('open');
    const orders = sentOrders(fx.venue, account);
    expect(orders.map((o) => o.role)).toEqual(['entry', 'stop', 'close-1', 'entry', 'stop']);
    expect(sentTwice(orders)).toEqual([]);
    await second.stop();
  }, 60_000);

  // Taking an account over (markets, rehydration, the first orphan sweep) may outlast the
  // lease: it must be renewed meanwhile, or the first intents are refused as fenced.
  it('a guard whose start takes longer than the lease TTL still holds its lease and accepts its first intent', async () => {
    const ttl = 500;
    const sim = new SimExchange({ clock: systemClock, seed: 3 });
    sim.setPrice(AVL, 0.25);
    const port = createSimPort(sim, 'main');
    const slow = new Proxy(port, {
      get(target, key) {
        if (key === 'loadMarkets')
          return async () => {
            await new Promise((r) => setTimeout(r, ttl + 300));
            return target.loadMarkets();
          };
        const value: unknown = Reflect.get(target, key, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    }) as ExchangePort;
    const guard = await createGuard(
      { redis: REDIS_URL, accounts: [{ id: 'main', exchange: 'sim' }], ownership: { leaseTtlMs: ttl } },
      {
        sim,
        ports: { main: slow },
        persistence: 'redis',
        redisPrefix: `${prefix}slow-start:`,
        clock: systemClock,
      },
    );
    try {
      const pos = await guard.open({ account: 'main', symbol: AVL, side: 'buy', amount: 43 });
      expect(await pos.settled({ timeoutMs: 5_000 })).toBe('open');
    } finally {
      await guard.stop();
      sim.close();
    }
  }, 20_000);
});
