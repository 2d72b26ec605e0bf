/**
 * The wire simulator's admin endpoint (`/admin/...`, JSON): sets, lists and clears the
 * venue's fault rules (the JSON rules of `faultRuleSchema`), sets a mark price or the position
 * mode of an account, opens a position as another program would (for orphan tests), and reads
 * the venue's request record, orders and positions. Receives one HTTP request; touches the
 * simulated venue. Bound to the simulator's host (127.0.0.1 by default); an optional bearer
 * token guards it.
 *
 * Routes: `GET /admin`, `GET|POST|DELETE /admin/faults`, `DELETE /admin/faults/:id`,
 * `POST /admin/price` (mark and last together), `POST /admin/prices` (`mark` and/or `last`),
 * `POST /admin/position-mode`, `POST /admin/external-position`, `POST /admin/listen-keys/expire`
 * (Binance keys of an account expire now), `POST /admin/stream` (a raw venue message pushed to
 * an account's private streams of one format), `GET /admin/requests?account=&method=&since=`,
 * `GET /admin/orders?account=`, `GET /admin/positions?account=&symbol=`.
 *
 * @example
 * curl -XPOST 127.0.0.1:9001/admin/faults -d '{"fault":{"kind":"restLag","ms":5000}}'
 */
import { InvalidFaultRule, type FaultRule } from '../exchange/sim/faults.js';
import { PORT_METHODS, type PortMethod } from '../exchange/sim/venue-replies.js';
import { header, json, jsonObject, type WireReply, type WireRequest } from './http-io.js';
import type { WireContext } from './wire-context.js';

/** What `GET /admin` describes: where to point an account. */
export interface AdminInfo {
  readonly [key: string]: unknown;
}

/** What the admin endpoint may do beyond the venue itself. */
export interface AdminActions {
  /** Lets the account's Binance listen keys expire now; returns how many. */
  expireListenKeys(account: string): number;
}

const bad = (reason: string, status = 400): WireReply => json({ error: reason }, status);

function requests(ctx: WireContext, q: URLSearchParams): WireReply {
  const method = q.get('method') ?? undefined;
  if (method !== undefined && !(PORT_METHODS as readonly string[]).includes(method))
    return bad(`unknown method ${method}; one of ${PORT_METHODS.join(', ')}`);
  const since = q.get('since');
  return json(
    ctx.venue.requests({
      ...(q.get('account') === null ? {} : { account: q.get('account') ?? '' }),
      ...(method === undefined ? {} : { method: method as PortMethod }),
      ...(since === null ? {} : { since: Number(since) }),
    }),
  );
}

function faults(ctx: WireContext, req: WireRequest, id: string | undefined): WireReply {
  if (req.method === 'GET') return json(ctx.venue.faults.list());
  if (req.method === 'DELETE') {
    ctx.venue.faults.clear(id);
    return json({ cleared: id ?? 'all' });
  }
  if (req.method !== 'POST') return bad('use GET, POST or DELETE', 405);
  const body = jsonObject(req.body);
  if (body === undefined) return bad('the body must be one fault rule as a JSON object');
  try {
    return json({ id: ctx.venue.faults.set(body as FaultRule) }, 201);
  } catch (e) {
    if (e instanceof InvalidFaultRule) return bad(e.message);
    throw e;
  }
}

type PostRoute = 'price' | 'prices' | 'position-mode' | 'external-position' | 'listen-keys' | 'stream';

function post(ctx: WireContext, req: WireRequest, what: PostRoute, actions: AdminActions): WireReply {
  if (req.method !== 'POST') return bad('use POST', 405);
  const b = jsonObject(req.body) ?? {};
  try {
    switch (what) {
      case 'price':
        if (typeof b.symbol !== 'string' || typeof b.price !== 'number')
          return bad('expected { "symbol": string, "price": number }');
        ctx.venue.setPrice(b.symbol, b.price);
        return json({ symbol: b.symbol, price: ctx.venue.markPrice(b.symbol) });
      case 'prices': {
        const mark = typeof b.mark === 'number' ? b.mark : undefined;
        const last = typeof b.last === 'number' ? b.last : undefined;
        if (typeof b.symbol !== 'string' || (mark === undefined && last === undefined))
          return bad('expected { "symbol": string, "mark"?: number, "last"?: number }');
        ctx.venue.setPrices(b.symbol, {
          ...(mark === undefined ? {} : { mark }),
          ...(last === undefined ? {} : { last }),
        });
        return json({ symbol: b.symbol, mark: ctx.venue.markPrice(b.symbol), last: ctx.venue.lastPrice(b.symbol) });
      }
      case 'position-mode':
        if (typeof b.account !== 'string' || (b.mode !== 'one-way' && b.mode !== 'hedge'))
          return bad('expected { "account": string, "mode": "one-way" | "hedge" }');
        ctx.venue.setPositionMode(b.account, b.mode);
        return json({ account: b.account, mode: b.mode });
      case 'external-position': {
        if (
          typeof b.account !== 'string' ||
          typeof b.symbol !== 'string' ||
          (b.side !== 'buy' && b.side !== 'sell') ||
          typeof b.size !== 'number'
        ) {
          return bad('expected { "account": string, "symbol": string, "side": "buy" | "sell", "size": number }');
        }
        const id = ctx.venue.openExternalPosition(b.account, b.symbol, b.side, b.size);
        return json({ venueOrderId: id, position: ctx.venue.position(b.account, b.symbol) }, 201);
      }
      case 'listen-keys':
        if (typeof b.account !== 'string') return bad('expected { "account": string }');
        return json({ expired: actions.expireListenKeys(b.account) });
      case 'stream':
        if (
          typeof b.account !== 'string' ||
          (b.format !== 'bybit' && b.format !== 'binanceusdm') ||
          typeof b.message !== 'object' ||
          b.message === null
        ) {
          return bad('expected { "format": "bybit" | "binanceusdm", "account": string, "message": object }');
        }
        return json({ streams: ctx.streams.inject(b.format, b.account, b.message) });
    }
  } catch (e) {
    if (e instanceof RangeError) return bad(e.message);
    throw e;
  }
}

/** Answers one admin request, or `undefined` when the path is not the admin's. */
export function handleAdmin(
  ctx: WireContext,
  req: WireRequest,
  info: AdminInfo,
  token: string | undefined,
  actions: AdminActions,
): WireReply | undefined {
  if (req.path !== '/admin' && !req.path.startsWith('/admin/')) return undefined;
  if (token !== undefined && header(req.headers, 'authorization') !== `Bearer ${token}`)
    return bad('admin token required', 401);
  const [, , section, id] = req.path.split('/');
  const q = req.query;
  switch (section) {
    case undefined:
    case '':
      return json(info);
    case 'faults':
      return faults(ctx, req, id);
    case 'price':
    case 'prices':
    case 'position-mode':
    case 'external-position':
    case 'stream':
      return post(ctx, req, section, actions);
    case 'listen-keys':
      return id === 'expire' ? post(ctx, req, 'listen-keys', actions) : bad(`unknown admin route ${req.path}`, 404);
    case 'requests':
      return requests(ctx, q);
    case 'orders':
      return json(ctx.venue.orders(q.get('account') ?? 'main'));
    case 'positions': {
      const account = q.get('account') ?? 'main';
      const symbols = q.get('symbol') === null ? [...ctx.venue.markets().keys()] : [q.get('symbol') ?? ''];
      try {
        return json(symbols.map((s) => ctx.venue.position(account, s)));
      } catch (e) {
        if (e instanceof RangeError) return bad(e.message);
        throw e;
      }
    }
    default:
      return bad(`unknown admin route ${req.path}`, 404);
  }
}
