/**
 * The wire simulator's admin endpoint (`/admin/...`, JSON): sets, lists and clears the
 * venue's fault rules (the JSON rules of `faultRuleSchema`), sets a mark price or the position
 * mode of an account, opens a position as another program would (for orphan tests), and reads
 * the venue's request record, orders and positions. Receives one HTTP request; touches the
 * simulated venue. Bound to the simulator's host (127.0.0.1 by default); an optional bearer
 * token guards it.
 *
 * Routes: `GET /admin`, `GET|POST|DELETE /admin/faults`, `DELETE /admin/faults/:id`,
 * `POST /admin/price`, `POST /admin/position-mode`, `POST /admin/external-position`,
 * `GET /admin/requests?account=&method=&since=`, `GET /admin/orders?account=`,
 * `GET /admin/positions?account=&symbol=`.
 *
 * @example
 * curl -XPOST 127.0.0.1:9001/admin/faults -d '{"fault":{"kind":"restLag","ms":5000}}'
 */
import { InvalidFaultRule, type FaultRule } from '../sim/faults.js';
import { PORT_METHODS, type PortMethod } from '../sim/wire.js';
import { header, json, jsonObject, type WireReply, type WireRequest } from './http-io.js';
import type { WireContext } from './wire-context.js';

/** What `GET /admin` describes: where to point an account. */
export interface AdminInfo {
  readonly [key: string]: unknown;
}

const bad = (reason: string, status = 400): WireReply => json({ error: reason }, status);

function requests(ctx: WireContext, q: URLSearchParams): WireReply {
  const method = q.get('method') ?? undefined;
  if (method !== undefined && !(PORT_METHODS as readonly string[]).includes(method)) return bad(`unknown method ${method}; one of ${PORT_METHODS.join(', ')}`);
  const since = q.get('since');
  return json(ctx.venue.requests({
    ...(q.get('account') === null ? {} : { account: q.get('account') ?? '' }),
    ...(method === undefined ? {} : { method: method as PortMethod }),
    ...(since === null ? {} : { since: Number(since) }),
  }));
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

function post(ctx: WireContext, req: WireRequest, what: 'price' | 'position-mode' | 'external-position'): WireReply {
  if (req.method !== 'POST') return bad('use POST', 405);
  const b = jsonObject(req.body) ?? {};
  try {
    switch (what) {
      case 'price':
        if (typeof b.symbol !== 'string' || typeof b.price !== 'number') return bad('expected { "symbol": string, "price": number }');
        ctx.venue.setPrice(b.symbol, b.price);
        return json({ symbol: b.symbol, price: ctx.venue.markPrice(b.symbol) });
      case 'position-mode':
        if (typeof b.account !== 'string' || (b.mode !== 'one-way' && b.mode !== 'hedge')) return bad('expected { "account": string, "mode": "one-way" | "hedge" }');
        ctx.venue.setPositionMode(b.account, b.mode);
        return json({ account: b.account, mode: b.mode });
      case 'external-position': {
        if (typeof b.account !== 'string' || typeof b.symbol !== 'string' || (b.side !== 'buy' && b.side !== 'sell') || typeof b.size !== 'number') {
          return bad('expected { "account": string, "symbol": string, "side": "buy" | "sell", "size": number }');
        }
        const id = ctx.venue.openExternalPosition(b.account, b.symbol, b.side, b.size);
        return json({ venueOrderId: id, position: ctx.venue.position(b.account, b.symbol) }, 201);
      }
    }
  } catch (e) {
    if (e instanceof RangeError) return bad(e.message);
    throw e;
  }
}

/** Answers one admin request, or `undefined` when the path is not the admin's. */
export function handleAdmin(ctx: WireContext, req: WireRequest, info: AdminInfo, token: string | undefined): WireReply | undefined {
  if (req.path !== '/admin' && !req.path.startsWith('/admin/')) return undefined;
  if (token !== undefined && header(req.headers, 'authorization') !== `Bearer ${token}`) return bad('admin token required', 401);
  const [, , section, id] = req.path.split('/');
  const q = req.query;
  switch (section) {
    case undefined:
    case '': return json(info);
    case 'faults': return faults(ctx, req, id);
    case 'price':
    case 'position-mode':
    case 'external-position': return post(ctx, req, section);
    case 'requests': return requests(ctx, q);
    case 'orders': return json(ctx.venue.orders(q.get('account') ?? 'main'));
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
    default: return bad(`unknown admin route ${req.path}`, 404);
  }
}
