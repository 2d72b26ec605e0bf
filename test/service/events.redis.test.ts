/**
 * The fleet-wide event stream in Redis: the fenced `saveSnapshot` script appends a change of
 * state (never a first snapshot, a same-state snapshot, or a write fenced out) to
 * `<prefix>events` with the row it concerns; `RedisEventLog` replays and follows it; two
 * workers on one Redis serve the same events and history, whichever drives the account.
 */
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { asAccountId, newPositionId, type PositionId } from '../../src/domain/ids.js';
import { SimExchange } from '../../src/exchange/sim/index.js';
import { RedisStore, type SnapshotWrite } from '../../src/persistence/redis-store.js';
import { RedisEventLog } from '../../src/service/events/redis-event-log.js';
import type { LoggedEvent } from '../../src/service/events/event-log.js';
import type { PositionDetail } from '../../src/service/guard-api.js';
import { memoryLog } from '../support/memory-log.js';
import { REDIS_URL, redisForThisFile } from '../support/redis.js';
import { AVL, eventually, readEvents, startTestService } from './support.js';

const db = redisForThisFile('events');
let n = 0;
const newId = (): PositionId => newPositionId(1_764_000_000_000 + n++, new Uint8Array(10).fill(n % 256));
const row = {
  account: 'ev-1',
  symbol: AVL,
  side: 'buy',
  amount: 43,
  size: 43,
  reason: undefined,
  protection: { kind: 'notRequested' },
};
const write = (id: PositionId, state: string, at: number): SnapshotWrite => ({
  positionId: id,
  state,
  final: state === 'closed',
  snapshot: { value: state },
  at,
  event: { type: `E${at}`, payload: null },
  row,
});

describe('the saveSnapshot script', () => {
  it('appends a change of state to the event stream with its row, and nothing for a first or same-state snapshot', async () => {
    const prefix = `${db.prefix}script:`;
    const store = new RedisStore(db.redis, prefix);
    const A = asAccountId('ev-1');
    const holder = `w1|${await store.acquireLease(A, 'w1', 60_000)}`;
    const id = newId();
    await store.saveSnapshot(A, holder, write(id, 'pending', 1));
    await store.saveSnapshot(A, holder, write(id, 'verifying', 2));
    await store.saveSnapshot(A, holder, write(id, 'verifying', 3));
    await store.saveSnapshot(A, holder, write(id, 'open', 4));
    const entries = await db.redis.xrange(`${prefix}events`, '-', '+');
    const fields = entries.map(([, f]) =>
      Object.fromEntries(f.flatMap((v, i) => (i % 2 === 0 ? [[v, f[i + 1]]] : []))),
    );
    expect(fields.map((f) => [f.positionId, f.from, f.to, f.at, f.event])).toEqual([
      [id, 'pending', 'verifying', '2', 'E2'],
      [id, 'verifying', 'open', '4', 'E4'],
    ]);
    expect(JSON.parse(fields[0]?.row ?? '{}')).toEqual({
      account: 'ev-1',
      symbol: AVL,
      side: 'buy',
      amount: 43,
      size: 43,
      protection: { kind: 'notRequested' },
    });
    // Each history entry is still written, transition or not.
    expect(await db.redis.xlen(`${prefix}pos:${id}:history`)).toBe(4);
  });

  it('writes nothing to the event stream for a worker that lost the lease', async () => {
    const prefix = `${db.prefix}fenced:`;
    const store = new RedisStore(db.redis, prefix);
    const A = asAccountId('ev-2');
    const stale = `w1|${await store.acquireLease(A, 'w1', 60_000)}`;
    const id = newId();
    await store.saveSnapshot(A, stale, write(id, 'pending', 1));
    await db.redis.del(store.keys.lease(A));
    const fresh = `w2|${await store.acquireLease(A, 'w2', 60_000)}`;
    await expect(store.saveSnapshot(A, stale, write(id, 'open', 2))).rejects.toThrow(/no longer holds the lease/);
    expect(await db.redis.xlen(`${prefix}events`)).toBe(0);
    await store.saveSnapshot(A, fresh, write(id, 'open', 3));
    expect(await db.redis.xlen(`${prefix}events`)).toBe(1);
  });
});

describe('the Redis event log', () => {
  it('replays after an id, follows new entries in order, and says when a resume asks for trimmed ones', async () => {
    const prefix = `${db.prefix}log:`;
    const log = new RedisEventLog(db.redis, prefix);
    const alert = (i: number) => ({ type: 'alert' as const, alert: { id: `a${i}`, kind: 'orphan' } as never });
    const seen: LoggedEvent[] = [];
    const stop = log.subscribe((e) => seen.push(e));
    await new Promise((resolve) => setTimeout(resolve, 100)); // the reader has pinned its position
    for (let i = 1; i <= 4; i++) log.append(alert(i));
    await eventually(() => seen.length === 4);
    expect(seen.map((e) => (e.event as { alert: { id: string } }).alert.id)).toEqual(['a1', 'a2', 'a3', 'a4']);
    const first = seen[0]?.id ?? '';
    const replay = await log.after(first, 10);
    expect(replay.events.map((e) => e.id)).toEqual(seen.slice(1).map((e) => e.id));
    expect(replay.gap).toBe(false);
    expect(await log.latestId()).toBe(seen[3]?.id);
    expect(log.newer(seen[1]?.id ?? '', first)).toBe(true);
    // Trim the two oldest: a resume from the first now has a gap.
    await db.redis.xtrim(`${prefix}events`, 'MAXLEN', 2);
    expect((await log.after(first, 10)).gap).toBe(true);
    expect((await log.after(seen[2]?.id ?? '', 10)).gap).toBe(false);
    stop();
    await log.close();
  });
});

describe("the event log's failures", () => {
  it("are logged by the service with their facts as fields: the event's type, the stream, and the error as `err`", async () => {
    const prefix = `${db.prefix}broken:`;
    // The stream's key holds a string: every append is refused (WRONGTYPE), as by a Redis that cannot take it.
    await db.redis.set(`${prefix}events`, 'not a stream');
    const mem = memoryLog();
    const t = await startTestService(
      { redis: REDIS_URL },
      { persistence: 'redis', redisPrefix: prefix, workerId: 'worker-broken', log: mem.log },
    );
    try {
      // Taking the account announces it (and its first sweep) on the event stream: those appends fail.
      const line = await mem.until((l) => l.component === 'event-log');
      expect(line).toMatchObject({
        level: 40,
        msg: 'an event could not be added to the event stream; pages following it miss it',
        eventType: expect.stringMatching(/^(account|sweep|orphans)$/),
        stream: `${prefix}events`,
      });
      expect((line.err as { message: string; stack: string }).message).toMatch(/WRONGTYPE/);
    } finally {
      await t.stop();
    }
  }, 20_000);
});

describe('two workers on one Redis', () => {
  it('serve the same events and the same history, whichever drives the account, and both are ready', async () => {
    const prefix = `${db.prefix}fleet:`;
    const sim = new SimExchange({ clock: systemClock, seed: 3 });
    const config = { redis: REDIS_URL, ownership: { leaseTtlMs: 3_000 } };
    const a = await startTestService(config, { sim, persistence: 'redis', redisPrefix: prefix, workerId: 'worker-a' });
    const b = await startTestService(config, { sim, persistence: 'redis', redisPrefix: prefix, workerId: 'worker-b' });
    try {
      const accountsOn = async (t: typeof a) => (await t.request('GET', '/v1/accounts')).json as { owned: boolean }[];
      expect((await accountsOn(a))[0]?.owned).toBe(true);
      expect((await accountsOn(b))[0]?.owned).toBe(false);
      let id = '';
      const onB = readEvents(`${b.url}/v1/events`, {
        done: (events) => events.some((e) => e.data.positionId === id && e.data.to === 'open'),
        ms: 10_000,
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const opened = await a.request('POST', '/v1/positions', {
        body: { account: 'paper', symbol: AVL, side: 'buy', amount: 43, stopLoss: 0.21 },
      });
      expect(opened.status).toBe(202);
      id = (opened.json as { id: string }).id;
      const events = await onB;
      const mine = events.filter((e) => e.data.positionId === id);
      expect(mine.map((e) => e.data.to).at(-1)).toBe('open');
      expect(mine.every((e) => /^\d+-\d+$/.test(e.id ?? ''))).toBe(true); // the stream entry id is the event id
      // The history comes from the position's Redis stream, with the events that caused each state.
      const detail = (await a.request('GET', `/v1/positions/${id}`)).json as PositionDetail;
      expect(detail.historySource).toBe('redis');
      expect(detail.history.map((h) => h.state)).toContain('open');
      expect(detail.history.every((h) => typeof h.event === 'string')).toBe(true);
      // The worker that does not drive the account is ready, and says who does.
      const ready = await b.request('GET', '/readyz');
      expect(ready.status).toBe(200);
      expect(ready.json).toMatchObject({
        ready: true,
        redis: 'up',
        accounts: [{ id: 'paper', driven: true, drivenHere: false }],
      });
      // An intent for an account another worker drives is handed to it, and answered once it journalled it.
      const elsewhere = await b.request('POST', '/v1/positions', {
        body: { account: 'paper', symbol: 'ETH/USDT:USDT', side: 'buy', amount: 0.01 },
      });
      expect(elsewhere.status).toBe(202);
      expect(elsewhere.json).toMatchObject({ state: 'pending' });
      const handed = (elsewhere.json as { id: string }).id;
      expect(a.service.guard.positions().then((rows) => rows.some((r) => r.id === handed))).resolves.toBe(true);
      // Metrics on Redis include the BullMQ queues.
      expect((await a.request('GET', '/metrics')).text).toMatch(
        /posguard_queue_jobs\{queue="posguard-sweeps-paper",state="waiting"\}/,
      );
    } finally {
      await b.stop();
      await a.stop();
      sim.close();
    }
  }, 20_000);
});
