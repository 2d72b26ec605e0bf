/**
 * The fleet on worker OS processes (see docs/architecture.md, The fleet): two workers on the
 * wire simulator (Bybit's wire format, real ccxt) sharing only Redis. An intent and a close sent
 * to the worker that does not own the account are carried out by the owner, each order once;
 * a halt persists across a restart and is honoured whichever worker an intent reaches; a
 * hand-over the owner does not take by its deadline is withdrawn and answered "unknown", and
 * the owner never sends it afterwards; SIGTERM hands the account to the standby in well under
 * the lease TTL. Every check reads the venue (its request record and positions), not posguard.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { RedisStore } from '../../src/persistence/redis-store.js';
import { connect, deletePrefix, REDIS_URL, testPrefix } from '../support/redis.js';
import { killAllWorkers, spawnWorker, WorkerRefusal, type WorkerProcess } from '../support/worker-driver.js';
import {
  AVL,
  leaseHeld,
  leaseOf,
  sentOrders,
  sentTwice,
  wireVenueFixture,
  type WireVenueFixture,
} from '../support/worker-fixtures.js';
import type { WorkerSettings } from '../support/worker-protocol.js';

const prefix = testPrefix('fleet');
let fx: WireVenueFixture;
let redis: Redis;

beforeAll(async () => {
  fx = await wireVenueFixture(4);
  redis = connect();
});
afterAll(async () => {
  await killAllWorkers();
  await fx?.close();
  await deletePrefix(redis, prefix);
  await redis.quit();
});

interface Fleet {
  readonly account: string;
  readonly owner: WorkerProcess;
  readonly standby: WorkerProcess;
  settings(workerId: string): WorkerSettings;
}

/** Two workers on one fresh account: `owner` holds its lease when this resolves, `standby` runs beside it. */
async function twoWorkers(leaseTtlMs: number, handoverDeadlineMs?: number): Promise<Fleet> {
  const account = fx.nextAccount();
  const settings = (workerId: string): WorkerSettings => ({
    ...fx.settings({
      accounts: [{ account, exchange: 'bybit' }],
      redisPrefix: prefix,
      workerId,
      redisUrl: REDIS_URL,
      leaseTtlMs,
    }),
    ...(handoverDeadlineMs === undefined ? {} : { handoverDeadlineMs }),
  });
  const owner = spawnWorker(settings(`${account}-owner`));
  await owner.ready(60_000);
  await leaseHeld(redis, prefix, account, owner.name, leaseTtlMs);
  const standby = spawnWorker(settings(`${account}-standby`));
  await standby.ready(60_000);
  return { account, owner, standby, settings };
}

const intent = (account: string, extra: Record<string, unknown> = {}) => ({
  account,
  symbol: AVL,
  side: 'buy',
  amount: 43,
  stopLoss: 0.21,
  ...extra,
});

async function refusal(p: Promise<unknown>): Promise<WorkerRefusal> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(WorkerRefusal);
  return e as WorkerRefusal;
}

describe('a fleet of two workers', () => {
  it('an intent and a close sent to the worker that does not own the account are carried out by the owner, each order once', async () => {
    const { account, owner, standby } = await twoWorkers(10_000);
    const opened = await standby.request({ cmd: 'open', intent: intent(account) }, 'opened', 20_000);
    expect(opened.state).toBe('pending');
    // The owner drives it (the standby has no actor for it) and it ends open on the venue.
    expect((await owner.reaches(opened.id, ['open', 'closed', 'failed', 'orphanAlert'], 20_000)).state).toBe('open');
    expect(standby.transitions(opened.id)).toEqual([]);
    expect(fx.venue.position(account, AVL).size).toBe(43);
    expect(sentOrders(fx.venue, account).map((o) => o.role)).toEqual(['entry', 'stop']);

    const closed = await standby.request({ cmd: 'close', id: opened.id }, 'closeAsked', 20_000);
    expect(closed.result).toBe('requested');
    expect((await owner.reaches(opened.id, ['closed', 'orphanAlert'], 20_000)).state).toBe('closed');
    expect(fx.venue.position(account, AVL).size).toBe(0);
    // Asked again through the standby once the owner wrote the end: what is happening, nothing sent.
    await owner.request({ cmd: 'flush' }, 'flushed');
    const again = await standby.request({ cmd: 'close', id: opened.id }, 'closeAsked', 20_000);
    expect(again.result).toBe('alreadyFinal');
    const orders = sentOrders(fx.venue, account);
    expect(orders.filter((o) => o.role.startsWith('close'))).toHaveLength(1);
    expect(sentTwice(orders)).toEqual([]);
  }, 90_000);

  it('a halt is persisted: it survives a restart of every worker, refuses intents on any worker, and resume lifts it', async () => {
    const { account, owner, standby, settings } = await twoWorkers(10_000);
    await standby.request({ cmd: 'halt', account, reason: 'incident 7' }, 'halted');
    expect((await refusal(owner.request({ cmd: 'open', intent: intent(account) }, 'opened'))).code).toBe('HALTED');
    expect((await refusal(standby.request({ cmd: 'open', intent: intent(account) }, 'opened'))).code).toBe('HALTED');
    // Every worker stops; a new one starts on the same Redis: still halted.
    await standby.stop();
    await owner.stop();
    const next = spawnWorker(settings(`${account}-next`));
    await next.ready(60_000);
    const refused = await refusal(next.request({ cmd: 'open', intent: intent(account) }, 'opened'));
    expect(refused.code).toBe('HALTED');
    expect(refused.message).toContain('incident 7');
    expect(sentOrders(fx.venue, account)).toEqual([]);
    await next.request({ cmd: 'resume', account }, 'resumed');
    const opened = await next.request({ cmd: 'open', intent: intent(account) }, 'opened', 20_000);
    expect((await next.reaches(opened.id, ['open', 'closed', 'failed', 'orphanAlert'], 20_000)).state).toBe('open');
    await next.stop();
  }, 120_000);

  it('a hand-over the owner does not take by its deadline is answered "unknown", withdrawn, and never sent afterwards', async () => {
    const { account, owner, standby } = await twoWorkers(30_000, 1_500);
    owner.signal('SIGSTOP'); // the owner holds the lease but answers nothing
    let refused: WorkerRefusal;
    try {
      refused = await refusal(standby.request({ cmd: 'open', intent: intent(account) }, 'opened', 20_000));
    } finally {
      owner.signal('SIGCONT');
    }
    expect(refused.code).toBe('HANDOVER_UNANSWERED');
    const id = /position (\S+) /.exec(refused.message)?.[1] ?? '';
    expect(refused.message).toContain(`poll GET /v1/positions/${id}`);
    // The owner wakes up and finds the hand-over withdrawn: nothing is journalled, nothing sent.
    const store = new RedisStore(redis, prefix);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await redis.hget(store.keys.handover(id), 'status')).toBe('expired');
    expect(await redis.exists(store.keys.position(id))).toBe(0);
    expect(sentOrders(fx.venue, account)).toEqual([]);
    expect((await leaseOf(redis, prefix, account)).holder).toMatch(new RegExp(`^${owner.name}#`));
  }, 90_000);

  it('SIGTERM releases the lease: with a 60 s lease TTL, the standby owns the account within 30 s (at once, not at its next retry)', async () => {
    const account = fx.nextAccount();
    const settings = (workerId: string) =>
      fx.settings({
        accounts: [{ account, exchange: 'bybit' }],
        redisPrefix: prefix,
        workerId,
        redisUrl: REDIS_URL,
        leaseTtlMs: 60_000,
      });
    const owner = spawnWorker(settings(`${account}-owner`));
    await owner.ready(60_000);
    const opened = await owner.request({ cmd: 'open', intent: intent(account) }, 'opened', 20_000);
    expect((await owner.reaches(opened.id, ['open', 'closed', 'failed', 'orphanAlert'], 20_000)).state).toBe('open');
    await owner.request({ cmd: 'flush' }, 'flushed');
    // The standby tried the lease as it started; its next try is half the TTL (30 s) later.
    const standby = spawnWorker(settings(`${account}-standby`));
    await standby.ready(60_000);
    const sentBefore = sentOrders(fx.venue, account).length;
    const termAt = Date.now();
    owner.signal('SIGTERM');
    expect((await owner.exited).code).toBe(0);
    await standby.waitFor(
      (l) => l.type === 'lease' && l.account === account && l.held,
      30_000,
      'the standby takes the account',
    );
    // Well inside the bound of 30 s: taken when the release was announced, not at the standby's next retry.
    expect(Date.now() - termAt).toBeLessThan(15_000);
    await leaseHeld(redis, prefix, account, standby.name, 60_000);
    // The standby restored the position where it was and sent nothing again.
    expect((await standby.reaches(opened.id, ['open'], 10_000)).state).toBe('open');
    expect(sentOrders(fx.venue, account)).toHaveLength(sentBefore);
    expect(sentTwice(sentOrders(fx.venue, account))).toEqual([]);
  }, 120_000);
});
