/**
 * Bybit v5's private WebSocket over the simulated venue. Receives the client's messages
 * (`auth` with an HMAC of `GET/realtime` + expires, `subscribe`/`unsubscribe` to `order`,
 * `position`, `execution`, `ping`); sends the acknowledgements and the pushes
 * `{ id, topic, creationTime, data: [...] }` of the subscribed topics, built from the venue's
 * stream events of the authenticated account. A venue `disconnect` closes the socket. A
 * connection that subscribed `dcp` arms Bybit's disconnect protection when it goes away.
 * Touches one socket and one venue subscription.
 *
 * @example
 * wss.on('connection', (socket) => bybitSession(ctx, socket));
 */
import type { WebSocket } from 'ws';
import { asAccountId, type AccountId } from '../../domain/ids.js';
import type { StreamEvent, StreamSubscription } from '../../exchange/port.js';
import { hmacHex, sameSignature } from '../credentials.js';
import { orderFactsOfReport, positionFactsOfReport } from '../facts.js';
import type { WireContext } from '../wire-context.js';
import { bybitPositions } from './bybit-format.js';
import { bybitExecution, bybitOrder } from './bybit-orders.js';
import { objectMessage } from '../ws-message.js';

const TOPICS = new Set(['order', 'position', 'execution']);
/** Disconnect protection's topic (`dcp`, or per product `dcp.future`, …). */
const DCP_TOPIC = /^dcp(\.[a-z]+)?$/;
let connections = 0;

/** Serves one private-stream connection until it closes. */
export function bybitSession(ctx: WireContext, socket: WebSocket): void {
  const connId = `posguard-sim-${++connections}`;
  const topics = new Set<string>();
  let account: AccountId | undefined;
  let subscription: StreamSubscription | undefined;
  let pushes = 0;
  let leaveDcp: (() => void) | undefined;
  let unregister: (() => void) | undefined;

  const send = (message: unknown): void => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
  };
  const push = (topic: string, data: unknown[]): void => {
    if (topics.has(topic)) send({ id: `${connId}-${++pushes}`, topic, creationTime: ctx.now(), data });
  };

  const onEvent = (event: StreamEvent): void => {
    if (account === undefined) return;
    switch (event.type) {
      case 'connection':
        if (event.status === 'down') socket.terminate();
        return;
      case 'order':
        push('order', [
          { category: 'linear', ...bybitOrder(orderFactsOfReport(event.report, ctx.venue.orders(account))) },
        ]);
        return;
      case 'position':
        push(
          'position',
          bybitPositions(positionFactsOfReport(event.report), ctx.venue.positionMode(account), 'stream').map((p) => ({
            category: 'linear',
            ...p,
          })),
        );
        return;
      case 'fill': {
        const order = ctx.venue.orders(account).find((o) => o.id === event.report.venueOrderId);
        push('execution', [bybitExecution({ fill: event.report, order })]);
      }
    }
  };

  const authenticate = (args: unknown[], reqId: unknown): void => {
    const [key, expires, signature] = args.map((a) =>
      typeof a === 'string' || typeof a === 'number' ? String(a) : '',
    );
    const credential = ctx.credentials.byKey(key);
    const valid =
      credential !== undefined &&
      expires !== undefined &&
      Number(expires) > ctx.wallNow() &&
      sameSignature(hmacHex(credential.secret, `GET/realtime${expires}`), signature);
    if (!valid || credential === undefined) {
      send({
        success: false,
        ret_msg: credential === undefined ? 'Invalid apikey' : 'Signature verification failed',
        op: 'auth',
        conn_id: connId,
        req_id: reqId,
        request: { op: 'auth', args: [key, expires, '***'] },
      });
      return;
    }
    if (ctx.streamDown(credential.account)) {
      socket.terminate(); // the venue is unreachable for this account: no answer at all
      return;
    }
    if (account === undefined) {
      account = asAccountId(credential.account);
      subscription = ctx.venue.subscribe(account, onEvent);
      unregister = ctx.streams.add('bybit', account, send);
    }
    send({
      success: true,
      ret_msg: '',
      op: 'auth',
      conn_id: connId,
      ...(reqId === undefined ? {} : { req_id: reqId }),
    });
  };

  const subscribe = (op: 'subscribe' | 'unsubscribe', args: unknown[], reqId: unknown): void => {
    const names = args.filter((a): a is string => typeof a === 'string');
    const unknownTopic = names.find((t) => !TOPICS.has(t) && !DCP_TOPIC.test(t));
    if (account === undefined || unknownTopic !== undefined) {
      send({
        success: false,
        ret_msg: account === undefined ? 'Request not authorized' : `error:handler not found,topic:${unknownTopic}`,
        op,
        conn_id: connId,
        req_id: reqId,
      });
      return;
    }
    for (const t of names) {
      if (op === 'subscribe') topics.add(t);
      else topics.delete(t);
    }
    const dcp = [...topics].some((t) => DCP_TOPIC.test(t));
    if (dcp && leaveDcp === undefined) leaveDcp = ctx.dcp.subscribed(account);
    if (!dcp && leaveDcp !== undefined) {
      leaveDcp();
      leaveDcp = undefined;
    }
    send({ success: true, ret_msg: '', op, conn_id: connId, req_id: reqId });
  };

  socket.on('message', (raw) => {
    const message = objectMessage(raw);
    if (message === undefined) {
      send({ success: false, ret_msg: 'error:invalid message', conn_id: connId });
      return;
    }
    const args = Array.isArray(message.args) ? (message.args as unknown[]) : [];
    const reqId = message.req_id;
    switch (message.op) {
      case 'auth':
        authenticate(args, reqId);
        return;
      case 'subscribe':
      case 'unsubscribe':
        subscribe(message.op, args, reqId);
        return;
      case 'ping':
        send({ req_id: reqId, op: 'pong', args: [String(ctx.now())], conn_id: connId });
        return;
      default:
        send({
          success: false,
          ret_msg: `error:invalid op ${String(message.op)}`,
          conn_id: connId,
          req_id: reqId,
          request: { op: message.op, args },
        });
    }
  });
  socket.on('close', () => {
    leaveDcp?.();
    unregister?.();
    void subscription?.close();
    subscription = undefined;
  });
}
