/**
 * One symbol's public ticker stream through ccxt.pro (the venue profile's `watchTicker`: Bybit
 * `tickers.{symbol}`, Binance `<symbol>@markPrice`), kept alive until closed: each tick is handed
 * on stamped with the venue's time of it and the local time it arrived; a tick without a venue
 * time is dropped (its age could not be judged). A failed watch (the socket closed, the venue
 * refused) is watched again after a backoff that doubles up to 30 s. Touches the ccxt instance's
 * public WebSocket only; no request of the account's budget.
 *
 * @example
 * const sub = watchTickerLoop(built, 'AVL/USDT:USDT', (tick) => cache.take(tick), clock, log);
 * await sub.close();
 */
import type { Clock } from '../../clock.js';
import type { Logger } from '../../log/logger.js';
import type { PriceTick } from '../../domain/entry-fast-path.js';
import type { StreamSubscription } from '../port.js';
import type { BuiltExchange } from './exchange-factory.js';

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;

export function watchTickerLoop(
  built: BuiltExchange,
  symbol: string,
  onTick: (tick: PriceTick) => void,
  clock: Clock,
  log: Logger,
): StreamSubscription {
  const watch = built.profile.watchTicker;
  let closed = false;
  let retry: unknown;
  // Ends the backoff's wait at once when the watch is closed, so that the loop returns.
  let wake = (): void => {};
  let backoff = FIRST_RETRY_MS;
  const loop = async (): Promise<void> => {
    if (watch === undefined || !built.publicStream) return;
    while (!closed) {
      try {
        const t = await watch(built.exchange, symbol);
        if (closed) return;
        backoff = FIRST_RETRY_MS;
        if (t.venueTime === undefined || !Number.isFinite(t.venueTime)) continue;
        onTick({ symbol, mark: t.mark, last: t.last, venueTime: t.venueTime, receivedAt: clock.now() });
      } catch (error) {
        if (closed) return;
        log.warn(
          { symbol, err: built.redact(error instanceof Error ? error.message : String(error)) },
          'ticker stream failed; watched again after a backoff',
        );
        await new Promise<void>((resolve) => {
          wake = resolve;
          retry = clock.setTimeout(resolve, backoff);
        });
        backoff = Math.min(MAX_RETRY_MS, backoff * 2);
      }
    }
  };
  void loop();
  return {
    close: async () => {
      closed = true;
      if (retry !== undefined) clock.clearTimeout(retry);
      wake();
    },
  };
}
