/**
 * Bybit v5's public linear WebSocket (`/v5/public/linear`) over the simulated venue: the
 * `tickers.{symbol}` topic (see docs/architecture.md, Exchanges). Receives
 * `subscribe`/`unsubscribe` and `ping`; answers as Bybit does; on subscribing sends the
 * ticker's snapshot, then one push `{ topic, type: 'snapshot', data, cs, ts }` for every tick
 * of the venue's ticker stream (mark and last price; `ts` is the venue time of the change, so a
 * tick the `tickerDelay` fault held back arrives visibly old). Every push is a whole snapshot,
 * never a delta. Touches one socket and one ticker subscription.
 *
 * @example
 * wss.on('connection', (socket) => bybitPublicSession(ctx, socket));
 */
import type { WebSocket } from 'ws';
import type { Tick, TickerSubscription } from '../../exchange/sim/ticker-stream.js';
import type { WireContext } from '../wire-context.js';
import { ticker } from './bybit-format.js';
import { objectMessage } from '../ws-message.js';

const TOPIC = /^tickers\.([A-Z0-9]+)$/;
let connections = 0;

/** Serves one public-stream connection until it closes. */
export function bybitPublicSession(ctx: WireContext, socket: WebSocket): void {
  const connId = `posguard-sim-public-${++connections}`;
  const symbols = new Set<string>();
  let sequence = 0;
  const send = (message: unknown): void => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
  };
  const push = (tick: Tick): void => {
    if (!symbols.has(tick.symbol)) return;
    const data = ticker(tick.symbol, tick, tick.at);
    send({ topic: `tickers.${String(data.symbol)}`, type: 'snapshot', data, cs: ++sequence, ts: tick.at });
  };
  const subscription: TickerSubscription = ctx.venue.subscribeTickers(undefined, push);

  const subscribe = (op: 'subscribe' | 'unsubscribe', args: unknown[], reqId: unknown): void => {
    const wanted = args
      .map((a) => (typeof a === 'string' ? TOPIC.exec(a)?.[1] : undefined))
      .map((id) => ctx.markets.market(id)?.symbol);
    const bad = args.find((_, i) => wanted[i] === undefined);
    if (bad !== undefined || args.length === 0) {
      send({
        success: false,
        ret_msg: `error:handler not found,topic:${String(bad ?? '')}`,
        conn_id: connId,
        op,
        ...(reqId === undefined ? {} : { req_id: reqId }),
      });
      return;
    }
    send({ success: true, ret_msg: op, conn_id: connId, op, ...(reqId === undefined ? {} : { req_id: reqId }) });
    for (const symbol of wanted) {
      if (symbol === undefined) continue;
      if (op === 'unsubscribe') {
        symbols.delete(symbol);
        continue;
      }
      symbols.add(symbol);
      push({ symbol, mark: ctx.venue.markPrice(symbol), last: ctx.venue.lastPrice(symbol), at: ctx.now() });
    }
  };

  socket.on('message', (raw) => {
    const message = objectMessage(raw);
    if (message === undefined) {
      send({ success: false, ret_msg: 'error:invalid message', conn_id: connId });
      return;
    }
    const args = Array.isArray(message.args) ? (message.args as unknown[]) : [];
    switch (message.op) {
      case 'subscribe':
      case 'unsubscribe':
        subscribe(message.op, args, message.req_id);
        return;
      case 'ping':
        send({
          success: true,
          ret_msg: 'pong',
          conn_id: connId,
          op: 'ping',
          ...(message.req_id === undefined ? {} : { req_id: message.req_id }),
        });
        return;
      default:
        send({ success: false, ret_msg: `error:invalid op ${String(message.op)}`, conn_id: connId });
    }
  });
  socket.on('close', () => subscription.close());
}
