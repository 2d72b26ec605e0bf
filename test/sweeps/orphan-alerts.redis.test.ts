/**
 * End to end: a position opened by hand on the venue is found by the orphan sweep (BullMQ
 * job scheduler, real Redis) and reported through the webhook, a Telegram-shaped HTTP API
 * and SMTP — real local receivers.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhook } from '../../src/alerts/index.js';
import { systemClock } from '../../src/clock.js';
import { SimExchange } from '../../src/exchange/sim/index.js';
import { createGuard } from '../../src/guard/guard.js';
import {
  startHttpReceiver,
  startSmtpReceiver,
  waitFor,
  type HttpReceiver,
  type SmtpReceiver,
} from '../alerts/support.js';
import { REDIS_URL, connect, deletePrefix, testPrefix } from '../support/redis.js';

const prefix = testPrefix('orphan-alerts');
let redis: Redis;
let webhook: HttpReceiver;
let telegram: HttpReceiver;
let smtp: SmtpReceiver;

beforeAll(async () => {
  redis = connect();
  [webhook, telegram, smtp] = await Promise.all([
    startHttpReceiver(),
    startHttpReceiver(),
    startSmtpReceiver('alerts', 'smtp-pass'),
  ]);
});
afterAll(async () => {
  await Promise.all([webhook.close(), telegram.close(), smtp.close()]);
  await deletePrefix(redis, prefix);
  await redis.quit();
});

describe('orphan alerts through every channel', () => {
  it('reports a hand-opened position as orphan within one orphan interval, by webhook, Telegram and email', async () => {
    const sim = new SimExchange({ clock: systemClock, seed: 3 });
    sim.setPrice('AVL/USDT:USDT', 0.25);
    const guard = await createGuard(
      {
        redis: REDIS_URL,
        accounts: [{ id: 'main', exchange: 'sim' }],
        sweeps: {
          orphanEveryMs: 500,
          reconcileEveryMs: 60_000,
          orphanPolicy: 'alert',
          stuckAfterMs: 300_000,
          ignoreClientOrderIdPrefixes: [],
        },
        alerts: {
          webhook: { url: `${webhook.url}/hook`, secret: 'hook-secret' },
          telegram: { botToken: '123456:TEST-TOKEN', chatId: '-1001', apiUrl: telegram.url },
          email: {
            smtp: `smtp://alerts:smtp-pass@127.0.0.1:${smtp.port}`,
            from: 'posguard@example.org',
            to: ['trader@example.org'],
          },
          cooldownMs: 600_000,
        },
      },
      { sim, persistence: 'redis', redisPrefix: prefix },
    );
    try {
      const openedAt = Date.now();
      sim.openExternalPosition('main', 'AVL/USDT:USDT', 'buy', 40);
      await waitFor(
        () => webhook.requests.length > 0 && telegram.requests.length > 0 && smtp.mails.length > 0,
        8_000,
        'the three deliveries',
      );
      expect(Date.now() - openedAt).toBeLessThan(5_000);

      const hook = webhook.requests[0];
      const payload = JSON.parse(hook?.body ?? '{}') as { kind?: string; symbol?: string; message?: string };
      expect(payload).toMatchObject({ kind: 'orphan', symbol: 'AVL/USDT:USDT' });
      expect(
        verifyWebhook({
          secret: 'hook-secret',
          body: hook?.body ?? '',
          signature: String(hook?.headers[SIGNATURE_HEADER.toLowerCase()]),
          timestamp: String(hook?.headers[TIMESTAMP_HEADER.toLowerCase()]),
          now: Date.now(),
        }),
      ).toBe(true);

      expect(telegram.requests[0]?.url).toBe('/bot123456:TEST-TOKEN/sendMessage');
      expect(JSON.parse(telegram.requests[0]?.body ?? '{}')).toMatchObject({
        chat_id: '-1001',
        text: expect.stringContaining('40 long that no posguard position tracks'),
      });
      expect(smtp.mails[0]?.to).toEqual(['trader@example.org']);
      expect(smtp.mails[0]?.text).toContain('no posguard position tracks');

      const stored = await guard.alerts();
      expect(
        stored.filter((a) => a.kind === 'orphan'),
        JSON.stringify(stored),
      ).toHaveLength(1);
    } finally {
      await guard.stop();
      sim.close();
    }
  }, 20_000);
});
