import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  configSecrets,
  defaultConfig,
  loadConfigFile,
  parseConfig,
  resolveConfigPath,
} from '../../src/config/config.js';
import { InvalidConfig } from '../../src/domain/errors.js';

const bybit = { id: 'main', exchange: 'bybit', apiKey: 'K', secret: 'S' };

/** The InvalidConfig thrown by `fn`, so tests can assert on its field and message. */
function invalid(fn: () => unknown): InvalidConfig {
  try {
    fn();
  } catch (e) {
    if (e instanceof InvalidConfig) return e;
    throw e;
  }
  throw new Error('expected InvalidConfig, nothing was thrown');
}

async function invalidAsync(promise: Promise<unknown>): Promise<InvalidConfig> {
  const e: unknown = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (e instanceof InvalidConfig) return e;
  throw new Error(`expected InvalidConfig, got ${String(e)}`);
}

describe('parseConfig defaults', () => {
  it('fills every default the README documents from an empty object', () => {
    const config = parseConfig({});
    expect(config).toEqual({
      redis: 'redis://127.0.0.1:6379/0',
      http: { host: '127.0.0.1', port: 7070 },
      accounts: [{ id: 'paper', exchange: 'sim', testnet: false }],
      verification: {
        timeoutMs: 30_000,
        unknownAlertAfterMs: 60_000,
        closeVerifyAttempts: 10,
        closeVerifyWindowMs: 10_000,
        restLagMs: 5_000,
        reportStaleMs: 2_000,
        feedDownPollMs: 1_000,
      },
      protection: { onFailure: 'rollback', triggerBy: 'mark', maxStops: 5 },
      closing: { maxOrders: 3 },
      supervision: { restarts: 5, periodMs: 60_000, guardRestarts: 3 },
      ownership: { leaseTtlMs: 15_000 },
      sweeps: {
        orphanEveryMs: 300_000,
        reconcileEveryMs: 600_000,
        orphanPolicy: 'alert',
        stuckAfterMs: 300_000,
        ignoreClientOrderIdPrefixes: [],
      },
      alerts: { cooldownMs: 600_000 },
    });
    expect(defaultConfig()).toEqual(config);
  });

  it('fills the defaults inside alert channels that are given', () => {
    const { alerts } = parseConfig({
      alerts: {
        telegram: { botToken: 't', chatId: -100123 },
        heartbeat: { url: 'https://example.org/dead-man' },
      },
    });
    expect(alerts.telegram).toEqual({ botToken: 't', chatId: '-100123', apiUrl: 'https://api.telegram.org' });
    expect(alerts.heartbeat).toEqual({ url: 'https://example.org/dead-man', everyMs: 60_000 });
  });

  it('keeps the given accounts instead of the simulated one, testnet false unless set', () => {
    const config = parseConfig({ accounts: [bybit, { id: 'paper', exchange: 'sim', testnet: true }] });
    expect(config.accounts.map((a) => [a.id, a.exchange, a.testnet])).toEqual([
      ['main', 'bybit', false],
      ['paper', 'sim', true],
    ]);
  });

  it('accepts the full example config the README shows', () => {
    const config = parseConfig({
      redis: 'redis://127.0.0.1:6379/0',
      http: { host: '127.0.0.1', port: 7070, token: 'change-me' },
      accounts: [
        {
          ...bybit,
          testnet: false,
          urls: {
            rest: 'http://127.0.0.1:9001',
            ws: 'ws://127.0.0.1:9001/v5/private',
            publicWs: 'ws://127.0.0.1:9001/v5/public/linear',
          },
        },
        { id: 'okx1', exchange: 'okx', apiKey: 'k', secret: 's', password: 'p' },
      ],
      protection: { onFailure: 'alert', triggerBy: 'last' },
      sweeps: { orphanPolicy: 'flatten', ignoreClientOrderIdPrefixes: ['manual-'] },
      alerts: {
        webhook: { url: 'https://example.org/hook', secret: 'w' },
        email: { smtp: 'smtp://user:pass@host:587', from: 'guard@example.org', to: ['ops@example.org'] },
      },
    });
    expect(config.accounts[0]?.urls?.ws).toBe('ws://127.0.0.1:9001/v5/private');
    expect(config.accounts[0]?.urls?.publicWs).toBe('ws://127.0.0.1:9001/v5/public/linear');
    expect(config.sweeps.orphanPolicy).toBe('flatten');
    expect(config.protection.triggerBy).toBe('last');
  });
});

describe('parseConfig rejects', () => {
  it.each([
    [
      'a top-level typo',
      { verifcation: {} },
      'verifcation',
      /unknown key 'verifcation' \(did you mean 'verification'\?\)/,
    ],
    ['a nested typo', { verification: { timeotMs: 1 } }, 'verification.timeotMs', /did you mean 'timeoutMs'/],
    ['a typo inside an account', { accounts: [{ ...bybit, apikey: 'x' }] }, 'accounts[0].apikey', /unknown key/],
    [
      'a typo inside an alert channel',
      { alerts: { webhook: { url: 'https://x.org', secrett: 's' } } },
      'alerts.webhook.secrett',
      /expected one of: url, secret/,
    ],
  ])('%s, naming its path', (_name, raw, field, message) => {
    const e = invalid(() => parseConfig(raw));
    expect(e.field).toBe(field);
    expect(e.message).toMatch(message);
  });

  it.each([
    [
      'a string for a number',
      { verification: { timeoutMs: '30s' } },
      'verification.timeoutMs',
      /expected a positive integer, got a string/,
    ],
    [
      'a negative number',
      { verification: { restLagMs: -5 } },
      'verification.restLagMs',
      /expected a positive integer, got -5/,
    ],
    ['zero', { ownership: { leaseTtlMs: 0 } }, 'ownership.leaseTtlMs', /positive integer/],
    ['a fraction', { sweeps: { stuckAfterMs: 1.5 } }, 'sweeps.stuckAfterMs', /positive integer/],
    ['a port above 65535', { http: { port: 70_000 } }, 'http.port', /at most 65535/],
    ['a number for a string', { http: { host: 7 } }, 'http.host', /expected a string, got a number/],
    ['a string for a boolean', { accounts: [{ ...bybit, testnet: 'yes' }] }, 'accounts[0].testnet', /true or false/],
    ['null for an object', { alerts: null }, 'alerts', /expected an object, got null/],
    [
      'an unknown policy',
      { sweeps: { orphanPolicy: 'adpot' } },
      'sweeps.orphanPolicy',
      /one of "alert", "adopt", "flatten", got "adpot"/,
    ],
    ['an unknown onFailure', { protection: { onFailure: 'ignore' } }, 'protection.onFailure', /"rollback", "alert"/],
    ['an unknown trigger price', { protection: { triggerBy: 'index' } }, 'protection.triggerBy', /"mark", "last"/],
    ['no stop budget', { protection: { maxStops: 0 } }, 'protection.maxStops', /positive integer/],
    ['a close budget of a fraction', { closing: { maxOrders: 2.5 } }, 'closing.maxOrders', /positive integer/],
    ['a misspelt restart budget', { supervision: { restart: 5 } }, 'supervision.restart', /unknown/i],
    [
      'an upper-case exchange id',
      { accounts: [{ ...bybit, exchange: 'Bybit' }] },
      'accounts[0].exchange',
      /ccxt exchange id/,
    ],
    [
      'an http URL for the private WebSocket',
      { accounts: [{ ...bybit, urls: { ws: 'http://127.0.0.1:9001' } }] },
      'accounts[0].urls.ws',
      /ws:\/\/ or wss:\/\//,
    ],
    [
      'a ws URL for REST',
      { accounts: [{ ...bybit, urls: { rest: 'ws://127.0.0.1:9001' } }] },
      'accounts[0].urls.rest',
      /http:\/\/ or https:\/\//,
    ],
    [
      'a public stream URL on a venue that reads its public streams at urls.ws',
      { accounts: [{ ...bybit, exchange: 'binanceusdm', urls: { publicWs: 'ws://127.0.0.1:9001/market/ws' } }] },
      'accounts[0].urls.publicWs',
      /only a 'bybit' account has a public stream URL of its own; 'binanceusdm' reads its public streams at urls.ws/,
    ],
    [
      'an http URL for the public WebSocket',
      { accounts: [{ ...bybit, urls: { publicWs: 'http://127.0.0.1:9001' } }] },
      'accounts[0].urls.publicWs',
      /ws:\/\/ or wss:\/\//,
    ],
    ['a redis URL that is not one', { redis: 'localhost:6379' }, 'redis', /redis:\/\/ or rediss:\/\//],
    ['an empty accounts list', { accounts: [] }, 'accounts', /at least one account/],
    ['a webhook without url', { alerts: { webhook: {} } }, 'alerts.webhook.url', /required/],
    ['an array as the config', [], '', /expected an object, got an array/],
  ])('%s', (_name, raw, field, message) => {
    const e = invalid(() => parseConfig(raw));
    expect(e.field).toBe(field);
    expect(e.message).toMatch(message);
  });

  it('a duplicate account id, naming it and the index that repeats it', () => {
    const e = invalid(() =>
      parseConfig({ accounts: [bybit, { id: 'paper', exchange: 'sim' }, { id: 'main', exchange: 'sim' }] }),
    );
    expect(e.field).toBe('accounts[2].id');
    expect(e.message).toMatch(/duplicate account id 'main' \(already used by accounts\[0\]\)/);
  });

  it.each([
    ['apiKey', { id: 'main', exchange: 'bybit', secret: 'S' }],
    ['secret', { id: 'main', exchange: 'bybit', apiKey: 'K' }],
  ])('a bybit account without %s', (field, account) => {
    const e = invalid(() => parseConfig({ accounts: [{ id: 'paper', exchange: 'sim' }, account] }));
    expect(e.field).toBe(`accounts[1].${field}`);
    expect(e.message).toMatch(/required for exchange 'bybit'/);
  });

  it('lists every problem in the message and names the first in the field', () => {
    const e = invalid(() => parseConfig({ http: { port: 0 }, verification: { timeoutMs: -1 } }));
    expect(e.field).toBe('http.port');
    expect(e.message).toMatch(/also verification\.timeoutMs: expected a positive integer/);
  });

  it('never echoes a string the user wrote, which may be a secret', () => {
    const e = invalid(() =>
      parseConfig({ alerts: { email: { smtp: 'http://u:SENTINEL-PW@h', from: 'a@b', to: ['c@d'] } } }),
    );
    expect(e.field).toBe('alerts.email.smtp');
    expect(e.message).not.toContain('SENTINEL-PW');
  });
});

describe('the parsed config', () => {
  it('is frozen all the way down: mutation throws in strict mode', () => {
    const config = parseConfig({ accounts: [bybit] });
    const mutable = config as unknown as {
      http: { port: number };
      accounts: { id: string }[];
      sweeps: { ignoreClientOrderIdPrefixes: string[] };
    };
    expect(() => {
      mutable.http.port = 1;
    }).toThrow(TypeError);
    expect(() => {
      (mutable.accounts[0] as { id: string }).id = 'x';
    }).toThrow(TypeError);
    expect(() => {
      mutable.accounts.push({ id: 'y' });
    }).toThrow(TypeError);
    expect(() => {
      mutable.sweeps.ignoreClientOrderIdPrefixes.push('z');
    }).toThrow(TypeError);
  });

  it('parses again to an equal config, so an already-parsed config may be given where raw input is expected', () => {
    const config = parseConfig({ accounts: [bybit], alerts: { telegram: { botToken: 'b', chatId: 5 } } });
    expect(parseConfig(config)).toEqual(config);
  });

  it('is a fresh object on every parse: defaults are not shared', () => {
    expect(defaultConfig().accounts).not.toBe(defaultConfig().accounts);
  });
});

describe('configSecrets', () => {
  it('finds api keys, the http token, webhook secret, telegram token and the passwords inside URLs', () => {
    const config = parseConfig({
      redis: 'redis://default:REDIS-PW@redis.internal:6379/0',
      http: { token: 'HTTP-TOKEN' },
      accounts: [{ id: 'okx', exchange: 'okx', apiKey: 'API-KEY', secret: 'API-SECRET', password: 'PASSPHRASE' }],
      alerts: {
        webhook: { url: 'https://example.org/hook', secret: 'HOOK-SECRET' },
        telegram: { botToken: '123456:ABC-SENTINEL', chatId: '@ops' },
        email: { smtp: 'smtp://user:SMTP%40PW@mail.example.org:587', from: 'a@example.org', to: ['b@example.org'] },
      },
    });
    const secrets = configSecrets(config);
    expect(new Set(secrets)).toEqual(
      new Set([
        'REDIS-PW',
        'HTTP-TOKEN',
        'API-KEY',
        'API-SECRET',
        'PASSPHRASE',
        'HOOK-SECRET',
        '123456:ABC-SENTINEL',
        'SMTP%40PW',
        'SMTP@PW',
      ]),
    );
    expect(secrets).not.toContain('user');
  });

  it('finds every named API token', () => {
    const secrets = configSecrets(
      parseConfig({ http: { tokens: [{ name: 'grafana', token: 'GRAFANA-TOKEN-0123456789', scopes: ['read'] }] } }),
    );
    expect(secrets).toContain('GRAFANA-TOKEN-0123456789');
  });

  it('is empty for the default config', () => {
    expect(configSecrets(defaultConfig())).toEqual([]);
  });
});

describe('http tokens', () => {
  const token = (name: string, value: string, scopes: string[] = ['read']) => ({ name, token: value, scopes });

  it('accepts named tokens with scopes', () => {
    const config = parseConfig({
      http: {
        token: 'admin-token',
        tokens: [token('grafana', 'g'.repeat(16)), token('bot', 'b'.repeat(20), ['read', 'trade'])],
      },
    });
    expect(config.http.tokens?.map((t) => [t.name, t.scopes])).toEqual([
      ['grafana', ['read']],
      ['bot', ['read', 'trade']],
    ]);
  });

  it.each([
    [
      'an unknown scope',
      [token('x', 'x'.repeat(16), ['write'])],
      'http.tokens[0].scopes[0]',
      /"read", "trade", "admin"/,
    ],
    ['a short token', [token('x', 'short')], 'http.tokens[0].token', /at least 16/],
    ['the name of http.token', [token('default', 'x'.repeat(16))], 'http.tokens[0].name', /name of http.token/],
    ['a duplicate name', [token('a', 'x'.repeat(16)), token('a', 'y'.repeat(16))], 'http.tokens[1].name', /duplicate/],
    ['a duplicate token', [token('a', 'x'.repeat(16)), token('b', 'x'.repeat(16))], 'http.tokens[1].token', /distinct/],
    ['no scopes', [token('a', 'x'.repeat(16), [])], 'http.tokens[0].scopes', /at least 1/],
  ])('refuses %s, naming the field', (_name, tokens, field, reason) => {
    const e = invalid(() => parseConfig({ http: { tokens } }));
    expect(e.field).toBe(field);
    expect(e.message).toMatch(reason);
    expect(e.message).not.toContain('x'.repeat(16));
  });

  it('refuses an allowed host with a scheme or a port', () => {
    expect(invalid(() => parseConfig({ http: { allowedHosts: ['http://posguard:7070'] } })).field).toBe(
      'http.allowedHosts[0]',
    );
  });
});

describe('loadConfigFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'posguard-config-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads and validates a file', async () => {
    const path = join(dir, 'ok.json');
    await writeFile(path, JSON.stringify({ http: { port: 8080 }, accounts: [{ id: 'paper', exchange: 'sim' }] }));
    expect((await loadConfigFile(path)).http.port).toBe(8080);
  });

  it.each([
    ['an empty object', {}],
    ['http settings only', { http: { port: 8080 } }],
  ])('refuses a file with no accounts (%s): only no config at all runs the simulator', async (_name, content) => {
    const path = join(dir, 'no-accounts.json');
    await writeFile(path, JSON.stringify(content));
    const e = await invalidAsync(loadConfigFile(path));
    expect(e.field).toBe('accounts');
    expect(e.message).toMatch(/no config at all/);
  });

  it('names the path of a missing file', async () => {
    const path = join(dir, 'missing.json');
    const e = await invalidAsync(loadConfigFile(path));
    expect(e.message).toContain(path);
    expect(e.message).toMatch(/no such file/);
  });

  it('names the path and the line and column of broken JSON', async () => {
    const path = join(dir, 'broken.json');
    await writeFile(path, '{\n  "http": { "port": 7070, }\n}\n');
    const e = await invalidAsync(loadConfigFile(path));
    expect(e.message).toContain(path);
    expect(e.message).toMatch(/not valid JSON: .*line 2 column \d+/);
  });

  it('says an empty file is empty', async () => {
    const path = join(dir, 'empty.json');
    await writeFile(path, '');
    await expect(loadConfigFile(path)).rejects.toThrow(/is empty/);
  });

  it('names the field and the file of a config that does not validate', async () => {
    const path = join(dir, 'typo.json');
    await writeFile(path, JSON.stringify({ verification: { timeotMs: 1 } }));
    const e = await invalidAsync(loadConfigFile(path));
    expect(e.field).toBe('verification.timeotMs');
    expect(e.message).toContain(`(in ${path})`);
  });
});

describe('resolveConfigPath', () => {
  it.each([
    ['--config wins over the environment', '/a.json', { POSGUARD_CONFIG: '/b.json' }, '/a.json'],
    ['POSGUARD_CONFIG when --config is absent', undefined, { POSGUARD_CONFIG: '/b.json' }, '/b.json'],
    ['undefined (defaults) with neither', undefined, {}, undefined],
    ['undefined for an empty POSGUARD_CONFIG', undefined, { POSGUARD_CONFIG: '' }, undefined],
  ])('%s', (_name, flag, env, expected) => {
    expect(resolveConfigPath(flag, env)).toBe(expected);
  });

  it('refuses an empty --config', () => {
    expect(() => resolveConfigPath('', {})).toThrow(InvalidConfig);
  });
});
