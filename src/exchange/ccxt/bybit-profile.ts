/**
 * Bybit v5 (ccxt `bybit`), linear USDT perpetuals on a unified account. Options that skip the
 * endpoints posguard does not need (currencies, spot/inverse/option markets, the account-type
 * probes, the REST snapshot before `watchPositions`); base URLs in `urls.api.*` and
 * `urls.api.ws.private.*` (the private path must contain `v5/private`); `retCode` refusals;
 * stops as `triggerPrice` + `triggerDirection` + `reduceOnly` + `closeOnTrigger` (+ `triggerBy`); the
 * venue's `orderStatus`, `rejectReason`/`cancelType` kept on the report; orders found
 * by id through `/v5/order/realtime` (any status when queried by id), then `/v5/order/history`;
 * a symbol's positions through `/v5/position/list?symbol=` (flat ones included); the position
 * list and open orders read page after page (bybit-pages.ts); the position mode read from `positionIdx`.
 *
 * @example
 * bybitProfile.orderArgs({ type: 'stop-market', side: 'sell', triggerPrice: 0.21, reduceOnly: true, … })
 * // { type: 'market', params: { triggerPrice: 0.21, triggerDirection: 'descending', reduceOnly: true, closeOnTrigger: true, clientOrderId } }
 */
import type { Exchange, Position } from 'ccxt';
import type { OrderLookup, OrderRequest, PositionMode, TriggerBy } from '../port.js';
import { BYBIT_PAGE, cursorParam, everyPage } from './bybit-pages.js';
import { BYBIT_CODES } from './venue-codes.js';
import {
  base,
  field,
  price,
  first,
  infoOf,
  plainOrder,
  type CodedRefusal,
  type OrderArgs,
  type UrlOverrides,
  type VenueProfile,
} from './venue-profile.js';

/** The parts of ccxt's pro `bybit` the stream needs that its base type does not declare. */
interface BybitPro {
  getUrlByMarketType(
    symbol: string | undefined,
    isPrivate: boolean,
    method: string,
    params: Record<string, unknown>,
  ): Promise<string>;
  authenticate(url: string): Promise<unknown>;
}

/** The topics posguard's stream subscribes to on Bybit's private WebSocket. */
const STREAM_TOPICS = ['order', 'position', 'execution'];
/** Topics the venue acknowledged, per ccxt WebSocket client (a new connection starts empty). */
const ACKED = new WeakMap<object, Set<string>>();

interface WsMessageHook {
  handleMessage(client: { subscriptions: Record<string, unknown> }, message: unknown): unknown;
}

/** Notes Bybit's `{ op: 'subscribe', success: true, req_id }` acknowledgements per connection. */
function trackSubscriptions(ex: Exchange): void {
  const hooked = ex as unknown as WsMessageHook;
  const handle = hooked.handleMessage.bind(ex);
  hooked.handleMessage = (client, message) => {
    const m = (typeof message === 'object' && message !== null ? message : {}) as Record<string, unknown>;
    if (m.op === 'subscribe' && m.success === true) {
      const acked = ACKED.get(client) ?? new Set<string>();
      for (const sub of Object.values(client.subscriptions)) {
        const s = (typeof sub === 'object' && sub !== null ? sub : {}) as { id?: unknown; topics?: unknown };
        if (String(s.id) === String(m.req_id) && Array.isArray(s.topics))
          for (const t of s.topics) acked.add(String(t));
      }
      ACKED.set(client, acked);
    }
    return handle(client, message);
  };
}

function lookupParams(lookup: OrderLookup): Record<string, string> {
  return lookup.venueOrderId !== undefined ? { orderId: lookup.venueOrderId } : { orderLinkId: lookup.clientOrderId };
}

function linearSymbol(ex: Exchange): string | undefined {
  const markets = Object.values(ex.markets ?? {}) as { symbol?: unknown; linear?: unknown; swap?: unknown }[];
  const linear = markets.find((m) => m.linear === true && m.swap === true);
  return typeof linear?.symbol === 'string' ? linear.symbol : undefined;
}

/**
 * Bybit statuses ccxt's unified one gets wrong for posguard: a triggered conditional order is in
 * the matching engine (executing, ccxt says `open`); `PartiallyFilledCanceled` (spot: a capped
 * market order) ended with a partial fill (ccxt says `closed`, read as fully filled).
 */
const STATUS_FROM_VENUE: Readonly<Record<string, string>> = {
  Triggered: 'triggered',
  PartiallyFilledCanceled: 'canceled',
};

export const bybitProfile: VenueProfile = {
  codes: BYBIT_CODES,

  configure(ex) {
    trackSubscriptions(ex);
    ex.has.fetchCurrencies = false;
    ex.options.fetchMarkets = { ...(ex.options.fetchMarkets as object), types: ['linear'] };
    ex.options.enableUnifiedAccount = true;
    ex.options.enableUnifiedMargin = false;
    ex.options.watchPositions = {
      ...(ex.options.watchPositions as object),
      fetchPositionsSnapshot: false,
      awaitPositionsSnapshot: false,
    };
  },

  useTestnet(ex) {
    ex.setSandboxMode(true);
  },

  applyUrls(ex, urls: UrlOverrides) {
    if (urls.rest !== undefined) {
      for (const key of ['public', 'private', 'spot', 'futures', 'v2']) ex.urls.api[key] = base(urls.rest);
    }
    if (urls.ws !== undefined) {
      const ws = ex.urls.api.ws as { private: Record<string, unknown> };
      ws.private.contract = urls.ws;
      ws.private.usdc = urls.ws;
      ws.private.spot = { ...(ws.private.spot as object), unified: urls.ws };
    }
    if (urls.publicWs !== undefined)
      (ex.urls.api.ws as { public: Record<string, unknown> }).public.linear = urls.publicWs;
  },

  refusalOf(response): CodedRefusal | undefined {
    if (typeof response !== 'object' || response === null) return undefined;
    const r = response as Record<string, unknown>;
    const code = field(r, 'retCode') ?? field(r, 'ret_code');
    if (code === undefined || code === '0' || code === '30084') return undefined;
    return { code, message: field(r, 'retMsg') ?? field(r, 'ret_msg') ?? '' };
  },

  orderArgs(r: OrderRequest, triggerBy?: TriggerBy): OrderArgs {
    const params: Record<string, unknown> = { clientOrderId: r.clientOrderId };
    if (r.reduceOnly) params.reduceOnly = true;
    if (r.hedgeIndex !== undefined) params.positionIdx = r.hedgeIndex;
    if (r.type === 'stop-market') {
      params.triggerPrice = r.triggerPrice;
      // A sell stop protects a long: it fires when the price falls; a buy stop when it rises.
      params.triggerDirection = r.side === 'sell' ? 'descending' : 'ascending';
      if (triggerBy !== undefined) params.triggerBy = triggerBy === 'mark' ? 'MarkPrice' : 'LastPrice';
      if (r.reduceOnly) params.closeOnTrigger = true;
    }
    return { type: r.type === 'limit' ? 'limit' : 'market', price: r.type === 'limit' ? r.price : undefined, params };
  },

  prepareOrder(order) {
    const info = infoOf(order);
    const venueStatus = field(info, 'orderStatus');
    const rejectReason = field(info, 'rejectReason');
    const cancelType = field(info, 'cancelType');
    const reason =
      rejectReason !== undefined && rejectReason !== 'EC_NoError'
        ? rejectReason
        : cancelType !== undefined && cancelType !== 'UNKNOWN'
          ? cancelType
          : undefined;
    const status = venueStatus === undefined ? undefined : STATUS_FROM_VENUE[venueStatus];
    return {
      ...plainOrder(order),
      ...(status === undefined ? {} : { status }),
      ...(venueStatus === undefined ? {} : { venueStatus }),
      ...(reason === undefined ? {} : { rejectReason: reason }),
    };
  },

  async findOrder(ex, lookup, symbol) {
    const params = lookupParams(lookup);
    const live = first(await ex.fetchOpenOrders(symbol, undefined, undefined, params));
    if (live !== undefined) return live;
    return first(await ex.fetchCanceledAndClosedOrders(symbol, undefined, undefined, params));
  },

  async cancel(ex, lookup, symbol) {
    return lookup.venueOrderId !== undefined
      ? ex.cancelOrder(lookup.venueOrderId, symbol)
      : ex.cancelOrder(undefined as unknown as string, symbol, { orderLinkId: lookup.clientOrderId });
  },

  openOrders: (ex, symbol) =>
    everyPage(
      (cursor) => ex.fetchOpenOrders(symbol, undefined, BYBIT_PAGE.openOrders, cursorParam(cursor)),
      BYBIT_PAGE.openOrders,
    ),
  positions: (ex) =>
    everyPage(
      (cursor) => ex.fetchPositions(undefined, { limit: BYBIT_PAGE.positions, ...cursorParam(cursor) }),
      BYBIT_PAGE.positions,
    ),
  positionsOf: (ex, symbol) => ex.fetchPositions([symbol]),

  async positionMode(ex): Promise<PositionMode> {
    const symbol = linearSymbol(ex);
    const records: Position[] = [
      ...(symbol === undefined ? [] : await ex.fetchPositions([symbol])),
      ...(await ex.fetchPositions()),
    ];
    return records.some((p) => !['0', undefined].includes(field(infoOf(p), 'positionIdx'))) ? 'hedge' : 'one-way';
  },

  async markPrice(ex, symbol) {
    return (await ex.fetchTicker(symbol)).markPrice;
  },

  // `tickers.{symbol}` on the public linear stream: mark and last, `ts` the venue's time.
  async watchTicker(ex, symbol) {
    const t = await ex.watchTicker(symbol);
    return { mark: price(t.markPrice), last: price(t.last), venueTime: t.timestamp };
  },

  positionSeq(p) {
    const seq = Number(field(infoOf(p), 'seq'));
    return Number.isSafeInteger(seq) && seq >= 0 ? seq : undefined;
  },

  hedgeIndex(p) {
    const idx = field(infoOf(p), 'positionIdx');
    return idx === '1' ? 1 : idx === '2' ? 2 : undefined;
  },

  tradeClientOrderId: (t) => field(infoOf(t), 'orderLinkId'),

  async connectStream(ex) {
    const pro = ex as unknown as BybitPro;
    await pro.authenticate(await pro.getUrlByMarketType(undefined, true, 'watchOrders', {}));
  },

  streamReady(ex) {
    return Object.values(ex.clients ?? {}).some((client) => {
      const acked = ACKED.get(client);
      return client.url.includes('v5/private') && acked !== undefined && STREAM_TOPICS.every((t) => acked.has(t));
    });
  },
};
