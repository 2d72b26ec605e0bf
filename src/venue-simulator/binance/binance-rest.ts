/**
 * Over 300 lines on purpose: Binance USD-M's REST endpoints as one table of routes, each a short translation.
 *
 * Binance USD-M's REST API over the simulated venue: the endpoints ccxt's `binanceusdm` calls
 * for linear perpetuals — exchange info and mark price; orders on `/fapi/v1/order`;
 * conditional (stop-market) orders on the Algo Service `/fapi/v1/algoOrder`, where Binance
 * moved them in December 2025; position risk (v2 and v3), position mode, leverage brackets;
 * listen keys. Receives one HTTP request; checks its signature; makes one call of the venue's
 * request side; answers in Binance's formats (19-digit order ids as JSON numbers).
 *
 * @example
 * const reply = handleBinanceRest(binance, request); // { kind: 'json', status: 200, body: { orderId: 8389765000001000001n, … } }
 */
import { asAccountId, asClientOrderId, asVenueOrderId, type AccountId } from '../../domain/ids.js';
import type { OrderLookup } from '../../exchange/port.js';
import type { CcxtOrder } from '../../exchange/sim/venue-replies.js';
import { orderFactsOf, positionFactsOf, type PositionFacts } from '../facts.js';
import { json, withHeaders, type WireReply, type WireRequest } from '../http-io.js';
import { PUBLIC_ACCOUNT } from '../wire-context.js';
import { simIdOfBinanceAlgoId, simIdOfBinanceOrderId } from '../wire-ids.js';
import { BINANCE_RULES, type TriggerBy } from '../../exchange/sim/venue-rules.js';
import { exchangeInfo, positionRisk, premiumIndex } from './binance-format.js';
import { binanceAlgoOrder, binanceOrder } from './binance-orders.js';
import { answer, error, keyedAccount, paramsOf, signedAccount, type BinanceWire } from './binance-wire.js';

type Params = Readonly<Record<string, string>>;
type Handler = (b: BinanceWire, p: Params, account: AccountId) => WireReply;

const isStop = (o: CcxtOrder): boolean => o.triggerPrice !== undefined;
const CONDITIONAL = new Set(['STOP', 'STOP_MARKET', 'TAKE_PROFIT', 'TAKE_PROFIT_MARKET', 'TRAILING_STOP_MARKET']);

function place(b: BinanceWire, p: Params, account: AccountId, algo: boolean): WireReply {
  const market = b.ctx.markets.market(p.symbol);
  if (market === undefined) return error(-1121, 'Invalid symbol.');
  const side = p.side === 'BUY' ? 'buy' : p.side === 'SELL' ? 'sell' : undefined;
  if (side === undefined) return error(-1102, "Mandatory parameter 'side' was not sent, was empty/null, or malformed.");
  const type = p.type ?? p.orderType ?? '';
  if (!algo && CONDITIONAL.has(type))
    return error(-4120, 'Order type not supported for this endpoint. Please use the Algo Order API endpoints instead.');
  if (algo && (p.algoType !== 'CONDITIONAL' || type !== 'STOP_MARKET'))
    return error(-1116, 'Invalid orderType. The simulator supports CONDITIONAL STOP_MARKET algo orders only.');
  if (!algo && type !== 'MARKET' && type !== 'LIMIT') return error(-1116, 'Invalid orderType.');
  const amount = Number(p.quantity);
  if (!Number.isFinite(amount) || amount <= 0)
    return error(-1102, "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed.");
  const trigger = Number(p.triggerPrice ?? p.stopPrice);
  if (algo && !Number.isFinite(trigger))
    return error(-1102, "Mandatory parameter 'triggerPrice' was not sent, was empty/null, or malformed.");
  if (p.workingType !== undefined && !(p.workingType in WORKING_TYPES))
    return error(-1130, "Data sent for parameter 'workingType' is not valid.");
  const cid = (algo ? p.clientAlgoId : p.newClientOrderId) ?? `sim-${b.ctx.now()}`;
  const reply = b.ctx.venue.server.createOrder(
    account,
    {
      symbol: market.symbol,
      side,
      type: algo ? 'stop-market' : type === 'LIMIT' ? 'limit' : 'market',
      amount,
      clientOrderId: asClientOrderId(cid),
      reduceOnly: p.reduceOnly === 'true',
      ...(type === 'LIMIT' ? { price: Number(p.price) } : {}),
      ...(algo ? { triggerPrice: trigger } : {}),
    },
    { rules: BINANCE_RULES, triggerBy: p.workingType === undefined ? undefined : WORKING_TYPES[p.workingType] },
  );
  return answer(b, reply, { call: 'create', side, stop: algo }, (body) => {
    if (!('symbol' in body)) {
      // The minimal-reply fault: the ids only.
      return json(
        algo
          ? { algoId: BigInt(body.id), clientAlgoId: body.clientOrderId }
          : { orderId: b.orderIdBase + BigInt(body.id), clientOrderId: body.clientOrderId },
      );
    }
    return json(
      algo
        ? binanceAlgoOrder(orderFactsOf(body), b.orderIdBase)
        : binanceOrder(orderFactsOf(body), b.orderIdBase, 'create'),
    );
  });
}

/** Binance's `workingType`: the price a stop fires on (CONTRACT_PRICE is the last price, and the default). */
const WORKING_TYPES: Readonly<Record<string, TriggerBy>> = { MARK_PRICE: 'mark', CONTRACT_PRICE: 'last' };

/**
 * Which orders an endpoint sees: the Algo Service its stops until they trigger; `/fapi/v1/order`
 * regular orders and the actual orders of triggered stops (unverified: whether a triggered algo
 * order still answers on the algo endpoints is not documented; the simulator answers there too).
 */
function visibleOn(o: CcxtOrder, algo: boolean): boolean {
  return algo ? isStop(o) : !isStop(o) || o.info?.triggeredAt !== undefined;
}

function lookupOf(b: BinanceWire, p: Params, algo: boolean): OrderLookup | undefined {
  const id = algo ? p.algoId : p.orderId;
  if (id !== undefined) {
    const sim = algo ? simIdOfBinanceAlgoId(id) : simIdOfBinanceOrderId(id, b.orderIdBase);
    return { venueOrderId: asVenueOrderId(sim ?? b.ctx.unknownId(id)) };
  }
  const cid = algo ? p.clientAlgoId : (p.origClientOrderId ?? p.clientOrderId);
  return cid === undefined ? undefined : { clientOrderId: asClientOrderId(cid) };
}

function symbolOf(b: BinanceWire, p: Params, account: AccountId, lookup: OrderLookup): string {
  return (
    b.ctx.markets.market(p.symbol)?.symbol ??
    b.ctx.symbolOfOrder(
      account,
      lookup.venueOrderId !== undefined ? { id: lookup.venueOrderId } : { clientOrderId: lookup.clientOrderId },
    ) ??
    b.ctx.markets.specs[0]?.symbol ??
    ''
  );
}

function query(b: BinanceWire, p: Params, account: AccountId, algo: boolean): WireReply {
  const lookup = lookupOf(b, p, algo);
  if (lookup === undefined)
    return error(
      -1102,
      `Mandatory parameter '${algo ? 'algoId' : 'orderId'}' was not sent, was empty/null, or malformed.`,
    );
  const reply = b.ctx.venue.server.fetchOrder(account, lookup, symbolOf(b, p, account, lookup));
  return answer(b, reply, { call: 'query' }, (o) => {
    if (o === undefined || !visibleOn(o, algo)) return error(-2013, 'Order does not exist.');
    return json(algo ? binanceAlgoOrder(orderFactsOf(o), b.orderIdBase) : binanceOrder(orderFactsOf(o), b.orderIdBase));
  });
}

function cancel(b: BinanceWire, p: Params, account: AccountId, algo: boolean): WireReply {
  const lookup = lookupOf(b, p, algo);
  if (lookup === undefined)
    return error(
      -1102,
      `Mandatory parameter '${algo ? 'algoId' : 'orderId'}' was not sent, was empty/null, or malformed.`,
    );
  const known = b.ctx.venue
    .orders(account)
    .filter((o) =>
      lookup.venueOrderId !== undefined ? o.id === lookup.venueOrderId : o.clientOrderId === lookup.clientOrderId,
    )
    .at(-1);
  // An algo order that triggered is cancelled through its actual order (unverified; see visibleOn).
  if (known !== undefined && (!visibleOn(known, algo) || (algo && known.info?.triggeredAt !== undefined)))
    return error(-2011, 'Unknown order sent.');
  const reply = b.ctx.venue.server.cancelOrder(account, lookup, symbolOf(b, p, account, lookup));
  return answer(b, reply, { call: 'cancel' }, (ids) => {
    if (algo) return json({ algoId: BigInt(ids.id), clientAlgoId: ids.clientOrderId, code: '200', msg: 'success' });
    const order = b.ctx.venue.orders(account).find((o) => o.id === ids.id);
    return order === undefined
      ? error(-2011, 'Unknown order sent.')
      : json(binanceOrder(orderFactsOf(order), b.orderIdBase));
  });
}

function openOrders(b: BinanceWire, p: Params, account: AccountId, algo: boolean): WireReply {
  const symbol = b.ctx.markets.market(p.symbol)?.symbol;
  if (p.symbol !== undefined && symbol === undefined) return error(-1121, 'Invalid symbol.');
  return answer(b, b.ctx.venue.server.fetchOpenOrders(account, symbol), { call: 'query' }, ({ items }) =>
    json(
      items
        .filter((o) => (algo ? isStop(o) && o.status === 'open' : visibleOn(o, false)))
        .map((o) =>
          algo ? binanceAlgoOrder(orderFactsOf(o), b.orderIdBase) : binanceOrder(orderFactsOf(o), b.orderIdBase),
        ),
    ),
  );
}

function positions(version: 2 | 3): Handler {
  return (b, p, account) => {
    const market = b.ctx.markets.market(p.symbol);
    if (p.symbol !== undefined && market === undefined) return error(-1121, 'Invalid symbol.');
    const mode = b.ctx.venue.positionMode(account);
    return answer(b, b.ctx.venue.server.fetchPositions(account), { call: 'query' }, ({ items }) => {
      const facts = items.map(positionFactsOf);
      const flat = (symbol: string): PositionFacts => ({
        symbol,
        size: 0,
        entryPrice: undefined,
        markPrice: b.ctx.venue.markPrice(symbol),
        seq: 0,
        updatedAt: 0,
      });
      const of = (symbol: string): PositionFacts => facts.find((f) => f.symbol === symbol) ?? flat(symbol);
      // v2 lists every symbol; v3 only those holding a position (one symbol when asked for it).
      const chosen =
        market !== undefined
          ? [of(market.symbol)]
          : version === 2
            ? b.ctx.markets.specs.map((m) => of(m.symbol))
            : facts.filter((f) => f.size !== 0);
      return json(chosen.flatMap((f) => positionRisk(f, mode, version)));
    });
  };
}

const PRIVATE: Readonly<Record<string, Handler>> = {
  'POST /fapi/v1/order': (b, p, a) => place(b, p, a, false),
  'GET /fapi/v1/order': (b, p, a) => query(b, p, a, false),
  'DELETE /fapi/v1/order': (b, p, a) => cancel(b, p, a, false),
  'GET /fapi/v1/openOrders': (b, p, a) => openOrders(b, p, a, false),
  'POST /fapi/v1/algoOrder': (b, p, a) => place(b, p, a, true),
  'GET /fapi/v1/algoOrder': (b, p, a) => query(b, p, a, true),
  'DELETE /fapi/v1/algoOrder': (b, p, a) => cancel(b, p, a, true),
  'GET /fapi/v1/openAlgoOrders': (b, p, a) => openOrders(b, p, a, true),
  'GET /fapi/v1/positionSide/dual': (b, _p, a) =>
    answer(b, b.ctx.venue.server.fetchPositionMode(a), { call: 'query' }, (mode) =>
      json({ dualSidePosition: mode === 'hedge' }),
    ),
  'GET /fapi/v1/leverageBracket': (b, p) =>
    json(
      b.ctx.markets.specs
        .filter((m) => p.symbol === undefined || b.ctx.markets.id(m.symbol) === p.symbol)
        .map((m) => ({
          symbol: b.ctx.markets.id(m.symbol),
          notionalCoef: 1,
          brackets: [
            {
              bracket: 1,
              initialLeverage: 50,
              notionalCap: 5_000_000,
              notionalFloor: 0,
              maintMarginRatio: 0.01,
              cum: 0,
            },
          ],
        })),
    ),
  'GET /fapi/v2/positionRisk': positions(2),
  'GET /fapi/v3/positionRisk': positions(3),
};

function listenKey(b: BinanceWire, req: WireRequest): WireReply {
  const account = keyedAccount(b, req);
  if (typeof account !== 'string') return account;
  const now = b.ctx.now();
  switch (req.method) {
    case 'POST':
      return json({ listenKey: b.listenKeys.open(account, now) });
    case 'PUT': {
      const failing = b.ctx.venue.faults.take('listenKeyKeepAliveFailure', account) !== undefined;
      const key = failing ? undefined : b.listenKeys.extend(account, now);
      return key === undefined ? error(-1125, 'This listenKey does not exist.') : json({ listenKey: key });
    }
    case 'DELETE':
      b.listenKeys.closeFor(account);
      return json({});
    default:
      return error(-1100, 'Illegal characters found in a parameter.', 405);
  }
}

function publicEndpoint(b: BinanceWire, req: WireRequest): WireReply | undefined {
  const account = asAccountId(PUBLIC_ACCOUNT);
  const now = b.ctx.now();
  switch (req.path) {
    case '/fapi/v1/ping':
      return json({});
    case '/fapi/v1/time':
      return json({ serverTime: now });
    case '/fapi/v1/exchangeInfo':
      return answer(b, b.ctx.venue.server.loadMarkets(account), { call: 'query' }, (markets) =>
        json(exchangeInfo(markets, now)),
      );
    case '/fapi/v1/premiumIndex': {
      const market = b.ctx.markets.market(req.query.get('symbol'));
      if (market === undefined) return error(-1121, 'Invalid symbol.');
      return answer(b, b.ctx.venue.server.fetchMarkPrice(account, market.symbol), { call: 'query' }, (mark) =>
        json(premiumIndex(market.symbol, mark, now)),
      );
    }
    default:
      return undefined;
  }
}

/** Answers one Binance USD-M request, or `undefined` when the path is not Binance's; every reply carries the used weight. */
export function handleBinanceRest(b: BinanceWire, req: WireRequest): WireReply | undefined {
  if (!req.path.startsWith('/fapi/')) return undefined;
  const order = req.path === '/fapi/v1/order' || req.path === '/fapi/v1/algoOrder';
  return withHeaders(route(b, req), b.ctx.limits.binance(weightOf(req), order && req.method === 'POST'));
}

/**
 * Request weights of the endpoints that weigh more than 1 (Binance's endpoint pages): position
 * risk 5; open orders (regular or algo) 1 for one symbol, 40 without one. Neither list is paged.
 */
const WEIGHTS: Readonly<Record<string, number>> = {
  '/fapi/v1/exchangeInfo': 1,
  '/fapi/v2/positionRisk': 5,
  '/fapi/v3/positionRisk': 5,
};
const ALL_SYMBOLS_WEIGHTS: Readonly<Record<string, number>> = {
  '/fapi/v1/openOrders': 40,
  '/fapi/v1/openAlgoOrders': 40,
};

function weightOf(req: WireRequest): number {
  const allSymbols = ALL_SYMBOLS_WEIGHTS[req.path];
  if (allSymbols !== undefined && req.method === 'GET' && !paramsOf(req).symbol) return allSymbols;
  return WEIGHTS[req.path] ?? 1;
}

function route(b: BinanceWire, req: WireRequest): WireReply {
  const open = publicEndpoint(b, req);
  if (open !== undefined) return open;
  if (req.path === '/fapi/v1/listenKey') return listenKey(b, req);
  const handler = PRIVATE[`${req.method} ${req.path}`];
  if (handler === undefined) return error(-1000, `the simulator does not serve ${req.method} ${req.path}`, 404);
  const account = signedAccount(b, req);
  if (typeof account !== 'string') return account;
  return handler(b, paramsOf(req), account);
}
