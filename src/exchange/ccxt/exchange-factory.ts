/**
 * Builds the one ccxt instance of an account (ccxt.pro's class where the venue has streams):
 * credentials, the venue profile's options, testnet, `urls` overrides (which win over
 * testnet), ccxt's rate limiter (on against real venues, off when every URL points at this
 * machine), an HTTP agent for plain `ws://` URLs, and two hooks — the reply hook, which reads
 * the venue's own error codes on any host (`VenueRefusal`, `VenueServerError`), IP-level limits
 * answered by HTTP status alone (429, 418, 403), and the rate-limit headers of every reply — and a fetch
 * hook that records whether a call's HTTP request has left (a call that never left is
 * definitively not sent). Touches nothing until the port calls it.
 *
 * @example
 * const built = buildExchange(account, { rateLimit: false });
 * await built.sent.run({ sent: false }, () => built.exchange.loadMarkets());
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Agent } from 'node:http';
import ccxt, { type Exchange } from 'ccxt';
import type { AccountConfig } from '../../config/config.js';
import { binanceProfile } from './binance-profile.js';
import { bybitProfile } from './bybit-profile.js';
import { UnsupportedCcxtAccount, VenueRefusal, VenueServerError } from './errors.js';
import { genericProfile } from './generic-profile.js';
import { didYouMean, suggestName } from '../../domain/suggest.js';
import { ipLimitRefusal, readRateLimits, type RateLimitSnapshot } from './rate-limit-state.js';
import type { VenueProfile } from './venue-profile.js';

/** Whether the current call's HTTP request has left. */
export interface SentFlag {
  sent: boolean;
}

export interface ExchangeOptions {
  /** ccxt's rate limiter; default on, off when every configured URL is on this machine. */
  readonly rateLimit?: boolean;
  /** ccxt's per-request timeout in ms (default 10 000). */
  readonly timeoutMs?: number;
  /** Receive times of rate-limit states (default: the system time). */
  readonly now?: () => number;
}

export interface BuiltExchange {
  readonly exchange: Exchange;
  readonly profile: VenueProfile;
  /** Run each call inside `sent.run({ sent: false }, …)` to learn whether it left. */
  readonly sent: AsyncLocalStorage<SentFlag>;
  /** True when no stream is available (the venue has no ccxt.pro class). */
  readonly restOnly: boolean;
  /**
   * Whether the public ticker stream is read (the entry fast path's price): not for a rest-only
   * venue, nor for a Bybit account whose private stream was pointed elsewhere (`urls.ws`) without
   * its public one (`urls.publicWs`): its ticks would come from another venue than its orders.
   */
  readonly publicStream: boolean;
  /** Removes the account's credentials from a message. */
  redact(text: string): string;
  /** The rate-limit state of the last reply that carried one. */
  rateLimits(): RateLimitSnapshot | undefined;
  /** Releases the HTTP agent. */
  dispose(): void;
}

type ExchangeClass = new (config: Record<string, unknown>) => Exchange;

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** True when every configured URL points at this machine (the wire simulator). */
export function isLocal(urls: AccountConfig['urls']): boolean {
  const list = [urls?.rest, urls?.ws, urls?.publicWs].filter((u): u is string => u !== undefined);
  return list.length > 0 && list.every((u) => LOCAL_HOSTS.has(new URL(u).hostname));
}

/** The venue profile of a ccxt id. */
export function profileFor(id: string): VenueProfile {
  return id === 'bybit' ? bybitProfile : id === 'binanceusdm' ? binanceProfile : genericProfile;
}

function classOf(account: AccountConfig): { Klass: ExchangeClass; restOnly: boolean } {
  const pro = (ccxt.pro as unknown as Record<string, ExchangeClass | undefined>)[account.exchange];
  if (pro !== undefined) return { Klass: pro, restOnly: false };
  const rest = (ccxt as unknown as Record<string, ExchangeClass | undefined>)[account.exchange];
  if (rest === undefined || !(ccxt.exchanges as string[]).includes(account.exchange)) {
    throw new UnsupportedCcxtAccount(
      account.id,
      `'${account.exchange}' is not a ccxt exchange id${didYouMean(suggestName(account.exchange, ccxt.exchanges as string[]))} (see ccxt.exchanges)`,
    );
  }
  return { Klass: rest, restOnly: true };
}

/** Builds the exchange of one account; see the module header. */
export function buildExchange(account: AccountConfig, opts: ExchangeOptions = {}): BuiltExchange {
  if (account.apiKey === undefined || account.secret === undefined) {
    throw new UnsupportedCcxtAccount(account.id, `exchange '${account.exchange}' needs apiKey and secret`);
  }
  const { Klass, restOnly } = classOf(account);
  const profile = profileFor(account.exchange);
  const plainWs = account.urls?.ws?.startsWith('ws://') === true;
  const agent = plainWs ? new Agent() : undefined;
  const exchange = new Klass({
    apiKey: account.apiKey,
    secret: account.secret,
    ...(account.password === undefined ? {} : { password: account.password }),
    enableRateLimit: opts.rateLimit ?? !isLocal(account.urls),
    timeout: opts.timeoutMs ?? 10_000,
    ...(agent === undefined ? {} : { httpAgent: agent }),
  });
  profile.configure(exchange);
  if (account.testnet) profile.useTestnet(exchange);
  if (account.urls !== undefined) profile.applyUrls(exchange, account.urls);
  // posguard's stream supervisor backs off between reconnects; ccxt's own backoff would add to it.
  exchange.options.ws = { ...(exchange.options.ws as object), backoff: { base: 0, max: 0 } };

  const sent = new AsyncLocalStorage<SentFlag>();
  const fetch = exchange.fetch.bind(exchange);
  exchange.fetch = async (url: unknown, method?: string, headers?: unknown, body?: unknown) => {
    const flag = sent.getStore();
    if (flag !== undefined) flag.sent = true;
    return fetch(url, method, headers, body);
  };
  const now = opts.now ?? Date.now;
  let rateLimits: RateLimitSnapshot | undefined;
  const handleErrors = exchange.handleErrors.bind(exchange);
  exchange.handleErrors = (
    status,
    statusText,
    url,
    method,
    responseHeaders,
    responseBody,
    response,
    requestHeaders,
    requestBody,
  ) => {
    rateLimits = readRateLimits(status, responseHeaders ?? {}, now()) ?? rateLimits;
    if (status >= 500) throw new VenueServerError(exchange.id, status);
    // The venues with a code table also have IP-level limits answered by HTTP status alone.
    const limited = profile.codes === undefined ? undefined : ipLimitRefusal(status, responseHeaders ?? {}, now());
    if (limited !== undefined)
      throw new VenueRefusal(exchange.id, limited.code, limited.message, status, limited.retryAfterMs);
    const refusal = profile.refusalOf?.(response, responseHeaders ?? {});
    if (refusal !== undefined)
      throw new VenueRefusal(exchange.id, refusal.code, refusal.message, status, refusal.retryAfterMs);
    return handleErrors(
      status,
      statusText,
      url,
      method,
      responseHeaders,
      responseBody,
      response,
      requestHeaders,
      requestBody,
    );
  };

  // ccxt schedules housekeeping (Binance's listen-key keep-alive) with plain timers that nothing
  // clears: keep them from holding the process open, and clear them when the port closes.
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const spawning = exchange as unknown as {
    delay: (ms: number, method: unknown, ...args: unknown[]) => void;
    spawn: (method: unknown, ...args: unknown[]) => void;
  };
  spawning.delay = (ms, method, ...args) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      spawning.spawn(method, ...args);
    }, ms);
    timer.unref();
    timers.add(timer);
  };

  const secrets = [account.apiKey, account.secret, account.password].filter(
    (s): s is string => s !== undefined && s.length >= 4,
  );
  return {
    exchange,
    profile,
    sent,
    restOnly,
    publicStream:
      !restOnly &&
      !(account.exchange === 'bybit' && account.urls?.ws !== undefined && account.urls.publicWs === undefined),
    redact: (text) => secrets.reduce((t, s) => t.split(s).join('***'), text),
    rateLimits: () => rateLimits,
    dispose: () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      agent?.destroy();
    },
  };
}
