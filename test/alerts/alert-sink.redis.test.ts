import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { RedisAlertStore } from '../../src/alerts/alert-store.js';
import { createAlertChannels } from '../../src/alerts/alerts-from-config.js';
import type { AlertChannel } from '../../src/alerts/channel.js';
import { AlertDeliveries } from '../../src/alerts/delivery-queue.js';
import { RedisAlertSink } from '../../src/alerts/redis-alert-sink.js';
import { WebhookChannel } from '../../src/alerts/webhook.channel.js';
import { parseConfig } from '../../src/config/config.js';
import { asAccountId } from '../../src/domain/ids.js';
import { REDIS_URL, connect, deletePrefix, testPrefix } from '../support/redis.js';
import {
  memoryLogger,
  positionIdOf,
  sleep,
  startHttpReceiver,
  startSmtpReceiver,
  waitFor,
  type HttpReceiver,
} from './support.js';

const prefix = testPrefix('alerts');
let redis: Redis;
let n = 0;
const cleanups: (() => Promise<void>)[] = [];
const main = asAccountId('main');
const T0 = 1_764_000_000_000;

beforeAll(() => {
  redis = connect();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => {
  await deletePrefix(redis, prefix);
  await redis.quit();
});

interface SinkSetup {
  readonly keys?: string;
  readonly channels?: readonly AlertChannel[];
  readonly now?: () => number;
  readonly cooldownMs?: number;
  readonly attempts?: number;
  readonly maxStored?: number;
  /** Its own Redis connection for the store (a second worker), instead of the file's. */
  readonly ownConnection?: boolean;
  readonly drainEveryMs?: number;
}

/** A sink on its own key prefix (or a shared one, for two workers), with its own BullMQ connection and worker. */
function makeSink(setup: SinkSetup = {}): {
  sink: RedisAlertSink;
  store: RedisAlertStore;
  keys: string;
  log: ReturnType<typeof memoryLogger>;
} {
  const keys = setup.keys ?? `${prefix}t${++n}:`;
  const log = memoryLogger();
  let storeRedis = redis;
  if (setup.ownConnection === true) {
    const own = connect();
    cleanups.push(async () => {
      await own.quit();
    });
    storeRedis = own;
  }
  const store = new RedisAlertStore(storeRedis, keys, setup.maxStored);
  const channels = setup.channels ?? [];
  const deliveries =
    channels.length === 0
      ? undefined
      : new AlertDeliveries({
          connection: REDIS_URL,
          prefix: `${keys}bull`,
          channels,
          log: log.log,
          attempts: setup.attempts ?? 3,
          backoffMs: 20,
        });
  const sink = new RedisAlertSink({
    store,
    cooldownMs: setup.cooldownMs ?? 60_000,
    log: log.log,
    now: setup.now ?? (() => T0),
    ...(setup.drainEveryMs === undefined ? {} : { drainEveryMs: setup.drainEveryMs }),
    ...(deliveries === undefined ? {} : { deliveries }),
  });
  cleanups.push(() => sink.stop());
  return { sink, store, keys, log };
}

async function receiver(respond?: Parameters<typeof startHttpReceiver>[0]): Promise<HttpReceiver> {
  const r = await startHttpReceiver(respond);
  cleanups.push(r.close);
  return r;
}

describe('the Redis alert sink', () => {
  it('stores every alert with its fields and lists them newest first', async () => {
    let t = T0;
    const { sink } = makeSink({ now: () => t });
    sink.raise({ kind: 'orphan', message: 'first' }, { account: main, symbol: 'AVL/USDT:USDT' });
    t += 1;
    sink.raise(
      { kind: 'closeUnverified', message: 'second' },
      { account: main, symbol: 'AVL/USDT:USDT', positionId: positionIdOf('pos-1') },
    );
    await sink.settled();
    const alerts = await sink.list();
    expect(alerts.map((a) => a.message)).toEqual(['second', 'first']);
    expect(alerts[0]).toEqual({
      id: expect.stringMatching(/^alert-/),
      kind: 'closeUnverified',
      key: 'closeUnverified:main:pos-1',
      account: 'main',
      symbol: 'AVL/USDT:USDT',
      positionId: 'pos-1',
      message: 'second',
      at: T0 + 1,
      count: 1,
    });
    expect(alerts[1]).toMatchObject({ key: 'orphan:main:AVL/USDT:USDT', positionId: undefined, at: T0 });
  });

  it("keeps distinct problems of one kind on one position apart (its key has the topic, as the memory sink's has)", async () => {
    const { sink } = makeSink();
    const subject = { account: main, symbol: 'AVL/USDT:USDT', positionId: positionIdOf('pos-2') };
    sink.raise({ kind: 'mismatch', topic: 'sizeMismatch', message: 'size differs' }, subject);
    sink.raise({ kind: 'mismatch', topic: 'sideMismatch', message: 'side differs' }, subject);
    await sink.settled();
    const alerts = await sink.list();
    expect(alerts.map((a) => [a.message, a.count])).toEqual([
      ['side differs', 1],
      ['size differs', 1],
    ]);
  });

  it('groups 3 raises of one key within the cooldown into one stored alert (count 3) and one delivery per channel; after the cooldown it sends again', async () => {
    let t = T0;
    const telegram = await receiver();
    const webhook = await receiver(() => ({ status: 200 }));
    const smtp = await startSmtpReceiver('alerts', 'pw');
    cleanups.push(smtp.close);
    const config = parseConfig({
      alerts: {
        telegram: { botToken: '1:T', chatId: '42', apiUrl: telegram.url },
        webhook: { url: `${webhook.url}/hook`, secret: 's' },
        email: {
          smtp: `smtp://alerts:pw@127.0.0.1:${smtp.port}`,
          from: 'posguard@example.org',
          to: ['ops@example.org'],
        },
      },
    });
    const { sink } = makeSink({ now: () => t, cooldownMs: 10_000, channels: createAlertChannels(config.alerts) });
    sink.start();
    const subject = { account: main, symbol: 'AVL/USDT:USDT' };
    for (let i = 0; i < 3; i++) {
      sink.raise({ kind: 'orphan', message: 'AVL/USDT:USDT long 43 is tracked by no position' }, subject);
      t += 3_000;
    }
    await sink.settled();
    const delivered = () => [telegram.requests.length, webhook.requests.length, smtp.mails.length];
    await waitFor(() => delivered().every((c) => c === 1), 4_000, 'one delivery per channel');
    await sleep(150);
    expect(delivered()).toEqual([1, 1, 1]);
    const stored = await sink.list();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ kind: 'orphan', count: 3, at: T0 });
    expect(JSON.parse(telegram.requests[0]?.body ?? '{}')).toMatchObject({ chat_id: '42' });

    t = T0 + 10_000; // the cooldown has passed since the first raise
    sink.raise({ kind: 'orphan', message: 'still there' }, subject);
    await sink.settled();
    await waitFor(() => delivered().every((c) => c === 2), 4_000, 'a second delivery per channel');
    const after = await sink.list();
    expect(after.map((a) => [a.message, a.count])).toEqual([
      ['still there', 1],
      ['AVL/USDT:USDT long 43 is tracked by no position', 3],
    ]);
  }, 15_000);

  it('lists a repeat raised but not yet stored counted into its stored alert, not as a second alert', async () => {
    let t = T0;
    let holding = false;
    let held = false;
    let open = (): void => {};
    const gate = new Promise<void>((r) => {
      open = r;
    });
    class HeldStore extends RedisAlertStore {
      override async record(...args: Parameters<RedisAlertStore['record']>): ReturnType<RedisAlertStore['record']> {
        if (holding) {
          held = true;
          await gate;
        }
        return super.record(...args);
      }
    }
    const log = memoryLogger();
    const sink = new RedisAlertSink({
      store: new HeldStore(redis, `${prefix}t${++n}:`),
      cooldownMs: 60_000,
      log: log.log,
      now: () => t,
    });
    cleanups.push(() => sink.stop());
    const subject = { account: main, symbol: 'AVL/USDT:USDT' };
    sink.raise({ kind: 'orphan', message: 'orphan' }, subject);
    await sink.settled();
    t += 1_000;
    holding = true;
    sink.raise({ kind: 'orphan', message: 'orphan' }, subject); // waits in the sink's queue
    await waitFor(() => held, 2_000, 'the second raise to be on its way to the store');
    expect((await sink.list()).map((a) => [a.key, a.count])).toEqual([['orphan:main:AVL/USDT:USDT', 2]]);
    open();
    await sink.settled();
    expect((await sink.list()).map((a) => [a.key, a.count])).toEqual([['orphan:main:AVL/USDT:USDT', 2]]);
  });

  it('delivers an alert a dead worker stored but never queued, from any live worker, while it runs (not only at its start)', async () => {
    const webhook = await receiver();
    const keys = `${prefix}t${++n}:`;
    const live = makeSink({
      keys,
      channels: [new WebhookChannel({ url: webhook.url })],
      ownConnection: true,
      drainEveryMs: 200,
    });
    live.sink.start();
    await live.sink.settled();
    // Another worker stored this alert and died before it queued its deliveries: it sits in the outbox.
    const dead = new RedisAlertStore(redis, keys);
    const alert = {
      kind: 'protectionLost' as const,
      message: 'AVL/USDT:USDT has no stop',
      id: 'alert-dead-1',
      key: 'protectionLost:main:p1',
      account: main,
      symbol: 'AVL/USDT:USDT',
      positionId: undefined,
      at: T0,
      count: 1,
    };
    expect((await dead.record(alert, 60_000)).isNew).toBe(true);
    expect(await dead.outbox()).toEqual(['alert-dead-1']);
    await waitFor(() => webhook.accepted().length === 1, 4_000, 'the orphaned alert delivered');
    expect(await dead.outbox()).toEqual([]);
  });

  it('retries a channel that fails twice (BullMQ attempts, exponential backoff) and delivers once', async () => {
    const webhook = await receiver((_, i) => ({ status: i <= 2 ? 500 : 200 }));
    const { sink, log } = makeSink({ channels: [new WebhookChannel({ url: webhook.url, secret: 's' })], attempts: 5 });
    sink.start();
    sink.raise({ kind: 'feedDown', message: 'private stream down for 30 s' }, { account: main });
    await waitFor(() => webhook.accepted().length === 1, 4_000, 'the delivery');
    await sleep(200);
    expect(webhook.requests).toHaveLength(3);
    expect(webhook.accepted()).toHaveLength(1);
    expect(new Set(webhook.requests.map((r) => r.headers['x-posguard-alert-id'])).size).toBe(1);
    const messages = log
      .lines()
      .filter((l) => l.component === 'alert-deliveries')
      .map((l) => l.msg);
    expect(messages).toEqual([
      'alert delivery failed; it will be retried with backoff',
      'alert delivery failed; it will be retried with backoff',
      'alert delivered',
    ]);
  });

  it('gives up after the last attempt and logs it as an error', async () => {
    const webhook = await receiver(() => ({ status: 500 }));
    const { sink, log } = makeSink({ channels: [new WebhookChannel({ url: webhook.url })], attempts: 2 });
    sink.start();
    sink.raise({ kind: 'feedDown', message: 'down' }, { account: main });
    await waitFor(() => log.lines().some((l) => l.level === 50), 4_000, 'the final failure');
    expect(webhook.requests).toHaveLength(2);
  });

  it('sends once when two workers raise the same alerts at the same time', async () => {
    const webhook = await receiver();
    const keys = `${prefix}t${++n}:`;
    const a = makeSink({ keys, channels: [new WebhookChannel({ url: webhook.url })], ownConnection: true });
    const b = makeSink({ keys, channels: [new WebhookChannel({ url: webhook.url })], ownConnection: true });
    a.sink.start();
    b.sink.start();
    const symbols = ['A/USDT:USDT', 'B/USDT:USDT', 'C/USDT:USDT', 'D/USDT:USDT', 'E/USDT:USDT'];
    for (const symbol of symbols) {
      a.sink.raise({ kind: 'orphan', message: `${symbol} from a` }, { account: main, symbol });
      b.sink.raise({ kind: 'orphan', message: `${symbol} from b` }, { account: main, symbol });
    }
    await Promise.all([a.sink.settled(), b.sink.settled()]);
    await waitFor(() => webhook.requests.length >= symbols.length, 4_000, 'the deliveries');
    await sleep(200);
    expect(webhook.requests).toHaveLength(symbols.length);
    const stored = await a.sink.list();
    expect(stored).toHaveLength(symbols.length);
    expect(stored.every((s) => s.count === 2)).toBe(true);
  });

  it('queues on start the deliveries of an alert stored by a worker that stopped before queuing them, once', async () => {
    const webhook = await receiver();
    const keys = `${prefix}t${++n}:`;
    const store = new RedisAlertStore(redis, keys);
    const { isNew } = await store.record(
      {
        id: 'alert-left-behind',
        kind: 'orphan',
        key: 'orphan:main:X',
        account: main,
        symbol: 'X',
        positionId: undefined,
        message: 'left behind',
        at: T0,
        count: 1,
      },
      60_000,
    );
    expect(isNew).toBe(true);
    const a = makeSink({ keys, channels: [new WebhookChannel({ url: webhook.url })] });
    const b = makeSink({ keys, channels: [new WebhookChannel({ url: webhook.url })] });
    a.sink.start();
    b.sink.start();
    await waitFor(() => webhook.requests.length === 1, 4_000, 'the delivery');
    await Promise.all([a.sink.settled(), b.sink.settled()]);
    await sleep(200);
    expect(webhook.requests).toHaveLength(1);
    expect(await store.outbox()).toEqual([]);
  });

  it('keeps the newest maxStored alerts and forgets the grouping of dropped ones', async () => {
    let t = T0;
    const { sink, store } = makeSink({ maxStored: 3, now: () => t });
    for (const symbol of ['A', 'B', 'C', 'D', 'E']) {
      sink.raise({ kind: 'orphan', message: symbol }, { account: main, symbol });
      t += 1;
    }
    await sink.settled();
    expect((await sink.list()).map((a) => a.message)).toEqual(['E', 'D', 'C']);
    expect(await redis.hkeys(store.keys.latest())).toEqual(
      expect.not.arrayContaining(['orphan:main:A', 'orphan:main:B']),
    );
    expect(await redis.hlen(store.keys.latest())).toBe(3);
    expect(await redis.keys(`${store.prefix}alert:*`)).toHaveLength(3);
  });
});
