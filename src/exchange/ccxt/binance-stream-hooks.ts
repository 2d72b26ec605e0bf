/**
 * What ccxt loses of Binance's user-data stream, put back before ccxt parses a message:
 *
 * - `listenKeyExpired`, which ccxt ignores: after it the stream stays open but silent ("no more
 *   user data event will be updated after this event received until a new valid listenKey
 *   used", Binance's docs). The cached key is forgotten and the stream's pending watches fail,
 *   so that the stream supervisor reconnects and ccxt creates a new key.
 * - the transaction time `T` of `ACCOUNT_UPDATE` and `ALGO_UPDATE`, which ccxt drops (it stamps
 *   positions with the event time `E`, and algo orders with nothing): copied into each record
 *   as `T`, so that a report carries the time of the state it reports — the time a REST read of
 *   the same state shows (`updateTime`) — and not when the message was made.
 *
 * Receives every WebSocket message of the ccxt instance; touches ccxt's options and clients.
 *
 * @example
 * hookBinanceStream(exchange); // once, in the profile's configure
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

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Copies the message's transaction time into the records ccxt will parse. */
function stampTransactionTime(m: Record<string, unknown>): void {
  if (typeof m.T !== 'number') return;
  if (m.e === 'ALGO_UPDATE' && isRecord(m.o) && m.o.T === undefined) m.o.T = m.T;
  if (m.e === 'ACCOUNT_UPDATE' && isRecord(m.a) && Array.isArray(m.a.P)) {
    for (const p of m.a.P) if (isRecord(p) && p.T === undefined) p.T = m.T;
  }
}

export function hookBinanceStream(ex: Exchange): void {
  const hooked = ex as unknown as WsMessageHook;
  const handle = hooked.handleMessage.bind(ex);
  hooked.handleMessage = (client, message) => {
    const m = isRecord(message) ? message : {};
    if (m.e !== 'listenKeyExpired') {
      stampTransactionTime(m);
      return handle(client, message);
    }
    const bucket = (ex.options.future ?? {}) as Record<string, unknown>;
    ex.options.future = { ...bucket, listenKey: undefined, lastAuthenticatedTime: 0 };
    const error = new NetworkError(LISTEN_KEY_EXPIRED);
    for (const hash of Object.keys(client.futures)) client.reject(error, hash);
    return undefined;
  };
}
