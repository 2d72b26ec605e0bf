import { afterEach, describe, expect, it } from 'vitest';
import { EmailChannel } from '../../src/alerts/email.channel.js';
import { EmailSendFailed, TelegramSendFailed, WebhookSendFailed } from '../../src/alerts/errors.js';
import { LogChannel } from '../../src/alerts/log.channel.js';
import { TelegramChannel } from '../../src/alerts/telegram.channel.js';
import { WebhookChannel, type WebhookPayload } from '../../src/alerts/webhook.channel.js';
import { verifyWebhook } from '../../src/alerts/webhook-signature.js';
import { freePort, memoryLogger, sampleAlert, startHttpReceiver, startSmtpReceiver } from './support.js';

const BOT_TOKEN = '123456:SENTINEL-TOKEN';
const SMTP_PASSWORD = 'SENTINEL-PASS';
const WEBHOOK_SECRET = 'SENTINEL-WEBHOOK-SECRET';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('the Telegram channel', () => {
  it('POSTs sendMessage to {apiUrl}/bot{token} with the chat id, the alert text and no link preview', async () => {
    const receiver = await startHttpReceiver();
    cleanups.push(receiver.close);
    await new TelegramChannel({ botToken: BOT_TOKEN, chatId: '-100200300', apiUrl: receiver.url }).send(sampleAlert());
    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe(`/bot${BOT_TOKEN}/sendMessage`);
    expect(request?.headers['content-type']).toBe('application/json');
    const body = JSON.parse(request?.body ?? '{}') as Record<string, unknown>;
    expect(body).toMatchObject({ chat_id: '-100200300', disable_web_page_preview: true });
    expect(body.text).toContain('posguard alert: orphan');
    expect(body.text).toContain('account: main');
    expect(body.text).toContain('AVL/USDT:USDT long 43');
  });

  it('fails with TelegramSendFailed naming the Bot API description, without the token, on a 500 that echoes the URL', async () => {
    const receiver = await startHttpReceiver((req) => ({
      status: 500,
      body: JSON.stringify({ ok: false, error_code: 500, description: `Internal error at ${req.url}` }),
    }));
    cleanups.push(receiver.close);
    const error = await rejection(
      new TelegramChannel({ botToken: BOT_TOKEN, chatId: '1', apiUrl: receiver.url }).send(sampleAlert()),
    );
    expect(error).toBeInstanceOf(TelegramSendFailed);
    expect((error as TelegramSendFailed).code).toBe('TELEGRAM_SEND_FAILED');
    expect((error as TelegramSendFailed).status).toBe(500);
    expect(error.message).toContain('HTTP 500: Internal error at /bot[redacted]/sendMessage');
    expect(`${error.message}\n${error.stack ?? ''}`).not.toMatch(/SENTINEL/);
  });

  it('fails without the token when the API cannot be reached, or answers a 200 that is not ok', async () => {
    const port = await freePort();
    const unreachable = await rejection(
      new TelegramChannel({ botToken: BOT_TOKEN, chatId: '1', apiUrl: `http://127.0.0.1:${port}` }).send(sampleAlert()),
    );
    expect(unreachable).toBeInstanceOf(TelegramSendFailed);
    expect(unreachable.message).toContain('request failed');
    expect(unreachable.message).not.toMatch(/SENTINEL/);
    const receiver = await startHttpReceiver(() => ({ status: 200, body: '<html>captive portal</html>' }));
    cleanups.push(receiver.close);
    const notOk = await rejection(
      new TelegramChannel({ botToken: BOT_TOKEN, chatId: '1', apiUrl: receiver.url }).send(sampleAlert()),
    );
    expect(notOk.message).toContain('without "ok": true');
  });

  it('gives up after its timeout on a receiver that does not answer', async () => {
    const receiver = await startHttpReceiver(() => ({ status: 200, body: '{"ok":true}', delayMs: 2_000 }));
    cleanups.push(receiver.close);
    const error = await rejection(
      new TelegramChannel({ botToken: BOT_TOKEN, chatId: '1', apiUrl: receiver.url, timeoutMs: 50 }).send(
        sampleAlert(),
      ),
    );
    expect(error.message).toContain('no reply within 50 ms');
  });
});

describe('the webhook channel', () => {
  it('POSTs the alert as JSON with a timestamp and an HMAC signature that the receiver verifies', async () => {
    const receiver = await startHttpReceiver(() => ({ status: 204 }));
    cleanups.push(receiver.close);
    const now = Date.now();
    await new WebhookChannel({ url: `${receiver.url}/hooks/posguard`, secret: WEBHOOK_SECRET }, () => now).send(
      sampleAlert({ count: 2 }),
    );
    const [request] = receiver.requests;
    expect(request?.url).toBe('/hooks/posguard');
    const header = (name: string) => request?.headers[name] as string | undefined;
    expect(header('x-posguard-timestamp')).toBe(String(now));
    expect(header('x-posguard-alert-id')).toBe(sampleAlert().id);
    expect(
      verifyWebhook({
        secret: WEBHOOK_SECRET,
        timestamp: header('x-posguard-timestamp'),
        signature: header('x-posguard-signature'),
        body: request?.body ?? '',
        now: Date.now(),
      }),
    ).toBe(true);
    const payload = JSON.parse(request?.body ?? '{}') as WebhookPayload;
    expect(payload).toMatchObject({
      id: sampleAlert().id,
      kind: 'orphan',
      account: 'main',
      symbol: 'AVL/USDT:USDT',
      positionId: null,
      count: 2,
      at: 1_764_000_000_000,
      time: '2025-11-24T16:00:00.000Z',
    });
    expect(payload.text).toContain('raised 2 times');
    expect(request?.body).not.toMatch(/SENTINEL/);
  });

  it('sends no signature header when no secret is configured', async () => {
    const receiver = await startHttpReceiver();
    cleanups.push(receiver.close);
    await new WebhookChannel({ url: receiver.url }).send(sampleAlert());
    expect(receiver.requests[0]?.headers['x-posguard-signature']).toBeUndefined();
  });

  it('fails with WebhookSendFailed naming the host and status, not the token in the URL path', async () => {
    const receiver = await startHttpReceiver((req) => ({ status: 503, body: `no route ${req.url}` }));
    cleanups.push(receiver.close);
    const url = `${receiver.url}/hooks/SENTINEL-PATH-TOKEN`;
    const error = await rejection(new WebhookChannel({ url, secret: WEBHOOK_SECRET }).send(sampleAlert()));
    expect(error).toBeInstanceOf(WebhookSendFailed);
    expect((error as WebhookSendFailed).status).toBe(503);
    expect(error.message).toContain(`${new URL(receiver.url).host}: HTTP 503`);
    expect(error.message).not.toMatch(/SENTINEL/);
  });
});

describe('the email channel', () => {
  it('mails the alert text through SMTP with the credentials of the smtp:// URL', async () => {
    const smtp = await startSmtpReceiver('alerts', SMTP_PASSWORD);
    cleanups.push(smtp.close);
    const channel = new EmailChannel({
      smtp: `smtp://alerts:${SMTP_PASSWORD}@127.0.0.1:${smtp.port}`,
      from: 'posguard@example.org',
      to: ['ops@example.org', 'oncall@example.org'],
    });
    cleanups.push(() => channel.close());
    await channel.send(sampleAlert({ count: 3 }));
    expect(smtp.mails).toHaveLength(1);
    const [mail] = smtp.mails;
    expect(mail?.user).toBe('alerts');
    expect(mail?.from).toBe('posguard@example.org');
    expect(mail?.to).toEqual(['ops@example.org', 'oncall@example.org']);
    expect(mail?.text).toContain('Subject: [posguard] orphan: main AVL/USDT:USDT');
    expect(mail?.text).toContain('posguard alert: orphan');
    expect(mail?.text).toContain('time: 2025-11-24T16:00:00.000Z');
    expect(mail?.text).toContain('AVL/USDT:USDT long 43 on the exchange is tracked by no position');
    expect(mail?.text).toContain('raised 3 times');
  });

  it('decodes a percent-encoded password', async () => {
    const smtp = await startSmtpReceiver('alerts', 'p@ss:w/rd');
    cleanups.push(smtp.close);
    const channel = new EmailChannel({
      smtp: `smtp://alerts:${encodeURIComponent('p@ss:w/rd')}@127.0.0.1:${smtp.port}`,
      from: 'a@b.c',
      to: ['d@e.f'],
    });
    cleanups.push(() => channel.close());
    await channel.send(sampleAlert());
    expect(smtp.mails).toHaveLength(1);
  });

  it('fails with EmailSendFailed, without the password, when the server refuses the login', async () => {
    const smtp = await startSmtpReceiver('alerts', 'the-right-one');
    cleanups.push(smtp.close);
    const channel = new EmailChannel({
      smtp: `smtp://alerts:${SMTP_PASSWORD}@127.0.0.1:${smtp.port}`,
      from: 'a@b.c',
      to: ['d@e.f'],
    });
    cleanups.push(() => channel.close());
    const error = await rejection(channel.send(sampleAlert()));
    expect(error).toBeInstanceOf(EmailSendFailed);
    expect((error as EmailSendFailed).code).toBe('EMAIL_SEND_FAILED');
    expect(error.message).toMatch(/Invalid login|auth/i);
    expect(`${error.message}\n${error.stack ?? ''}`).not.toMatch(/SENTINEL/);
    expect(smtp.mails).toHaveLength(0);
  });
});

describe('the log channel', () => {
  it('writes a new alert at warn with its fields, and a grouped repeat at debug', async () => {
    const { log, lines } = memoryLogger();
    const channel = new LogChannel(log);
    await channel.send(sampleAlert());
    channel.write(sampleAlert({ count: 2 }), true);
    const [first, second] = lines();
    expect(first).toMatchObject({
      level: 40,
      component: 'alerts',
      alert: 'orphan',
      account: 'main',
      symbol: 'AVL/USDT:USDT',
      count: 1,
      at: '2025-11-24T16:00:00.000Z',
      msg: 'AVL/USDT:USDT long 43 on the exchange is tracked by no position',
    });
    expect(second).toMatchObject({ level: 20, count: 2 });
  });
});
