/**
 * Over 300 lines on purpose: Bybit v5's REST endpoints as one table of routes, each a short translation.
 *
 * Bybit v5's REST API over the simulated venue: the public market endpoints and the private
 * order and position endpoints that ccxt's `bybit` calls for linear perpetuals on a unified
 * account. Receives one HTTP request; checks its signature (`X-BAPI-*` headers, HMAC-SHA256
 * of timestamp + key + recvWindow + query or body); translates it into one call of the
 * venue's request side; answers in Bybit's envelope. The create and cancel replies carry the
 * ids only, as Bybit's do. Faults answer as Bybit would: 10006 for a rate limit, an HTTP 5xx
 * page, or no reply at all (timeout after accept).
 *
 * @example
 * const reply = await handleBybitRest(ctx, request); // { kind: 'json', status: 200, body: { retCode: 0, … } }
 */
import { asAccountId, asClientOrderId, asVenueOrderId, type AccountId } from '../../domain/ids.js';
import type { OrderLookup, OrderRequest } from '../../exchange/port.js';
import { BYBIT_RULES, type TriggerBy } from '../../exchange/sim/venue-rules.js';
import type { OrderKind } from '../../exchange/sim/venue-server.js';
import { orderFactsOf, positionFactsOf, type PositionFacts } from '../facts.js';
import { json, jsonObject, withHeaders, type WireReply, type WireRequest } from '../http-io.js';
import { PUBLIC_ACCOUNT, type WireContext } from '../wire-context.js';
import { bybitOrderId, simIdOfBybitOrderId } from '../wire-ids.js';
import { bybitPositions, envelope, errorEnvelope, instrument, ticker } from './bybit-format.js';
import { bybitOrder } from './bybit-orders.js';
import { answer, refuse, signedAccount } from './bybit-wire.js';

type Params = Readonly<Record<string, unknown>>;
type Handler = (ctx: WireContext, params: Params, account: AccountId) => WireReply;

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;
const bool = (v: unknown): boolean => v === true || v === 'true';
function lookupOf(ctx: WireContext, p: Params): OrderLookup | undefined {
  const orderId = str(p.orderId);
  if (orderId !== undefined)
    return { venueOrderId: asVenueOrderId(simIdOfBybitOrderId(orderId) ?? ctx.unknownId(orderId)) };
  const link = str(p.orderLinkId);
  return link === undefined ? undefined : { clientOrderId: asClientOrderId(link) };
}

function symbolFor(ctx: WireContext, p: Params, account: AccountId, lookup: OrderLookup): string {
  const given = ctx.markets.market(str(p.symbol));
  if (given !== undefined) return given.symbol;
  const id = lookup.venueOrderId;
  return (
    ctx.symbolOfOrder(account, id !== undefined ? { id } : { clientOrderId: lookup.clientOrderId }) ??
    ctx.markets.specs[0]?.symbol ??
    ''
  );
}

/** `POST /v5/order/create`: a market, limit or (with `triggerPrice`) stop-market order. */
const createOrder: Handler = (ctx, p, account) => {
  if (p.category !== 'linear') return refuse(ctx, 10001, 'params error: category only supports linear');
  const market = ctx.markets.market(str(p.symbol));
  if (market === undefined) return refuse(ctx, 10001, 'params error: symbol invalid');
  const side = p.side === 'Buy' ? 'buy' : p.side === 'Sell' ? 'sell' : undefined;
  if (side === undefined) return refuse(ctx, 10001, 'params error: side invalid');
  if (p.orderType !== 'Market' && p.orderType !== 'Limit') return refuse(ctx, 10001, 'params error: orderType invalid');
  const amount = Number(str(p.qty));
  if (!Number.isFinite(amount) || amount <= 0) return refuse(ctx, 10001, 'params error: qty invalid');
  const trigger = str(p.triggerPrice);
  const stop = trigger !== undefined;
  if (stop && p.orderType !== 'Market')
    return refuse(ctx, 10001, 'the simulator supports conditional market orders only');
  if (stop && Number(p.triggerDirection) !== (side === 'buy' ? 1 : 2)) {
    return refuse(
      ctx,
      10001,
      'params error: the simulator supports stop-loss triggers only (Buy rising, Sell falling)',
    );
  }
  const triggerBy = str(p.triggerBy);
  if (stop && triggerBy !== undefined && !(triggerBy in TRIGGER_BY))
    return refuse(ctx, 10001, 'params error: the simulator supports triggerBy MarkPrice and LastPrice');
  const link = str(p.orderLinkId) ?? `bybit-sim-${ctx.now()}-${Math.floor(amount * 1e6)}`;
  const request: OrderRequest = {
    symbol: market.symbol,
    side,
    type: stop ? 'stop-market' : p.orderType === 'Limit' ? 'limit' : 'market',
    amount,
    clientOrderId: asClientOrderId(link),
    reduceOnly: bool(p.reduceOnly) || bool(p.closeOnTrigger),
    ...(p.orderType === 'Limit' ? { price: Number(str(p.price)) } : {}),
    ...(stop ? { triggerPrice: Number(trigger) } : {}),
  };
  const reply = ctx.venue.server.createOrder(account, request, {
    rules: BYBIT_RULES,
    triggerBy: triggerBy === undefined ? undefined : TRIGGER_BY[triggerBy],
  });
  return answer(ctx, reply, { call: 'create', side, stop }, (body) => ({
    orderId: bybitOrderId(body.id),
    orderLinkId: body.clientOrderId,
  }));
};

/** Bybit's `triggerBy` for conditional orders (LastPrice is the default). */
const TRIGGER_BY: Readonly<Record<string, TriggerBy>> = { MarkPrice: 'mark', LastPrice: 'last' };

/** `POST /v5/order/cancel`. */
const cancelOrder: Handler = (ctx, p, account) => {
  const lookup = lookupOf(ctx, p);
  if (lookup === undefined) return refuse(ctx, 10001, 'params error: orderId or orderLinkId is required');
  const symbol = ctx.markets.market(str(p.symbol))?.symbol;
  if (symbol === undefined) return refuse(ctx, 10001, 'params error: symbol invalid');
  const reply = ctx.venue.server.cancelOrder(account, lookup, symbol);
  return answer(ctx, reply, { call: 'cancel' }, (body) => ({
    orderId: bybitOrderId(body.id),
    orderLinkId: body.clientOrderId,
  }));
};

/**
 * A page of orders: Bybit's cursor names its first and last order (`id%3Atime%2Cid%3Atime`), on
 * the last page too (ccxt's recorded replies), so a client that follows it blindly asks once more
 * and gets an empty page.
 */
function orderPage(list: readonly Record<string, unknown>[]): Record<string, unknown> {
  const edge = (o: Record<string, unknown> | undefined) => `${String(o?.orderId)}%3A${String(o?.createdTime)}`;
  return {
    nextPageCursor: list.length === 0 ? '' : `${edge(list[0])}%2C${edge(list.at(-1))}`,
    category: 'linear',
    list,
  };
}

/** The simulated order id an open-orders cursor names as its page's last order ('' for none, `undefined` when malformed). */
function orderCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined || cursor === '') return '';
  const lastId = cursorParts(cursor).at(-1)?.split(':')[0];
  return lastId === undefined ? undefined : simIdOfBybitOrderId(lastId);
}

/** A cursor's comma-separated parts, whether the client sent it as given (`%2C`, `%3A`) or decoded once more. */
function cursorParts(cursor: string): string[] {
  return cursor.replaceAll('%2C', ',').replaceAll('%3A', ':').split(',');
}

/** A page size within Bybit's bounds (default 20), or `undefined` when `limit` is out of them. */
function pageLimit(p: Params, max: number | undefined): number | undefined {
  const given = str(p.limit);
  const limit = given === undefined ? Math.min(20, max ?? 20) : Number(given);
  return Number.isInteger(limit) && limit >= 1 && limit <= (max ?? Infinity) ? limit : undefined;
}

function orderFilter(p: Params): (stop: boolean) => boolean {
  return p.orderFilter === 'StopOrder' ? (stop) => stop : p.orderFilter === 'Order' ? (stop) => !stop : () => true;
}

/** Which open orders `orderFilter` lists: conditional ones (`StopOrder`), the others (`Order`), or all. */
function stopKind(p: Params): OrderKind {
  return p.orderFilter === 'StopOrder' ? 'stop' : p.orderFilter === 'Order' ? 'regular' : 'all';
}

/** `GET /v5/order/realtime` and `/v5/order/history` by id: the order, whatever its status. */
function oneOrder(ctx: WireContext, p: Params, account: AccountId, lookup: OrderLookup): WireReply {
  const reply = ctx.venue.server.fetchOrder(account, lookup, symbolFor(ctx, p, account, lookup));
  const keep = orderFilter(p);
  return answer(ctx, reply, { call: 'query' }, (o) =>
    orderPage(o === undefined || !keep(o.triggerPrice !== undefined) ? [] : [bybitOrder(orderFactsOf(o))]),
  );
}

/** `GET /v5/order/realtime`: open orders, or one order by id. */
const realtime: Handler = (ctx, p, account) => {
  const lookup = lookupOf(ctx, p);
  if (lookup !== undefined) return oneOrder(ctx, p, account, lookup);
  if (p.symbol === undefined && p.settleCoin === undefined && p.baseCoin === undefined) {
    return refuse(ctx, 10001, 'Missing some parameters that must be filled in, symbol or settleCoin or baseCoin');
  }
  const symbol = ctx.markets.market(str(p.symbol))?.symbol;
  const max = BYBIT_RULES.listPages.openOrders;
  const limit = pageLimit(p, max);
  if (limit === undefined) return refuse(ctx, 10001, `params error: limit must be 1 to ${String(max)}`);
  const after = orderCursor(str(p.cursor));
  if (after === undefined) return refuse(ctx, 10001, 'params error: cursor invalid');
  const reply = ctx.venue.server.fetchOpenOrders(account, symbol, { limit, cursor: after }, stopKind(p));
  return answer(ctx, reply, { call: 'query' }, (page) => orderPage(page.items.map((o) => bybitOrder(orderFactsOf(o)))));
};

/**
 * `GET /v5/order/history`: one order by id through the venue's (lagging) order index; the
 * unfiltered listing answers from the venue's own records of finished orders.
 */
const history: Handler = (ctx, p, account) => {
  const lookup = lookupOf(ctx, p);
  if (lookup !== undefined) return oneOrder(ctx, p, account, lookup);
  const symbol = ctx.markets.market(str(p.symbol))?.symbol;
  const status = str(p.orderStatus);
  const list = ctx.venue
    .orders(account)
    .filter((o) => o.status !== 'open' && (symbol === undefined || o.symbol === symbol))
    .map((o) => bybitOrder(orderFactsOf(o)))
    .filter((o) => status === undefined || o.orderStatus === status)
    .reverse();
  return json(envelope(orderPage(list), ctx.now()));
};

/**
 * `GET /v5/position/list`: one symbol (flat or not), or the open positions of a settle coin,
 * `limit` (1–200, default 20) a page by symbol; the cursor names the page's last record, on the
 * last page too (ccxt's recorded replies).
 */
const positions: Handler = (ctx, p, account) => {
  const market = ctx.markets.market(str(p.symbol));
  if (p.symbol !== undefined && market === undefined) return refuse(ctx, 10001, 'params error: symbol invalid');
  if (market === undefined && str(p.settleCoin) === undefined)
    return refuse(ctx, 10001, 'Missing some parameters that must be filled in, symbol or settleCoin');
  const max = BYBIT_RULES.listPages.positions;
  const limit = pageLimit(p, max);
  if (limit === undefined) return refuse(ctx, 10001, `params error: limit must be 1 to ${String(max)}`);
  const mode = ctx.venue.positionMode(account);
  const page = market === undefined ? { limit, cursor: cursorParts(str(p.cursor) ?? '')[0] } : undefined;
  const reply = ctx.venue.server.fetchPositions(account, page, market === undefined);
  return answer(ctx, reply, { call: 'query' }, ({ items }) => {
    const facts = items.map(positionFactsOf);
    const chosen: PositionFacts[] =
      market !== undefined
        ? [
            facts.find((f) => f.symbol === market.symbol) ?? {
              symbol: market.symbol,
              size: 0,
              entryPrice: undefined,
              markPrice: ctx.venue.markPrice(market.symbol),
              seq: 0,
              updatedAt: 0,
            },
          ]
        : facts;
    const list = chosen.flatMap((f) => bybitPositions(f, mode, 'rest'));
    const last = chosen.at(-1);
    return {
      nextPageCursor: last === undefined ? '' : `${last.symbol}%2C${String(last.updatedAt)}%2C0`,
      category: 'linear',
      list,
    };
  });
};

const queryApi: Handler = (ctx, _p, account) =>
  json(
    envelope(
      {
        id: '1',
        note: 'posguard wire simulator',
        apiKey: '',
        readOnly: 0,
        secret: '',
        permissions: {
          ContractTrade: ['Order', 'Position'],
          Spot: [],
          Wallet: [],
          Options: [],
          Derivatives: [],
          CopyTrading: [],
          BlockTrade: [],
          Exchange: [],
          NFT: [],
          Affiliate: [],
        },
        ips: ['*'],
        type: 1,
        deadlineDay: -1,
        expiredAt: '',
        createdAt: '',
        unified: 0,
        uta: 1,
        userID: 1,
        inviterID: 0,
        vipLevel: 'No VIP',
        mktMakerLevel: '0',
        affiliateID: 0,
        rsaPublicKey: '',
        isMaster: true,
        parentUid: '0',
        kycLevel: 'LEVEL_DEFAULT',
        kycRegion: '',
        account,
      },
      ctx.now(),
    ),
  );

const accountInfo: Handler = (ctx) =>
  json(
    envelope(
      {
        marginMode: 'REGULAR_MARGIN',
        updatedTime: String(ctx.now()),
        unifiedMarginStatus: 6,
        dcpStatus: 'OFF',
        timeWindow: 10,
        smpGroup: 0,
        isMasterTrader: false,
        spotHedgingStatus: 'OFF',
      },
      ctx.now(),
    ),
  );

/** `POST /v5/order/disconnected-cancel-all`: sets the account's disconnect-protection window (seconds, 3–300). */
const setDcp: Handler = (ctx, p, account) => {
  const seconds = Number(str(p.timeWindow));
  if (!Number.isInteger(seconds) || seconds < 3 || seconds > 300)
    return refuse(ctx, 10001, 'params error: timeWindow must be 3 to 300 seconds');
  ctx.venue.faults.clear(
    ctx.venue.faults.list().find((r) => r.fault.kind === 'dcp' && r.account === account)?.id ?? '-',
  );
  ctx.venue.faults.set({ fault: { kind: 'dcp', timeWindowMs: seconds * 1_000 }, account });
  return json(envelope({}, ctx.now()));
};

const PRIVATE: Readonly<Record<string, Handler>> = {
  'POST /v5/order/disconnected-cancel-all': setDcp,
  'POST /v5/order/create': createOrder,
  'POST /v5/order/cancel': cancelOrder,
  'GET /v5/order/realtime': realtime,
  'GET /v5/order/history': history,
  'GET /v5/position/list': positions,
  'GET /v5/user/query-api': queryApi,
  'GET /v5/account/info': accountInfo,
};

function publicEndpoint(ctx: WireContext, req: WireRequest): WireReply | undefined {
  const p = Object.fromEntries(req.query);
  const account = asAccountId(PUBLIC_ACCOUNT);
  switch (req.path) {
    case '/v5/market/time': {
      const now = ctx.now();
      return json(envelope({ timeSecond: String(Math.floor(now / 1000)), timeNano: `${now}000000` }, now));
    }
    case '/v5/market/instruments-info':
      if (p.category !== 'linear')
        return json(envelope({ category: p.category ?? '', list: [], nextPageCursor: '' }, ctx.now()));
      if (p.status !== undefined && p.status !== 'Trading')
        return json(envelope({ category: 'linear', list: [], nextPageCursor: '' }, ctx.now()));
      return answer(ctx, ctx.venue.server.loadMarkets(account), { call: 'query' }, (markets) => ({
        category: 'linear',
        list: markets.map(instrument),
        nextPageCursor: '',
      }));
    case '/v5/market/tickers': {
      const market = ctx.markets.market(p.symbol);
      if (market === undefined) return refuse(ctx, 10001, 'params error: symbol invalid');
      return answer(ctx, ctx.venue.server.fetchMarkPrice(account, market.symbol), { call: 'query' }, (mark) => ({
        category: 'linear',
        list: [ticker(market.symbol, { mark, last: ctx.venue.lastPrice(market.symbol) }, ctx.now())],
      }));
    }
    default:
      return undefined;
  }
}

/** Answers one Bybit request, or `undefined` when the path is not Bybit's. */
export function handleBybitRest(ctx: WireContext, req: WireRequest): WireReply | undefined {
  if (!req.path.startsWith('/v5/')) return undefined;
  const open = publicEndpoint(ctx, req);
  if (open !== undefined) return open;
  const handler = PRIVATE[`${req.method} ${req.path}`];
  if (handler === undefined)
    return json(errorEnvelope(10017, `route not found: ${req.method} ${req.path}`, ctx.now()), 404);
  const account = signedAccount(ctx, req);
  if (typeof account !== 'string') return account;
  const params = req.method === 'GET' ? Object.fromEntries(req.query) : jsonObject(req.body);
  if (params === undefined) return refuse(ctx, 10001, 'request body is not a JSON object');
  // Every private reply carries the per-UID, per-endpoint limit headers.
  return withHeaders(handler(ctx, params, account), ctx.limits.bybit(account, `${req.method} ${req.path}`));
}
