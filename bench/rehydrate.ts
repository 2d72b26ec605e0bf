/**
 * Rehydration of N live positions by `createGuard`: N open positions (the template's
 * persisted snapshot, each with its own ids and symbol) are written to Redis under a prefix
 * as the guard writes them (lease, journal, claims of the entry and the stop, snapshot with
 * its history entry); the simulated venue holds the same positions and resting stops; then
 * `createGuard` with Redis persistence is timed: it takes the account's lease and restores
 * every live position before it resolves. Also timed: what follows (the restored actors write
 * their snapshots again: `guard.flushed()`), the guard's `stop()`, and `RedisStore.loadLive` alone.
 *
 * Receives: a template, a count, a connection and a key prefix. Touches: Redis under the
 * prefix, its own venue and guard.
 *
 * @example
 * const run = await rehydrate(redis, prefix, template, 10_000);
 */
import type { Redis } from 'ioredis';
import { systemClock } from '../src/clock.js';
import { asAccountId, type ClientOrderId } from '../src/domain/ids.js';
import { SimExchange, createSimPort } from '../src/exchange/sim/index.js';
import { createGuard } from '../src/guard/guard.js';
import { createLogger } from '../src/log/logger.js';
import { RedisStore } from '../src/persistence/redis-store.js';
import { benchMarkets, benchSymbol, cloneIds, type OpenTemplate } from './open-template.js';
import { BENCH_REDIS_URL } from './redis-keys.js';

export interface RehydrateRun {
  readonly positions: number;
  /** Writing the N positions to Redis (not part of the rehydration). */
  readonly seedMs: number;
  readonly createGuardMs: number;
  /** Positions the guard shows once `createGuard` resolved, and how many of them are `open`. */
  readonly restored: number;
  readonly open: number;
  /** The first few warnings the guard logged (writes retried, sweep findings), and how many there were. */
  readonly troubles: readonly string[];
  readonly troubleCount: number;
  /** From `createGuard`'s resolution until every snapshot queued so far is written (`guard.flushed()`). */
  readonly flushedMs: number;
  readonly stopMs: number;
  /** `RedisStore.loadLive` alone (the read and JSON parse of every live position). */
  readonly loadLiveMs: number;
  /** The venue calls made from `createGuard` until `guard.flushed()` resolved, by method (each page one call). */
  readonly venueCalls: Readonly<Record<string, number>>;
}

const ACCOUNT = asAccountId('bench');

async function pool(n: number, width: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

export async function rehydrate(
  redis: Redis,
  prefix: string,
  template: OpenTemplate,
  n: number,
): Promise<RehydrateRun> {
  const store = new RedisStore(redis, prefix);
  const { entry } = template.context;
  const stop = template.context.stops.at(-1);
  if (stop === undefined) throw new Error('the template has no stop');
  const recorded = template.writes.find((w) => w.kind === 'recordIntent' || w.kind === 'recordAndClaim');
  const baseline =
    recorded?.kind === 'recordIntent' || recorded?.kind === 'recordAndClaim'
      ? recorded.entry.baseline
      : { side: undefined, size: 0 };
  const event = { type: 'ORDER_REPORT', payload: stop.report ?? null };

  let started = performance.now();
  const token = await store.acquireLease(ACCOUNT, 'bench-seeder', 60_000);
  const holder = `bench-seeder|${token}`;
  await pool(n, 500, async (i) => {
    const { id, rewrite } = cloneIds(template, i, benchSymbol(i));
    const snapshot = JSON.parse(rewrite(template.json)) as { context: { spec: { intent: never } } };
    await store.recordIntent(ACCOUNT, holder, {
      positionId: id,
      intent: snapshot.context.spec.intent,
      entryClientOrderId: rewrite(entry.clientOrderId) as ClientOrderId,
      baseline,
      at: systemClock.now(),
    });
    await store.confirmIntent(ACCOUNT, holder, id);
    await store.claimSend(ACCOUNT, holder, id, rewrite(entry.clientOrderId) as ClientOrderId, systemClock.now());
    await store.claimSend(ACCOUNT, holder, id, rewrite(stop.clientOrderId) as ClientOrderId, systemClock.now());
    await store.saveSnapshot(ACCOUNT, holder, {
      positionId: id,
      state: 'open',
      final: false,
      snapshot,
      at: systemClock.now(),
      event,
    });
  });
  await store.releaseLease(ACCOUNT, holder);
  const seedMs = performance.now() - started;

  // The venue holds what the snapshots say: each position's entry filled and its stop resting.
  const venue = new SimExchange({ clock: systemClock, seed: 1, markets: benchMarkets(n) });
  const port = createSimPort(venue, ACCOUNT);
  for (let i = 0; i < n; i++) {
    const { rewrite } = cloneIds(template, i, benchSymbol(i));
    const symbol = benchSymbol(i);
    await port.createOrder({
      symbol,
      side: 'buy',
      type: 'market',
      amount: entry.amount,
      reduceOnly: false,
      clientOrderId: rewrite(entry.clientOrderId) as ClientOrderId,
    });
    await port.createOrder({
      symbol,
      side: 'sell',
      type: 'stop-market',
      amount: stop.amount,
      reduceOnly: true,
      clientOrderId: rewrite(stop.clientOrderId) as ClientOrderId,
      ...(template.context.spec.intent.stopLoss === undefined
        ? {}
        : { triggerPrice: template.context.spec.intent.stopLoss }),
    });
  }
  await port.close();
  const seeded = venue.requests().length;

  const troubles: string[] = [];
  let troubleCount = 0;
  started = performance.now();
  const guard = await createGuard(
    { accounts: [{ id: ACCOUNT, exchange: 'sim' }], redis: BENCH_REDIS_URL },
    {
      persistence: 'redis',
      redisPrefix: prefix,
      sim: venue,
      clock: systemClock,
      workerId: 'bench-rehydrate',
      log: createLogger({
        level: 'warn',
        destination: {
          write: (line: string) => {
            troubleCount++;
            const l = JSON.parse(line) as { msg: string; err?: { message?: string } };
            if (troubles.length < 3)
              troubles.push(`${l.msg}${l.err?.message === undefined ? '' : `: ${l.err.message}`}`);
          },
        },
      }),
    },
  );
  const createGuardMs = performance.now() - started;
  const rows = await guard.positions();
  const open = rows.filter((r) => r.state === 'open').length;
  // After it resolved: the restored actors write their snapshots again, and the sweeps start.
  started = performance.now();
  await guard.flushed();
  const flushedMs = performance.now() - started;
  const venueCalls: Record<string, number> = {};
  for (const r of venue.requests().slice(seeded)) venueCalls[r.method] = (venueCalls[r.method] ?? 0) + 1;
  started = performance.now();
  await guard.stop();
  const stopMs = performance.now() - started;
  venue.close();

  started = performance.now();
  const live = await store.loadLive(ACCOUNT);
  const loadLiveMs = performance.now() - started;
  if (live.length !== n) troubles.push(`loadLive found ${live.length} live positions of ${n}`);
  return {
    positions: n,
    seedMs,
    createGuardMs,
    restored: rows.length,
    open,
    troubles,
    troubleCount,
    flushedMs,
    stopMs,
    loadLiveMs,
    venueCalls,
  };
}
