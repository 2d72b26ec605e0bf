/**
 * The ccxt adapter: `ExchangePort` for any ccxt exchange id, first-class for `bybit` (linear
 * USDT perpetuals, unified account) and `binanceusdm`. One ccxt instance per account, built
 * once; `urls` overrides and `testnet` as the config documents (see docs/architecture.md, Public contracts).
 *
 * @example
 * import { createCcxtPort } from './exchange/ccxt/index.js';
 * const port = await createCcxtPort(config.accounts[0]);
 * const guard = await createGuard(config, { ports: { [port.account]: port } });
 */
import { systemClock, type Clock } from '../../clock.js';
import type { AccountConfig } from '../../config/config.js';
import type { TriggerBy } from '../port.js';
import { silentLogger, type Logger } from '../../log/logger.js';
import { CcxtPort } from './ccxt-port.js';
import { buildExchange } from './exchange-factory.js';
import type { ReconnectPolicy } from './stream-supervisor.js';

export { CcxtPort } from './ccxt-port.js';
export {
  CcxtPortClosed,
  MalformedPositionReply,
  UnsupportedCcxtAccount,
  VenueRefusal,
  VenueServerError,
} from './errors.js';
export { classifyFailure, type CallFailure } from './classify-failure.js';
export { BINANCE_CODES, BYBIT_CODES, classifyCode, type CodeClass } from './venue-codes.js';
export { normalizePosition } from './normalize-position.js';
export type { RateLimitSnapshot } from './rate-limit-state.js';
export { isLocal } from './exchange-factory.js';
export type { ReconnectPolicy } from './stream-supervisor.js';

export interface CcxtPortOptions {
  /** Receive times and stream timers (default: the system clock; ccxt itself runs on real time). */
  readonly clock?: Clock;
  /** ccxt's rate limiter; default on, off when the account's `urls` all point at this machine. */
  readonly rateLimit?: boolean;
  /** ccxt's per-request timeout in ms (default 10 000). */
  readonly timeoutMs?: number;
  /** Private-stream reconnects (default: 250 ms doubling to 10 s). */
  readonly reconnect?: ReconnectPolicy;
  /** Where dropped stream records are told (default: nowhere), on a child with `component`, `account` and `venue`. */
  readonly log?: Logger;
  /** Load the markets before resolving (default true), so that a bad key or URL fails here. */
  readonly loadMarkets?: boolean;
  /** The price every stop fires on (`protection.triggerBy`): sent as Bybit `triggerBy`, Binance `workingType`. */
  readonly triggerBy?: TriggerBy;
  /** Binance: how often ccxt extends the listen key (default ccxt's 20 minutes). */
  readonly listenKeyKeepAliveMs?: number;
}

/**
 * The port of one ccxt account. Builds the ccxt instance (options, testnet, `urls`, rate
 * limiter) and loads the markets; rejects with `UnsupportedCcxtAccount` for an id ccxt does
 * not know or missing credentials, and with `QueryFailed` when the venue cannot be reached.
 */
export async function createCcxtPort(account: AccountConfig, options: CcxtPortOptions = {}): Promise<CcxtPort> {
  const clock = options.clock ?? systemClock;
  const built = buildExchange(account, {
    ...(options.rateLimit === undefined ? {} : { rateLimit: options.rateLimit }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    now: () => clock.now(),
  });
  if (options.listenKeyKeepAliveMs !== undefined)
    built.exchange.options.listenKeyRefreshRate = options.listenKeyKeepAliveMs;
  const port = new CcxtPort(
    built,
    account.id,
    clock,
    options.reconnect ?? { initialMs: 250, maxMs: 10_000 },
    options.log ?? silentLogger(),
    options.triggerBy,
  );
  if (options.loadMarkets !== false) {
    try {
      await port.loadMarkets();
    } catch (error) {
      await port.close();
      throw error;
    }
  }
  return port;
}
