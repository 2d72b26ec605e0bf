import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createRedisAlertSink } from '../../src/alerts/alerts-from-config.js';
import { configSecrets, parseConfig } from '../../src/config/config.js';
import { asAccountId, type PositionId } from '../../src/domain/ids.js';
import { REDIS_URL, connect, deletePrefix, testPrefix } from '../support/redis.js';
import {
  dumpPrefix,
  memoryLogger,
  startHttpReceiver,
  startSmtpReceiver,
  waitFor,
  type HttpReceiver,
  type SmtpReceiver,
} from './support.js';

const API_KEY = 'SENTINEL-API-KEY-123';
const API_SECRET = 'SENTINEL-API-SECRET-456';
const BOT_TOKEN = '123456:SENTINEL-TOKEN';
const SMTP_PASSWORD = 'SENTINEL-PASS';
const WEBHOOK_SECRET = 'SENTINEL-WEBHOOK-SECRET';
const SENTINEL = /SENTINEL/;

const prefix = testPrefix('alerts-secrets');
let redis: Redis;
let telegram: HttpReceiver;
let webhook: HttpReceiver;
let smtp: SmtpReceiver;

beforeAll(async () => {
  redis = connect();
  // Every receiver fails, and echoes what it got: the bot token in the URL path, the signed body.
  telegram = await startHttpReceiver((req) => ({
    status: 500,
    body: JSON.stringify({ ok: false, error_code: 500, description: `upstream failed for ${req.url}` }),
  }));
  webhook = await startHttpReceiver((req) => ({
    status: 502,
    body: `bad gateway: ${JSON.stringify(req.headers)} ${req.url}`,
  }));
  smtp = await startSmtpReceiver('alerts', 'not-the-configured-password');
});
afterAll(async () => {
  await Promise.all([telegram.close(), webhook.close(), smtp.close()]);
  await deletePrefix(redis, prefix);
  await redis.quit();
});

describe('secrets in alerts', () => {
  it('appear in no stored alert, no Redis record, no log line and no delivery error, even when every channel fails', async () => {
    const config = parseConfig({
      accounts: [{ id: 'main', exchange: 'bybit', apiKey: API_KEY, secret: API_SECRET }],
      alerts: {
        telegram: { botToken: BOT_TOKEN, chatId: '-100200300', apiUrl: telegram.url },
        email: {
          smtp: `smtp://alerts:${SMTP_PASSWORD}@127.0.0.1:${smtp.port}`,
          from: 'posguard@example.org',
          to: ['ops@example.org'],
        },
        webhook: { url: `${webhook.url}/hook`, secret: WEBHOOK_SECRET },
        cooldownMs: 60_000,
      },
    });
    // The logger has no secrets configured: the alerts code itself must not leak any.
    const { log, raw, lines } = memoryLogger();
    const sink = createRedisAlertSink(config.alerts, {
      redis,
      bullConnection: REDIS_URL,
      prefix,
      bullPrefix: `${prefix}bull`,
      log,
      secrets: configSecrets(config),
      attempts: 2,
      backoffMs: 10,
    });
    sink.start();
    sink.raise(
      { kind: 'unknownOrder', message: `bybit refused: invalid api key ${API_KEY} (sign with ${API_SECRET})` },
      { account: asAccountId('main'), symbol: 'AVL/USDT:USDT', positionId: 'pos-1' as PositionId },
    );
    const givenUp = () => lines().filter((l) => l.msg === 'alert delivery failed for good: no attempt left');
    await waitFor(() => givenUp().length === 3, 8_000, 'every channel to give up');
    await sink.stop();

    // The deliveries were tried and failed with reasons that say why.
    expect(telegram.requests).toHaveLength(2);
    expect(webhook.requests).toHaveLength(2);
    expect(
      givenUp()
        .map((l) => l.channel)
        .sort(),
    ).toEqual(['email', 'telegram', 'webhook']);
    const reasons = givenUp()
      .map((l) => String(l.reason))
      .join('\n');
    expect(reasons).toContain('HTTP 500: upstream failed for /bot[redacted]/sendMessage');
    expect(reasons).toContain('HTTP 502');
    expect(reasons).toMatch(/Invalid login/);
    expect(reasons).not.toMatch(SENTINEL);

    // The stored alert: its message redacted, as listed and as stored raw in Redis.
    const [alert] = await sink.list();
    expect(alert?.message).toBe('bybit refused: invalid api key [redacted] (sign with [redacted])');
    const dump = await dumpPrefix(redis, prefix);
    expect(dump).toContain('failedReason'); // BullMQ's failed jobs are in the dump
    expect(dump).toContain('[redacted]');
    expect(dump).not.toMatch(SENTINEL);
    expect(dump).not.toContain(encodeURIComponent(BOT_TOKEN));

    // The log lines.
    expect(raw()).toContain('unknownOrder');
    expect(raw()).not.toMatch(SENTINEL);
  }, 15_000);
});
