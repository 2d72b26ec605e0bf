/**
 * Binance USD-M's user-data stream over the simulated venue: a WebSocket opened with a valid
 * listen key (`…/ws?listenKey=KEY`, `…/ws/KEY`, or ccxt's `…/private/ws?listenKey=KEY`)
 * receives the account's events without subscribing: `ORDER_TRADE_UPDATE` for orders and
 * their trades, `ALGO_UPDATE` for conditional orders, `ACCOUNT_UPDATE` for positions. A venue
 * `disconnect` closes the socket; an unknown key is refused. Touches one socket and one venue
 * subscription.
 *
 * @example
 * binanceSession(binance, socket, listenKeyOf(req.url));
 */
import type { WebSocket } from 'ws';
import { accountId } from '../../../domain/ids.js';
import type { StreamEvent } from '../../port.js';
import { orderFactsOf, orderFactsOfReport, positionFactsOfReport } from '../facts.js';
import { toJsonText } from '../http-io.js';
import { accountUpdate, algoUpdate, orderTradeUpdate } from './binance-format.js';
import type { BinanceWire } from './binance-wire.js';

/** The listen key of a user-data stream URL, or `undefined` when it is not one. */
export function listenKeyOf(url: string): string | undefined {
  const [path = '', query = ''] = url.split('?');
  const fromQuery = new URLSearchParams(query).get('listenKey');
  if (fromQuery !== null && /\/ws$/.test(path)) return fromQuery;
  const m = /\/ws\/([A-Za-z0-9_-]{16,})$/.exec(path);
  return m?.[1];
}

/** Serves one user-data stream until it closes. */
export function binanceSession(b: BinanceWire, socket: WebSocket, key: string): void {
  const owner = b.listenKeys.accountOf(key, b.ctx.now());
  if (owner === undefined) {
    socket.close(4001, 'invalid listen key');
    return;
  }
  const account = accountId(owner);
  const send = (message: unknown): void => {
    if (socket.readyState === socket.OPEN) socket.send(toJsonText(message));
  };

  const onEvent = (event: StreamEvent): void => {
    const now = b.ctx.now();
    switch (event.type) {
      case 'connection':
        if (event.status === 'down') socket.terminate();
        return;
      case 'order': {
        const facts = orderFactsOfReport(event.report, b.ctx.venue.orders(account));
        // A fill is reported with its trade (below); here only the order's own changes.
        if (facts.filled > 0 && (facts.status === 'open' || facts.status === 'closed')) return;
        if (facts.type === 'stop-market') send(algoUpdate(facts, b.orderIdBase, now));
        else send(orderTradeUpdate(facts, b.orderIdBase, undefined, now));
        return;
      }
      case 'fill': {
        const order = b.ctx.venue.orders(account).find((o) => o.id === event.report.venueOrderId);
        if (order === undefined) return;
        const facts = orderFactsOf(order);
        if (facts.type === 'stop-market') send(algoUpdate(facts, b.orderIdBase, now));
        send(orderTradeUpdate(facts, b.orderIdBase, event.report, now));
        return;
      }
      case 'position':
        send(accountUpdate(positionFactsOfReport(event.report), b.ctx.venue.positionMode(account), now));
    }
  };

  const subscription = b.ctx.venue.subscribe(account, onEvent);
  socket.on('close', () => {
    void subscription.close();
  });
}
