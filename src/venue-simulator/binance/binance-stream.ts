/**
 * Binance USD-M's user-data stream over the simulated venue: a WebSocket opened with a valid
 * listen key (`…/ws?listenKey=KEY`, `…/ws/KEY`, or ccxt's `…/private/ws?listenKey=KEY`)
 * receives the account's events without subscribing: `ORDER_TRADE_UPDATE` for orders and
 * their trades, `ALGO_UPDATE` for conditional orders, `ACCOUNT_UPDATE` for positions.
 *
 * A stop that triggers is told as Binance tells it: its actual order in the matching engine
 * first (`ORDER_TRADE_UPDATE` `NEW`, then its trades), and the Algo Service's `ALGO_UPDATE`
 * (`TRIGGERED`, with the quantity executed when it triggered, then `FINISHED`) after the events
 * of the same venue moment. When the key expires the stream receives `listenKeyExpired` and
 * nothing more; when it is deleted the socket closes; a venue `disconnect` terminates it.
 * Touches one socket and one venue subscription.
 *
 * @example
 * binanceSession(binance, socket, listenKeyOf(req.url));
 */
import type { WebSocket } from 'ws';
import { asAccountId } from '../../domain/ids.js';
import type { FillReport } from '../../domain/reports.js';
import type { StreamEvent } from '../../exchange/port.js';
import { orderFactsOf, orderFactsOfReport, positionFactsOfReport, type OrderFacts } from '../facts.js';
import { toJsonText } from '../http-io.js';
import { accountUpdate } from './binance-format.js';
import { algoUpdate, hasActualOrder, orderTradeUpdate } from './binance-orders.js';
import type { BinanceWire } from './binance-wire.js';

/** The listen key of a user-data stream URL, or `undefined` when it is not one. */
export function listenKeyOf(url: string): string | undefined {
  const [path = '', query = ''] = url.split('?');
  const fromQuery = new URLSearchParams(query).get('listenKey');
  if (fromQuery !== null && /\/ws$/.test(path)) return fromQuery;
  const m = /\/ws\/([A-Za-z0-9_-]{16,})$/.exec(path);
  return m?.[1];
}

/** The stop as it was when its trigger fired: in the engine, nothing executed yet. */
const atTrigger = (o: OrderFacts): OrderFacts => ({
  ...o,
  status: 'triggered',
  filled: 0,
  average: undefined,
  endReason: undefined,
});

/** Serves one user-data stream until it closes. */
export function binanceSession(b: BinanceWire, socket: WebSocket, key: string): void {
  const owner = b.listenKeys.accountOf(key, b.ctx.now());
  if (owner === undefined) {
    socket.close(4001, 'invalid listen key');
    return;
  }
  const account = asAccountId(owner);
  let muted = false;
  const sendRaw = (message: unknown): void => {
    if (socket.readyState === socket.OPEN) socket.send(toJsonText(message));
  };
  const send = (message: unknown): void => {
    if (!muted) sendRaw(message);
  };

  // Algo updates go out after the other events of the same venue moment (a microtask after the batch).
  const pendingAlgo: unknown[] = [];
  const queueAlgo = (message: unknown): void => {
    if (pendingAlgo.push(message) === 1) queueMicrotask(() => pendingAlgo.splice(0).forEach(send));
  };
  const announced = new Set<string>();
  /** The stop's actual order enters the engine: its NEW, and the Algo Service's TRIGGERED. */
  const announce = (facts: OrderFacts): void => {
    if (announced.has(facts.id)) return;
    announced.add(facts.id);
    const now = b.ctx.now();
    send(orderTradeUpdate(atTrigger(facts), b.orderIdBase, undefined, now));
    queueAlgo(algoUpdate(atTrigger(facts), b.orderIdBase, now));
  };

  const onStopChange = (facts: OrderFacts): void => {
    const now = b.ctx.now();
    if (hasActualOrder(facts)) {
      announce(facts);
      if (facts.status === 'canceled' || facts.status === 'expired')
        send(orderTradeUpdate(facts, b.orderIdBase, undefined, now));
      if (facts.status !== 'triggered') queueAlgo(algoUpdate(facts, b.orderIdBase, now));
      return;
    }
    queueAlgo(algoUpdate(facts, b.orderIdBase, now));
  };

  const onFill = (fill: FillReport): void => {
    const order = b.ctx.venue.orders(account).find((o) => o.id === fill.venueOrderId);
    if (order === undefined) return;
    const facts = orderFactsOf(order);
    if (hasActualOrder(facts)) announce(facts);
    send(orderTradeUpdate(facts, b.orderIdBase, fill, b.ctx.now()));
  };

  const onEvent = (event: StreamEvent): void => {
    switch (event.type) {
      case 'connection':
        if (event.status === 'down') socket.terminate();
        return;
      case 'order': {
        const facts = orderFactsOfReport(event.report, b.ctx.venue.orders(account));
        if (facts.type === 'stop-market') {
          onStopChange(facts);
          return;
        }
        // A fill is reported with its trade (below); here only the order's own changes.
        if (facts.filled > 0 && (facts.status === 'open' || facts.status === 'closed')) return;
        send(orderTradeUpdate(facts, b.orderIdBase, undefined, b.ctx.now()));
        return;
      }
      case 'fill':
        onFill(event.report);
        return;
      case 'position':
        send(accountUpdate(positionFactsOfReport(event.report), b.ctx.venue.positionMode(account), b.ctx.now()));
    }
  };

  const subscription = b.ctx.venue.subscribe(account, onEvent);
  const unlisten = b.listenKeys.listen(key, {
    expired: (k) => {
      sendRaw({ e: 'listenKeyExpired', E: b.ctx.now(), listenKey: k });
      muted = true;
    },
    closed: () => socket.close(1000, 'listen key deleted'),
  });
  const unregister = b.ctx.streams.add('binanceusdm', account, sendRaw);
  socket.on('close', () => {
    unlisten();
    unregister();
    void subscription.close();
  });
}
