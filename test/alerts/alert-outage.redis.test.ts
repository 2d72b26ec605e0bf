import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisAlertStore } from '../../src/alerts/alert-store.js';
import { AlertDeliveries } from '../../src/alerts/delivery-queue.js';
import { AlertStoreUnavailable } from '../../src/alerts/errors.js';
import { RedisAlertSink } from '../../src/alerts/redis-alert-sink.js';
import { WebhookChannel } from '../../src/alerts/webhook.channel.js';
import { asAccountId } from '../../src/domain/ids.js';
import { testPrefix } from '../support/redis.js';
import { freePort, memoryLogger, startHttpReceiver, startPrivateRedis, waitFor } from './support.js';

// This file needs Redis to be down, so it runs its own redis-server on a free port and
// stops only that one (never the shared server).
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

function client(port: number, maxRetriesPerRequest: number | null): Redis {
  const redis = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest, retryStrategy: () => 50 });
  redis.on('error', () => {}); // refused connections while the server is down
  cleanups.push(async () => {
    redis.disconnect();
  });
  return redis;
}

describe('the Redis alert sink while Redis is out of reach', () => {
  it('does not throw into the caller, logs the failure, keeps the alerts in memory and stores and delivers them once Redis is back', async () => {
    const port = await freePort();
    const prefix = testPrefix('alerts-outage');
    const webhook = await startHttpReceiver();
    cleanups.push(webhook.close);
    const { log, lines } = memoryLogger();
    let t = 1_764_000_000_000;
    const deliveries = new AlertDeliveries({
      connection: client(port, null),
      prefix: `${prefix}bull`,
      channels: [new WebhookChannel({ url: webhook.url })],
      log,
      backoffMs: 20,
    });
    const sink = new RedisAlertSink({
      store: new RedisAlertStore(client(port, 1), prefix),
      deliveries,
      cooldownMs: 60_000,
      log,
      now: () => t,
      retryMs: 50,
      storeTimeoutMs: 300,
    });
    sink.start();
    const subject = { account: asAccountId('main'), symbol: 'AVL/USDT:USDT' };
    expect(() => sink.raise({ kind: 'protectionFailed', message: 'no stop on the exchange' }, subject)).not.toThrow();
    t += 1_000;
    expect(() => sink.raise({ kind: 'protectionFailed', message: 'no stop on the exchange' }, subject)).not.toThrow();
    await waitFor(
      () => lines().some((l) => l.msg === 'alert store unreachable: the alert is kept in memory and retried'),
      3_000,
      'the failure log',
    );
    expect(sink.pendingCount).toBeGreaterThanOrEqual(2);
    await expect(sink.list()).rejects.toBeInstanceOf(AlertStoreUnavailable);

    const server: ChildProcess = await startPrivateRedis(port);
    cleanups.push(async () => {
      server.kill('SIGKILL');
    });

    await waitFor(() => webhook.requests.length === 1, 8_000, 'the delivery after Redis came back');
    await waitFor(() => sink.pendingCount === 0, 2_000, 'the memory queue to empty');
    const stored = await sink.list();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ kind: 'protectionFailed', count: 2, at: 1_764_000_000_000 });
    expect(lines().some((l) => l.msg === 'alert store reachable again; storing the alerts kept in memory')).toBe(true);
    await sink.stop();
    expect(webhook.requests).toHaveLength(1);
  }, 20_000);
});
