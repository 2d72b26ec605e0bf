/**
 * Binance USD-M (ccxt `binanceusdm`). Options that skip the `/sapi` currency calls and the REST
 * snapshot before `watchPositions`; base URLs in `urls.api.fapi*` and `urls.api.ws.future`;
 * `code` refusals (negative numbers). Stops are `STOP_MARKET` orders of the Algo Service
 * (`/fapi/v1/algoOrder`), which has ids of its own: posguard names them `algo:<algoId>` so that
 * a venue order id stays unique; their status and executed quantity are read from Binance's own
 * fields (binance-algo.ts), over REST with the triggered stop's actual order attached, and the
 * price that fires them is sent as `workingType`. Client order ids are unique only among open orders, so a
 * lookup by client id asks both services (stops first for a stop's id). A symbol's flat
 * position comes from `/fapi/v2/positionRisk?symbol=` (v3 lists held positions only); the
 * position mode from `dualSidePosition`. (ccxt's `fetchPositions` leaves out every record whose
 * entry price is 0, so a flat record is read from the endpoint directly.)
 *
 * @example
 * binanceProfile.prepareOrder(order) // { …order, id: 'algo:3358' } for a conditional order
 */
import type { Exchange, Order, Position } from 'ccxt';
import { parseClientOrderId } from '../../domain/client-order-id.js';
import type { OrderLookup, OrderRequest, PositionMode, TriggerBy } from '../port.js';
import { actualOrderIdOf, algoIdOf, algoIdOfRecord, algoOrder } from './binance-algo.js';
import { hookBinanceStream } from './binance-stream-hooks.js';
import { BINANCE_CODES } from './venue-codes.js';
import {
  base,
  field,
  price,
  infoOf,
  plainOrder,
  unlessNotFound,
  type CodedRefusal,
  type OrderArgs,
  type UrlOverrides,
  type VenueProfile,
} from './venue-profile.js';

/** The implicit endpoint and parser of ccxt's `binance` the flat-position query needs. */
interface BinanceImplicit {
  fapiPrivateV2GetPositionRisk(params: Record<string, string>): Promise<unknown>;
  parsePositionRisk(raw: unknown): Position;
}

/** True when a client order id is one of posguard's stops (placed through the Algo Service). */
function isStopId(clientOrderId: string): boolean {
  const role = parseClientOrderId(clientOrderId)?.role;
  return role !== undefined && role.startsWith('stop');
}

/**
 * A triggered algo order with its actual order attached (`actualOrder`), which alone says how
 * much the matching engine executed: the Algo Service's REST record does not.
 */
async function withActualOrder(ex: Exchange, order: Order, symbol: string): Promise<Order> {
  const info = infoOf(order);
  const actualId = actualOrderIdOf(info);
  if (algoIdOfRecord(info) === undefined || actualId === undefined || field(info, 'aq') !== undefined) return order;
  const actual = await unlessNotFound(ex.fetchOrder(actualId, symbol), BINANCE_CODES);
  return actual === undefined ? order : { ...order, info: { ...info, actualOrder: infoOf(actual) } };
}

async function byClientId(ex: Exchange, cid: string, symbol: string, algoFirst: boolean): Promise<Order | undefined> {
  const algo = async () => {
    const found = await unlessNotFound(
      ex.fetchOrder(undefined as unknown as string, symbol, { clientOrderId: cid, trigger: true }),
      BINANCE_CODES,
    );
    return found === undefined ? undefined : withActualOrder(ex, found, symbol);
  };
  const regular = () =>
    unlessNotFound(ex.fetchOrder(undefined as unknown as string, symbol, { origClientOrderId: cid }), BINANCE_CODES);
  const [one, other] = algoFirst ? [algo, regular] : [regular, algo];
  return (await one()) ?? (await other());
}

/** ccxt.pro's Binance mark price stream (not in ccxt's `Exchange` type). */
interface MarkPriceWatcher {
  watchMarkPrice(symbol: string): Promise<{ readonly markPrice?: number; readonly timestamp?: number }>;
}

export const binanceProfile: VenueProfile = {
  codes: BINANCE_CODES,

  configure(ex) {
    hookBinanceStream(ex);
    ex.has.fetchCurrencies = false;
    ex.options.fetchCurrencies = false;
    ex.options.fetchMarkets = { ...(ex.options.fetchMarkets as object), types: ['linear'] };
    ex.options.warnOnFetchOpenOrdersWithoutSymbol = false;
    ex.options.watchPositions = {
      ...(ex.options.watchPositions as object),
      fetchPositionsSnapshot: false,
      awaitPositionsSnapshot: false,
    };
  },

  useTestnet(ex) {
    // ccxt refuses Binance's futures testnet host; the futures testnet is now "demo trading".
    ex.enableDemoTrading(true);
  },

  applyUrls(ex, urls: UrlOverrides) {
    if (urls.rest !== undefined) {
      const rest = base(urls.rest);
      Object.assign(ex.urls.api, {
        fapiPublic: `${rest}/fapi/v1`,
        fapiPublicV2: `${rest}/fapi/v2`,
        fapiPublicV3: `${rest}/fapi/v3`,
        fapiPrivate: `${rest}/fapi/v1`,
        fapiPrivateV2: `${rest}/fapi/v2`,
        fapiPrivateV3: `${rest}/fapi/v3`,
        fapiData: `${rest}/futures/data`,
      });
    }
    if (urls.ws !== undefined) (ex.urls.api.ws as Record<string, unknown>).future = urls.ws;
  },

  refusalOf(response, headers): CodedRefusal | undefined {
    if (typeof response !== 'object' || response === null || Array.isArray(response)) return undefined;
    const code = field(response as Record<string, unknown>, 'code');
    if (code === undefined || !/^-\d+$/.test(code)) return undefined;
    const retryAfter = Number(headers['Retry-After'] ?? headers['retry-after']);
    return {
      code,
      message: field(response as Record<string, unknown>, 'msg') ?? '',
      ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1_000 } : {}),
    };
  },

  orderArgs(r: OrderRequest, triggerBy?: TriggerBy): OrderArgs {
    const params: Record<string, unknown> = { clientOrderId: r.clientOrderId };
    if (r.reduceOnly) params.reduceOnly = true;
    if (r.hedgeIndex !== undefined) params.positionSide = r.hedgeIndex === 1 ? 'LONG' : 'SHORT';
    if (r.type === 'stop-market') {
      params.triggerPrice = r.triggerPrice;
      if (triggerBy !== undefined) params.workingType = triggerBy === 'mark' ? 'MARK_PRICE' : 'CONTRACT_PRICE';
    }
    return { type: r.type === 'limit' ? 'limit' : 'market', price: r.type === 'limit' ? r.price : undefined, params };
  },

  prepareOrder(order) {
    const info = infoOf(order);
    if (algoIdOfRecord(info) !== undefined) return algoOrder(order);
    const venueStatus = field(info, 'status') ?? field(info, 'X');
    return { ...plainOrder(order), ...(venueStatus === undefined ? {} : { venueStatus }) };
  },

  async findOrder(ex, lookup: OrderLookup, symbol) {
    if (lookup.venueOrderId !== undefined) {
      const algoId = algoIdOf(lookup.venueOrderId);
      if (algoId === undefined) return unlessNotFound(ex.fetchOrder(lookup.venueOrderId, symbol), BINANCE_CODES);
      const found = await unlessNotFound(ex.fetchOrder(algoId, symbol, { trigger: true }), BINANCE_CODES);
      return found === undefined ? undefined : withActualOrder(ex, found, symbol);
    }
    return byClientId(ex, lookup.clientOrderId, symbol, isStopId(lookup.clientOrderId));
  },

  async cancel(ex, lookup, symbol) {
    if (lookup.venueOrderId !== undefined) {
      const algoId = algoIdOf(lookup.venueOrderId);
      return algoId !== undefined
        ? ex.cancelOrder(algoId, symbol, { trigger: true })
        : ex.cancelOrder(lookup.venueOrderId, symbol);
    }
    const cid = lookup.clientOrderId;
    return isStopId(cid)
      ? ex.cancelOrder(undefined as unknown as string, symbol, { clientOrderId: cid, trigger: true })
      : ex.cancelOrder(undefined as unknown as string, symbol, { origClientOrderId: cid });
  },

  async openOrders(ex, symbol) {
    const [regular, conditional] = await Promise.all([
      ex.fetchOpenOrders(symbol),
      ex.fetchOpenOrders(symbol, undefined, undefined, { trigger: true }),
    ]);
    return [
      ...regular,
      ...(await Promise.all(conditional.map((o) => withActualOrder(ex, o, o.symbol ?? symbol ?? '')))),
    ];
  },

  positions: (ex) => ex.fetchPositions(),

  async positionsOf(ex, symbol) {
    // ccxt's fetchPositions drops every record whose entryPrice is 0, flat ones included:
    // read the symbol's record from position risk v2 directly.
    const binance = ex as unknown as BinanceImplicit;
    const id = (ex.markets?.[symbol] as { id?: string } | undefined)?.id;
    if (id === undefined) return [];
    const raw: unknown = await binance.fapiPrivateV2GetPositionRisk({ symbol: id });
    return (Array.isArray(raw) ? raw : [])
      .map((r: unknown) => binance.parsePositionRisk(r))
      .filter((p) => p.symbol === symbol);
  },

  async positionMode(ex): Promise<PositionMode> {
    return (await ex.fetchPositionMode()).hedged ? 'hedge' : 'one-way';
  },

  async markPrice(ex, symbol) {
    return (await ex.fetchMarkPrice(symbol)).markPrice;
  },

  // `<symbol>@markPrice@1s`: the mark alone (a stop triggered on the last price fetches its check), `E` the venue's time.
  async watchTicker(ex, symbol) {
    const t = await (ex as unknown as MarkPriceWatcher).watchMarkPrice(symbol);
    return { mark: price(t.markPrice), last: undefined, venueTime: t.timestamp };
  },

  positionSeq: () => undefined,

  positionTime(p) {
    // Stream records carry the transaction time (stamped by binance-stream-hooks.ts), REST ones updateTime.
    const t = Number(field(infoOf(p), 'T') ?? field(infoOf(p), 'updateTime'));
    return Number.isSafeInteger(t) && t > 0 ? t : undefined;
  },

  hedgeIndex(p) {
    const side = field(infoOf(p), 'positionSide') ?? field(infoOf(p), 'ps');
    return side === 'LONG' ? 1 : side === 'SHORT' ? 2 : undefined;
  },

  tradeClientOrderId: (t) => field(infoOf(t), 'c') ?? field(infoOf(t), 'clientOrderId'),

  async connectStream() {
    // The user-data stream needs no subscription: ccxt creates the listen key in each watch.
  },
};
