/**
 * Binance's `listenKeyExpired` user-data event, which ccxt ignores: after it the stream stays
 * open but silent ("no more user data event will be updated after this event received until a
 * new valid listenKey used", Binance's docs). Receives every WebSocket message of the ccxt
 * instance; on that event forgets the cached key and fails the stream's pending watches, so that
 * the stream supervisor reconnects and ccxt creates a new key. Touches ccxt's options and clients.
 *
 * @example
 * watchListenKeyExpiry(exchange); // once, in the profile's configure
 */
import { NetworkError, type Exchange } from 'ccxt';

interface WsClient {
  readonly futures: Record<string, unknown>;
  reject(error: unknown, messageHash: string): void;
}

interface WsMessageHook {
  handleMessage(client: WsClient, message: unknown): unknown;
}

/** The error the stream's watches fail with when the listen key expired. */
export const LISTEN_KEY_EXPIRED = 'binance listen key expired; reconnecting with a new one';

export function watchListenKeyExpiry(ex: Exchange): void {
  const hooked = ex as unknown as WsMessageHook;
  const handle = hooked.handleMessage.bind(ex);
  hooked.handleMessage = (client, message) => {
    const m = typeof message === 'object' && message !== null ? (message as Record<string, unknown>) : {};
    if (m.e !== 'listenKeyExpired') return handle(client, message);
    const bucket = (ex.options.future ?? {}) as Record<string, unknown>;
    ex.options.future = { ...bucket, listenKey: undefined, lastAuthenticatedTime: 0 };
    const error = new NetworkError(LISTEN_KEY_EXPIRED);
    for (const hash of Object.keys(client.futures)) client.reject(error, hash);
    return undefined;
  };
}
