/**
 * Any other ccxt id: ccxt's unified calls and error classes as they are. Base URL overrides
 * move every REST URL of `urls.api` to the configured host (keeping each path) and every
 * WebSocket URL to the configured private-stream URL's host; stops use ccxt's unified
 * `triggerPrice` with `reduceOnly`; the position mode comes from `fetchPositionMode` where the
 * venue has it, else from the positions' `hedged` flags.
 *
 * @example
 * const profile = genericProfile; profile.orderArgs(request) // { type: 'market', params: { clientOrderId, reduceOnly: true, triggerPrice } }
 */
import type { Exchange } from 'ccxt';
import type { OrderRequest, PositionMode } from '../port.js';
import {
  field,
  infoOf,
  plainOrder,
  unlessNotFound,
  type OrderArgs,
  type UrlOverrides,
  type VenueProfile,
} from './venue-profile.js';

/** Replaces the origin of every URL under `node` whose scheme matches `schemes`. */
function rehost(node: unknown, origin: string, schemes: RegExp): unknown {
  if (typeof node === 'string') {
    if (!schemes.test(node)) return node;
    const path = node.replace(/^[a-z]+:\/\/[^/]+/i, '');
    return origin + path;
  }
  if (typeof node !== 'object' || node === null) return node;
  for (const [k, v] of Object.entries(node)) (node as Record<string, unknown>)[k] = rehost(v, origin, schemes);
  return node;
}

const originOf = (url: string): string => new URL(url).origin.replace(/^http/, url.startsWith('ws') ? 'ws' : 'http');

export const genericProfile: VenueProfile = {
  configure(ex) {
    ex.has.fetchCurrencies = false;
  },

  useTestnet(ex) {
    ex.setSandboxMode(true);
  },

  applyUrls(ex: Exchange, urls: UrlOverrides) {
    if (urls.rest !== undefined) rehost(ex.urls.api, originOf(urls.rest), /^https?:\/\//i);
    if (urls.ws !== undefined) rehost(ex.urls.api, originOf(urls.ws), /^wss?:\/\//i);
  },

  orderArgs(r: OrderRequest): OrderArgs {
    const params: Record<string, unknown> = { clientOrderId: r.clientOrderId };
    if (r.reduceOnly) params.reduceOnly = true;
    if (r.type === 'stop-market') params.triggerPrice = r.triggerPrice;
    return { type: r.type === 'limit' ? 'limit' : 'market', price: r.type === 'limit' ? r.price : undefined, params };
  },

  prepareOrder: plainOrder,

  async findOrder(ex, lookup, symbol) {
    if (lookup.venueOrderId !== undefined) return unlessNotFound(ex.fetchOrder(lookup.venueOrderId, symbol), undefined);
    return unlessNotFound(
      ex.fetchOrder(undefined as unknown as string, symbol, { clientOrderId: lookup.clientOrderId }),
      undefined,
    );
  },

  async cancel(ex, lookup, symbol) {
    return lookup.venueOrderId !== undefined
      ? ex.cancelOrder(lookup.venueOrderId, symbol)
      : ex.cancelOrder(undefined as unknown as string, symbol, { clientOrderId: lookup.clientOrderId });
  },

  openOrders: (ex, symbol) => ex.fetchOpenOrders(symbol),
  positions: (ex) => ex.fetchPositions(),
  positionsOf: (ex, symbol) => ex.fetchPositions([symbol]),

  async positionMode(ex): Promise<PositionMode> {
    if (ex.has.fetchPositionMode === true) return (await ex.fetchPositionMode()).hedged ? 'hedge' : 'one-way';
    return (await ex.fetchPositions()).some((p) => p.hedged === true) ? 'hedge' : 'one-way';
  },

  async markPrice(ex, symbol) {
    const t = await ex.fetchTicker(symbol);
    return t.markPrice ?? t.last;
  },

  positionSeq: () => undefined,
  hedgeIndex: () => undefined,
  tradeClientOrderId: (t) => field(infoOf(t), 'clientOrderId'),
  async connectStream() {},
};
