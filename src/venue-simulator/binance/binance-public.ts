/**
 * Binance USD-M's public market WebSocket over the simulated venue: the `<symbol>@markPrice`
 * stream (and `@markPrice@1s`) on raw paths (`/market/ws/<stream>`, or `/ws/<stream>` when it is
 * no listen key; payloads as they are) and
 * combined ones (`/market/stream?streams=a/b`, payloads wrapped `{ stream, data }`), and
 * `SUBSCRIBE`/`UNSUBSCRIBE`/`LIST_SUBSCRIPTIONS` messages (see docs/architecture.md,
 * Exchanges). One `markPriceUpdate` is pushed for every tick of the venue's ticker stream; `E`
 * is the venue time of the change, so a tick the `tickerDelay` fault held back arrives
 * visibly old. (Binance pushes every 3 s or 1 s whether the price moved or not; the simulator
 * pushes on each price set. Last price is not in this stream: it is Binance's `@ticker`.)
 * Touches one socket and one ticker subscription.
 *
 * @example
 * wss.on('connection', (socket) => binancePublicSession(ctx, socket, '/market/ws/avlusdt@markPrice'));
 */
import type { WebSocket } from 'ws';
import type { Tick } from '../../exchange/sim/ticker-stream.js';
import type { WireContext } from '../wire-context.js';
import { num } from '../facts.js';
import { marketIdOf } from '../wire-ids.js';
import { objectMessage } from '../ws-message.js';

const STREAM = /^([a-z0-9]+)@markPrice(@1s)?$/;

/**
 * Is this the path of the public market stream? `/market/…`, and `/ws` or `/ws/<n>` (ccxt
 * connects to `/ws/<stream index>`, then subscribes) once a listen key is ruled out.
 */
export function isBinancePublicPath(path: string): boolean {
  return ['/market/ws', '/ws'].some((p) => path === p || path.startsWith(`${p}/`)) || path === '/market/stream';
}

/** Serves one public-stream connection at `url` (path and query) until it closes. */
export function binancePublicSession(ctx: WireContext, socket: WebSocket, url: string): void {
  const [path = '', query = ''] = url.split('?');
  const combined = path === '/market/stream';
  const streams = new Set<string>();
  const send = (message: unknown): void => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
  };
  const symbolOf = (stream: string): string | undefined => {
    const id = STREAM.exec(stream)?.[1];
    return id === undefined ? undefined : ctx.markets.market(id.toUpperCase())?.symbol;
  };
  const initial = combined
    ? (new URLSearchParams(query).get('streams') ?? '').split('/')
    : [path.split('/ws/')[1] ?? ''];
  for (const s of initial) if (symbolOf(s) !== undefined) streams.add(s);

  const push = (tick: Tick): void => {
    for (const stream of streams) {
      if (symbolOf(stream) !== tick.symbol) continue;
      const data = {
        e: 'markPriceUpdate',
        E: tick.at,
        s: marketIdOf(tick.symbol),
        p: num(tick.mark),
        i: num(tick.mark),
        P: num(tick.mark),
        r: '0.00010000',
        T: tick.at - (tick.at % 28_800_000) + 28_800_000,
      };
      send(combined ? { stream, data } : data);
    }
  };
  const subscription = ctx.venue.subscribeTickers(undefined, push);

  socket.on('message', (raw) => {
    const message = objectMessage(raw);
    if (message === undefined) {
      send({ error: { code: 3, msg: 'Invalid JSON' } });
      return;
    }
    const id = message.id ?? null;
    const params = Array.isArray(message.params) ? (message.params as unknown[]) : [];
    switch (message.method) {
      case 'SUBSCRIBE':
      case 'UNSUBSCRIBE': {
        const bad = params.find((p) => typeof p !== 'string' || symbolOf(p) === undefined);
        if (bad !== undefined) {
          send({ error: { code: 2, msg: `Invalid request: unknown stream ${String(bad)}` }, id });
          return;
        }
        for (const p of params as string[]) {
          if (message.method === 'SUBSCRIBE') streams.add(p);
          else streams.delete(p);
        }
        send({ result: null, id });
        return;
      }
      case 'LIST_SUBSCRIPTIONS':
        send({ result: [...streams], id });
        return;
      default:
        send({ error: { code: 2, msg: `Invalid request: unknown method ${String(message.method)}` }, id });
    }
  });
  socket.on('close', () => subscription.close());
}
