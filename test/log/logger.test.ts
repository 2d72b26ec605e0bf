import { describe, expect, it } from 'vitest';
import { createLogger, isSecretKey, redactText } from '../../src/log/logger.js';
import type { Logger } from '../../src/log/logger.js';

const API_KEY = 'SENTINEL-API-KEY-123';
const BOT_TOKEN = '123456:ABC-SENTINEL';
const SMTP_PASSWORD = 'SMTP-SENTINEL-pw';
const QUOTED = 'q"uo\\te-SENTINEL';
const SECRETS = [API_KEY, BOT_TOKEN, SMTP_PASSWORD, QUOTED];

/** A logger writing JSON lines into memory. */
function memoryLogger(secrets: readonly string[] = SECRETS): {
  log: Logger;
  lines: () => Record<string, unknown>[];
  raw: () => string;
} {
  const chunks: string[] = [];
  const log = createLogger({
    level: 'debug',
    secrets,
    destination: {
      write: (s) => {
        chunks.push(s);
      },
    },
  });
  return {
    log,
    raw: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

function expectNoSentinel(raw: string): void {
  expect(raw).not.toMatch(/SENTINEL/);
  expect(raw).not.toContain('hunter2');
}

describe('createLogger redacts secrets', () => {
  it.each<[string, (log: Logger) => void]>([
    [
      'by key at the top level',
      (log) => log.info({ apiKey: 'hunter2', secret: 'hunter2', password: 'hunter2' }, 'keys'),
    ],
    [
      'by key, case-insensitive and nested in headers',
      (log) =>
        log.info(
          {
            request: {
              headers: { 'X-BAPI-API-KEY': 'hunter2', 'X-BAPI-SIGN': 'hunter2', Authorization: 'Bearer hunter2' },
            },
          },
          'req',
        ),
    ],
    [
      'by key: botToken, token, signature, passphrase',
      (log) =>
        log.info(
          {
            telegram: { botToken: 'hunter2' },
            token: 'hunter2',
            signature: 'hunter2',
            'OK-ACCESS-PASSPHRASE': 'hunter2',
          },
          'more keys',
        ),
    ],
    ['by key inside arrays', (log) => log.info({ accounts: [{ id: 'main', apiKey: 'hunter2' }] }, 'accounts')],
    ['the api key by value under an innocent key', (log) => log.info({ note: `key is ${API_KEY}` }, 'value')],
    [
      'the bot token inside a URL path',
      (log) => log.warn({ url: `https://api.telegram.org/bot${BOT_TOKEN}/sendMessage` }, 'telegram failed'),
    ],
    [
      'the SMTP password inside a connection string',
      (log) => log.info({ transport: `smtp://user:${SMTP_PASSWORD}@mail.example.org:587` }, 'smtp'),
    ],
    [
      'a secret inside an Error message and stack',
      (log) =>
        log.error({ err: new Error(`GET https://api.telegram.org/bot${BOT_TOKEN}/getMe failed`) }, 'alert failed'),
    ],
    ['a secret in an Error logged directly', (log) => log.error(new Error(`auth failed for ${API_KEY}`))],
    [
      'a secret in the cause of an Error under `error`',
      (log) => log.error({ error: new Error('outer', { cause: new Error(`inner ${SMTP_PASSWORD}`) }) }, 'nested error'),
    ],
    ['a secret deep in a nested object', (log) => log.info({ a: { b: { c: [{ d: `x${API_KEY}y` }] } } }, 'deep')],
    ['a secret in the message string', (log) => log.info(`connecting with ${API_KEY} to smtp://u:${SMTP_PASSWORD}@h`)],
    ['a secret in a printf-style argument', (log) => log.info('token %s', BOT_TOKEN)],
    ['a secret used as an object key', (log) => log.info({ byKey: { [API_KEY]: 1 } }, 'map')],
    [
      'a secret with a quote and a backslash, which JSON escapes',
      (log) => log.info({ s: `pw=${QUOTED}` }, `msg ${QUOTED}`),
    ],
    [
      'secrets in child bindings',
      (log) =>
        log.child({ component: 'alerts', apiKey: 'hunter2', url: `https://x/bot${BOT_TOKEN}` }).info('from child'),
    ],
  ])('%s', (_name, write) => {
    const { log, raw, lines } = memoryLogger();
    write(log);
    expect(lines()).toHaveLength(1);
    expectNoSentinel(raw());
    expect(raw()).toContain('[redacted]');
  });

  it('keeps the rest of a redacted string, so the line stays useful', () => {
    const { log, lines } = memoryLogger();
    log.warn({ url: `https://api.telegram.org/bot${BOT_TOKEN}/sendMessage` }, `sent with ${API_KEY}`);
    expect(lines()[0]).toMatchObject({
      url: 'https://api.telegram.org/bot[redacted]/sendMessage',
      msg: 'sent with [redacted]',
    });
  });

  it('passes non-secret fields through unchanged', () => {
    const { log, lines, raw } = memoryLogger();
    const fields = {
      component: 'feed',
      account: 'main',
      positionId: '01JC0000000000000000000000',
      amount: 43,
      stopLoss: 0.21,
      tokenCount: 3,
      keyspace: 'posguard:main',
      design: 'ok',
      flags: [true, false, null],
      nested: { side: 'buy' },
    };
    log.info(fields, 'filled');
    expect(lines()[0]).toMatchObject({ ...fields, msg: 'filled', level: 30 });
    expect(raw()).not.toContain('[redacted]');
  });

  it('keeps redacting in children of children, with their bindings', () => {
    const { log, lines, raw } = memoryLogger();
    const child = log.child({ component: 'position', account: 'main' }).child({ positionId: 'P1' });
    child.info({ secret: 'hunter2', detail: `with ${API_KEY}` }, 'opened');
    expectNoSentinel(raw());
    expect(lines()[0]).toMatchObject({
      component: 'position',
      account: 'main',
      positionId: 'P1',
      secret: '[redacted]',
    });
  });

  it('redacts by key even with no secret values configured', () => {
    const { log, raw } = memoryLogger([]);
    log.info({ headers: { authorization: 'Bearer hunter2' } }, 'no values');
    expectNoSentinel(raw());
  });

  it('writes nothing below its level', () => {
    const chunks: string[] = [];
    const log = createLogger({
      level: 'warn',
      destination: {
        write: (s) => {
          chunks.push(s);
        },
      },
    });
    log.info('hidden');
    log.warn('shown');
    expect(chunks).toHaveLength(1);
  });
});

describe('redactText', () => {
  it.each([
    [
      'a token in a URL path',
      `https://api.telegram.org/bot${BOT_TOKEN}/sendMessage`,
      'https://api.telegram.org/bot[redacted]/sendMessage',
    ],
    ['every occurrence', `${API_KEY} and ${API_KEY}`, '[redacted] and [redacted]'],
    ['regex metacharacters literally', 'a.b*c(d) aXbYc', '[redacted] aXbYc'],
    ['nothing when no secret appears', 'plain text', 'plain text'],
  ])('replaces %s', (_name, text, expected) => {
    expect(redactText(text, [...SECRETS, 'a.b*c(d)'])).toBe(expected);
  });

  it('replaces the longest secret whole when one contains another', () => {
    expect(redactText('abcdef', ['abc', 'abcdef'])).toBe('[redacted]');
  });

  it('ignores empty secrets', () => {
    expect(redactText('text', ['', 'x'])).toBe('te[redacted]t');
  });
});

describe('isSecretKey', () => {
  it.each([
    'apiKey',
    'APIKEY',
    'api_key',
    'secret',
    'clientSecret',
    'token',
    'botToken',
    'password',
    'Authorization',
    'X-BAPI-API-KEY',
    'X-MBX-APIKEY',
    'X-BAPI-SIGN',
    'sign',
    'signature',
    'OK-ACCESS-PASSPHRASE',
    'pass',
    'privateKey',
  ])('treats %s as secret', (key) => {
    expect(isSecretKey(key)).toBe(true);
  });

  it.each(['id', 'key', 'tokenCount', 'design', 'symbol', 'side', 'positionId', 'keyspace', 'signal'])(
    'leaves %s alone',
    (key) => {
      expect(isSecretKey(key)).toBe(false);
    },
  );
});
