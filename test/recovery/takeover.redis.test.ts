/**
 * Crashes around adoption and lost claims (issue 18, cases 1 and 10), on real worker processes
 * trading through real ccxt on the wire simulator and sharing the local Redis: a worker
 * SIGKILLed, then another taking its accounts over. Each case asserts what the venue holds
 * and the orders it received.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { connect, deletePrefix, testPrefix } from '../support/redis.js';
import { killAllWorkers, spawnWorker } from '../support/worker-driver.js';
import { AVL, leaseHeld, sentOrders, wireVenueFixture, type WireVenueFixture } from '../support/worker-fixtures.js';
import type { WorkerSettings } from '../support/worker-protocol.js';

const prefix = testPrefix('takeover');
const ttl = 2_000;
let fx: WireVenueFixture;
let redis: Redis;

beforeAll(async () => {
  fx = await wireVenueFixture(2, 17);
  redis = connect();
});
afterAll(async () => {
  await killAllWorkers();
  await fx?.close();
  await deletePrefix(redis, prefix);
  await redis.quit();
});

function withPolicy(s: WorkerSettings, orphanPolicy: 'adopt' | 'alert'): WorkerSettings {
  return { ...s, config: { ...s.config, sweeps: { orphanPolicy, orphanEveryMs: 600_000, reconcileEveryMs: 600_000 } } };
}

describe('a worker killed around what it wrote', () => {
  it('an orphan adopted just before the worker is killed is taken over as adopted: no entry is ever sent for it', async () => {
    const account = fx.nextAccount();
    const settings = (workerId: string) =>
      withPolicy(
        fx.settings({
          accounts: [{ account, exchange: 'bybit' }],
          redisPrefix: prefix,
          workerId,
          redisUrl: 'redis://127.0.0.1:6379/0',
          leaseTtlMs: ttl,
        }),
        'adopt',
      );
    const first = spawnWorker(settings('first'));
    await first.ready(30_000);
    fx.venue.openExternalPosition(account, AVL, 'buy', 43);
    // The worker may still hold its start-up (flat) report of the symbol: a REST read within
    // `restLagMs` of it proves nothing (the sweep finds no orphan yet) until the stream reports
    // the position or a later read counts. Swept again until it is found, as the schedule would.
    let swept = await first.request({ cmd: 'sweep', kind: 'orphans' }, 'swept');
    for (let tries = 0; (swept.actions ?? []).length === 0 && tries < 20; tries++) {
      await new Promise((r) => setTimeout(r, 500));
      swept = await first.request({ cmd: 'sweep', kind: 'orphans' }, 'swept');
    }
    // On a failure, the whole report is what the assertion prints.
    expect(swept.actions?.[0] ?? JSON.stringify(swept)).toMatch(/^adopted as /);
    await first.kill();
    const second = spawnWorker(settings('second'));
    await second.ready(30_000);
    await leaseHeld(redis, prefix, account, 'second', ttl);
    await new Promise((r) => setTimeout(r, 2_000));
    const rows = (await second.request({ cmd: 'positions' }, 'positions')).rows;
    expect(rows.map((r) => r.state)).toEqual(['open']);
    expect(sentOrders(fx.venue, account)).toEqual([]); // no entry, nothing at all
    expect(fx.venue.position(account, AVL).size).toBe(43);
    await second.kill();
  }, 90_000);

  it('claims lost (a Redis failover), then a crash right after the entry left: on Binance the entry is looked up, never sent again', async () => {
    const account = fx.nextAccount();
    const settings = (workerId: string) =>
      fx.settings({
        accounts: [{ account, exchange: 'binanceusdm' }],
        redisPrefix: prefix,
        workerId,
        redisUrl: 'redis://127.0.0.1:6379/0',
        leaseTtlMs: ttl,
      });
    const first = spawnWorker(settings('first'), { crashAt: 'pending:after-send' });
    await first.ready(30_000);
    first.send({ cmd: 'open', intent: { account, symbol: AVL, side: 'buy', amount: 43 } });
    await first.exited;
    // The failover lost the last writes: every claim of the account's positions is gone.
    for (const key of await redis.keys(`${prefix}pos:*:claims`)) await redis.del(key);
    const second = spawnWorker(settings('second'));
    await second.ready(30_000);
    await new Promise((r) => setTimeout(r, 4_000));
    const entries = sentOrders(fx.venue, account).filter((o) => o.role === 'entry');
    expect(entries).toHaveLength(1);
    expect(fx.venue.position(account, AVL).size).toBe(43);
    const rows = (await second.request({ cmd: 'positions' }, 'positions')).rows;
    expect(rows.map((r) => r.state)).toEqual(['open']);
    await second.kill();
  }, 90_000);
});
