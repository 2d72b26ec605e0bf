/**
 * How the one ccxt instance of an account is built: the options that skip unneeded
 * endpoints, testnet, `urls` overrides winning over testnet, and ccxt's rate limiter on
 * against real venues and off against the local simulator. No network.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig, type AccountConfig } from '../../../src/config/config.js';
import { buildExchange, isLocal } from '../../../src/exchange/ccxt/exchange-factory.js';
import { UnsupportedCcxtAccount, createCcxtPort } from '../../../src/exchange/ccxt/index.js';

const account = (a: Record<string, unknown>): AccountConfig => {
  const parsed = parseConfig({ accounts: [{ id: 'main', apiKey: 'k-123456', secret: 's-123456', ...a }] }).accounts[0];
  if (parsed === undefined) throw new Error('no account');
  return parsed;
};

describe('buildExchange', () => {
  it('keeps ccxt from calling endpoints posguard does not need on Bybit', () => {
    const { exchange, dispose } = buildExchange(account({ exchange: 'bybit' }));
    expect(exchange.has.fetchCurrencies).toBe(false);
    expect(exchange.options.fetchMarkets).toMatchObject({ types: ['linear'] });
    expect(exchange.options).toMatchObject({
      enableUnifiedAccount: true,
      enableUnifiedMargin: false,
      watchPositions: { fetchPositionsSnapshot: false },
    });
    dispose();
  });

  it('turns the rate limiter on against a real venue and off against the local simulator', () => {
    const real = buildExchange(account({ exchange: 'binanceusdm' }));
    expect(real.exchange.enableRateLimit).toBe(true);
    const local = buildExchange(
      account({ exchange: 'binanceusdm', urls: { rest: 'http://127.0.0.1:9001', ws: 'ws://127.0.0.1:9001/ws' } }),
    );
    expect(local.exchange.enableRateLimit).toBe(false);
    expect(
      buildExchange(account({ exchange: 'bybit', urls: { rest: 'http://localhost:9001' } }), { rateLimit: true })
        .exchange.enableRateLimit,
    ).toBe(true);
    expect(isLocal({ rest: 'https://api.bybit.com' })).toBe(false);
    real.dispose();
    local.dispose();
  });

  it('selects the testnet, and lets urls win over it', () => {
    const testnet = buildExchange(account({ exchange: 'bybit', testnet: true }));
    expect(String(testnet.exchange.urls.api.private)).toContain('api-testnet');
    const overridden = buildExchange(
      account({
        exchange: 'bybit',
        testnet: true,
        urls: { rest: 'http://127.0.0.1:9001', ws: 'ws://127.0.0.1:9001/v5/private' },
      }),
    );
    expect(overridden.exchange.urls.api.private).toBe('http://127.0.0.1:9001');
    expect((overridden.exchange.urls.api.ws as { private: { contract: string } }).private.contract).toBe(
      'ws://127.0.0.1:9001/v5/private',
    );
    const binance = buildExchange(
      account({ exchange: 'binanceusdm', urls: { rest: 'http://127.0.0.1:9001/', ws: 'ws://127.0.0.1:9001/ws' } }),
    );
    expect(binance.exchange.urls.api).toMatchObject({
      fapiPrivate: 'http://127.0.0.1:9001/fapi/v1',
      fapiPrivateV3: 'http://127.0.0.1:9001/fapi/v3',
    });
    for (const b of [testnet, overridden, binance]) b.dispose();
  });

  it('moves every URL of any other venue to the configured host', () => {
    const okx = buildExchange(
      account({
        exchange: 'okx',
        password: 'pass-1234',
        urls: { rest: 'http://127.0.0.1:9100', ws: 'ws://127.0.0.1:9100' },
      }),
    );
    const rest = JSON.stringify(okx.exchange.urls.api);
    expect(rest).not.toMatch(/https:\/\/(?!127)/);
    expect(rest).toContain('http://127.0.0.1:9100');
    okx.dispose();
  });

  it('refuses an id ccxt does not know, and redacts the credentials', () => {
    expect(() => buildExchange(account({ exchange: 'nosuchvenue' }))).toThrow(UnsupportedCcxtAccount);
    const built = buildExchange(account({ exchange: 'bybit' }));
    expect(built.redact('key k-123456 secret s-123456')).toBe('key *** secret ***');
    built.dispose();
  });
});

// Found by the wire variant of the simulation: every Binance account pointed at its own
// simulator drew from one 'api.binance.com' request-weight budget (the first `urls.api` entry,
// which a `urls.rest` override leaves alone), so accounts of separate venues starved each other.
describe('the host whose IP limits an account draws from', () => {
  it("is the host of the venue's private REST API, the one the overrides point to", async () => {
    const host = async (a: Record<string, unknown>) => {
      const port = await createCcxtPort(account(a), { loadMarkets: false });
      await port.close();
      return port.host;
    };
    expect(await host({ exchange: 'binanceusdm' })).toBe('fapi.binance.com');
    expect(await host({ exchange: 'binanceusdm', urls: { rest: 'http://127.0.0.1:9001' } })).toBe('127.0.0.1:9001');
    expect(await host({ exchange: 'binanceusdm', urls: { rest: 'http://127.0.0.1:9002' } })).toBe('127.0.0.1:9002');
    expect(await host({ exchange: 'bybit', urls: { rest: 'http://127.0.0.1:9003' } })).toBe('127.0.0.1:9003');
  });
});
