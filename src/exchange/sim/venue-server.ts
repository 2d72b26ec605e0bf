/**
 * The request side of the simulated venue, as its REST API would answer: receives one
 * port call for one account; applies the call faults (429, 5xx, reject, timeout after
 * accept, minimal reply, index delay, REST lag); asks the matching engine; records the call
 * in the request record; answers with ccxt-shaped data or a `VenueError` (see `venue-replies.ts`).
 * Pure request handling: it never throws for exchange trouble and never reads a stream.
 *
 * @example
 * const reply = venue.server.createOrder(account, request); // { ok: true, body: { id, clientOrderId } }
 */
import type { Clock } from '../../clock.js';
import { asVenueOrderId, type AccountId } from '../../domain/ids.js';
import type { Market } from '../../domain/market.js';
import type { OrderLookup, OrderRequest, PositionMode } from '../port.js';
import type { FaultBook } from './faults.js';
import { marketOf } from './markets.js';
import type { MatchingEngine } from './matching-engine.js';
import { isFinished, toCcxtOrder, type OrderState } from './order-state.js';
import { pageOfOrdered, type Page, type PageRequest } from './paging.js';
import type { RequestParams, RequestResult, SimRequest } from './request-record.js';
import type { TriggerBy, VenueRules } from './venue-rules.js';
import {
  changeResultOf,
  codeOfVenueError,
  SIM_CODES,
  type CcxtOrder,
  type MinimalOrderReply,
  type PortMethod,
  type PositionView,
  type VenueError,
  type VenueReply,
} from './venue-replies.js';

/** The parts of the venue a request handler reads and writes. */
export interface VenueServerDeps {
  readonly clock: Clock;
  readonly engine: MatchingEngine;
  readonly faults: FaultBook;
  /** The rules of a request that does not bring its own (in-process ports). */
  readonly rules: VenueRules;
  readonly record: (request: SimRequest) => void;
  readonly positionMode: (account: AccountId) => PositionMode;
}

/** Which open orders a list shows: every one, stops only (Bybit `orderFilter=StopOrder`), or the others. */
export type OrderKind = 'all' | 'stop' | 'regular';

/** How a create came in: under which venue's rules, and which price its stop fires on. */
export interface CreateContext {
  readonly rules?: VenueRules;
  readonly triggerBy?: TriggerBy | undefined;
}

interface Processed {
  /** The matching engine took the order or the cancel. */
  readonly reachedEngine?: boolean;
  readonly venueOrderId?: string;
}

/** An order query's answer with the venue time of the state it shows. */
export interface OrderAsOf {
  readonly order: CcxtOrder | undefined;
  readonly asOf: number;
}

const ok = <T>(body: T): VenueReply<T> => ({ ok: true, body });
const fail = (error: VenueError): VenueReply<never> => ({ ok: false, error });
/** A page request as the request record keeps it. */
const pageParams = (page: PageRequest | undefined): { limit?: number; cursor?: string } =>
  page === undefined
    ? {}
    : { limit: page.limit, ...(page.cursor === undefined || page.cursor === '' ? {} : { cursor: page.cursor }) };
const refused = (code: string, reason: string): VenueReply<never> => fail({ kind: 'refused', code, reason });

/** One handler per port call; each returns the venue's answer and records the call. */
export class VenueServer {
  constructor(private readonly deps: VenueServerDeps) {}

  loadMarkets(account: AccountId): VenueReply<Market[]> {
    return this.serve(account, 'loadMarkets', {}, () => ok(this.deps.engine.markets.map(marketOf)));
  }

  fetchMarkPrice(account: AccountId, symbol: string): VenueReply<number> {
    return this.serve(account, 'fetchMarkPrice', { symbol }, () => {
      const mark = this.deps.engine.mark(symbol);
      return mark === undefined ? refused(SIM_CODES.badSymbol, `unknown symbol ${symbol}`) : ok(mark);
    });
  }

  fetchPositionMode(account: AccountId): VenueReply<PositionMode> {
    return this.serve(account, 'fetchPositionMode', {}, () => ok(this.deps.positionMode(account)));
  }

  /** Places an order; the body is the full order, or only its ids with `minimalCreateReply`. */
  createOrder(
    account: AccountId,
    request: OrderRequest,
    how: CreateContext = {},
  ): VenueReply<CcxtOrder | MinimalOrderReply> {
    const { engine, faults, clock } = this.deps;
    const rules = how.rules ?? this.deps.rules;
    const triggerBy = request.type === 'stop-market' ? how.triggerBy : undefined;
    const params = triggerBy === undefined ? { ...request } : { ...request, triggerBy };
    return this.serve(account, 'createOrder', params, () => {
      if (engine.clientIdTaken(account, request.clientOrderId, rules.clientIdScope)) {
        const scope = rules.clientIdScope === 'open' ? 'an open order' : 'an order of this account';
        return refused(
          SIM_CODES.duplicateClientOrderId,
          `client order id ${request.clientOrderId} is already used by ${scope}`,
        );
      }
      const refusal =
        engine.check(account, request, rules, triggerBy) ?? faults.take('reject', account, 'createOrder', request.type);
      if (refusal !== undefined) return refused(refusal.code, refusal.reason);
      if (
        request.type === 'market' &&
        rules.marketProtection === 'refuse' &&
        faults.take('marketProtection', account) !== undefined
      ) {
        return refused(
          SIM_CODES.priceProtection,
          "The counterparty's best price does not meet the PERCENT_PRICE filter limit.",
        );
      }
      const indexDelay = faults.take('orderIndexDelay', account)?.ms ?? 0;
      const order = engine.accept(account, request, {
        origin: 'port',
        visibleFrom: clock.now() + indexDelay,
        rules,
        triggerBy,
      });
      const processed = { reachedEngine: true, venueOrderId: order.id };
      if (faults.take('timeoutAfterAccept', account, 'createOrder')) return [fail({ kind: 'timeout' }), processed];
      const body = faults.take('minimalCreateReply', account)
        ? { id: order.id, clientOrderId: order.clientOrderId }
        : toCcxtOrder(order);
      return [ok(body), processed];
    });
  }

  /** Cancels an open order; the body is its ids (Bybit answers no more). */
  cancelOrder(account: AccountId, lookup: OrderLookup, symbol: string): VenueReply<MinimalOrderReply> {
    const { engine, faults } = this.deps;
    return this.serve(account, 'cancelOrder', { lookup: { ...lookup }, symbol }, () => {
      const current = engine.find(account, lookup)?.latest;
      if (current === undefined || current.symbol !== symbol)
        return refused(SIM_CODES.orderNotFound, `order not found on ${symbol}`);
      const result = engine.cancel(account, lookup);
      if (!('id' in result)) return refused(result.code, result.reason);
      const processed = { reachedEngine: true, venueOrderId: result.id };
      if (faults.take('timeoutAfterAccept', account, 'cancelOrder')) return [fail({ kind: 'timeout' }), processed];
      return [ok({ id: result.id, clientOrderId: result.clientOrderId }), processed];
    });
  }

  /** The order as the order index shows it (lagging, and blind to orders not indexed yet). */
  fetchOrder(account: AccountId, lookup: OrderLookup, symbol: string): VenueReply<CcxtOrder | undefined> {
    const reply = this.lookUpOrder(account, lookup, symbol);
    return reply.ok ? ok(reply.body.order) : reply;
  }

  /**
   * `fetchOrder` with the venue time of the state its answer shows (`asOf`): the lagging view's
   * time, or, for an order there but not indexed yet, just before it was created — so a lagging
   * "not found" says how old it is, as every other lagging reply of the simulation does.
   */
  lookUpOrder(account: AccountId, lookup: OrderLookup, symbol: string): VenueReply<OrderAsOf> {
    return this.serve<'fetchOrder', OrderAsOf>(account, 'fetchOrder', { lookup: { ...lookup }, symbol }, () => {
      const t = this.viewTime(account);
      const then = this.deps.engine.find(account, lookup)?.at(t);
      const state = this.visible(then);
      if (state !== undefined && state.symbol === symbol) return ok({ order: toCcxtOrder(state), asOf: t });
      const asOf = then !== undefined && state === undefined ? Math.min(t, then.createdAt - 1) : t;
      return ok({ order: undefined, asOf });
    });
  }

  /** Open orders (of `symbol`, else all), oldest first; one page of them when `page` is given. */
  fetchOpenOrders(
    account: AccountId,
    symbol?: string,
    page?: PageRequest,
    kind: OrderKind = 'all',
  ): VenueReply<Page<CcxtOrder>> {
    return this.serve(
      account,
      'fetchOpenOrders',
      { ...(symbol === undefined ? {} : { symbol }), ...pageParams(page) },
      () => {
        // The engine's index names the few orders that may be open at `t`, in page order: a page
        // reads only the timelines it lists (docs/architecture.md, Exchanges).
        const { engine } = this.deps;
        const t = this.viewTime(account);
        const listed = (id: string): OrderState | undefined => {
          const o = this.visible(engine.find(account, { venueOrderId: asVenueOrderId(id) })?.at(t));
          return o !== undefined &&
            !isFinished(o) &&
            (symbol === undefined || o.symbol === symbol) &&
            (kind === 'all' || (o.triggerPrice !== undefined) === (kind === 'stop'))
            ? o
            : undefined;
        };
        const paged = pageOfOrdered((cursor) => engine.openOrderIdsAt(account, t, symbol, cursor), listed, page);
        return ok({ ...paged, items: paged.items.map(toCcxtOrder) });
      },
    );
  }

  /**
   * Every position that ever changed on the account, flat ones included (only those holding a
   * position with `held`), with its `seq`; one page of them (by symbol) when `page` is given.
   */
  fetchPositions(account: AccountId, page?: PageRequest, held = false): VenueReply<Page<PositionView>> {
    return this.serve(account, 'fetchPositions', pageParams(page), () => {
      const { engine } = this.deps;
      const t = this.viewTime(account);
      const listed = (symbol: string): PositionView | undefined => {
        const p = engine.positionHistory(account, symbol)?.at(t);
        return p !== undefined && (!held || p.size !== 0) ? p : undefined;
      };
      // Unpaged (Binance), the list comes in the order positions first changed, as it always did.
      const symbols = (cursor: string | undefined): Iterable<string> =>
        page === undefined
          ? engine.positions(account).map((timeline) => timeline.latest.symbol)
          : engine.positionSymbols(account, cursor);
      const paged = pageOfOrdered(symbols, listed, page);
      return ok({
        ...paged,
        items: paged.items.map((p) => ({ ...p, markPrice: engine.mark(p.symbol) ?? p.markPrice })),
      });
    });
  }

  /** Runs one call: the 429/5xx faults first, then `handle`, then the record. */
  private serve<M extends PortMethod, T>(
    account: AccountId,
    method: M,
    params: RequestParams[M],
    handle: () => VenueReply<T> | readonly [VenueReply<T>, Processed],
  ): VenueReply<T> {
    const early = this.callFault(account, method);
    const handled = early === undefined ? handle() : fail(early);
    const [reply, processed]: readonly [VenueReply<T>, Processed] = 'ok' in handled ? [handled, {}] : handled;
    const changes = method === 'createOrder' || method === 'cancelOrder';
    const result: RequestResult = reply.ok
      ? changes
        ? 'accepted'
        : 'ok'
      : changes
        ? changeResultOf(reply.error)
        : 'error';
    this.deps.record({
      at: this.deps.clock.now(),
      account,
      method,
      params,
      result,
      reachedEngine: processed.reachedEngine ?? false,
      ...(reply.ok ? {} : { code: codeOfVenueError(reply.error) }),
      ...(processed.venueOrderId === undefined ? {} : { venueOrderId: processed.venueOrderId }),
    } as SimRequest);
    return reply;
  }

  private callFault(account: AccountId, method: PortMethod): VenueError | undefined {
    const limited = this.deps.faults.take('rateLimited', account, method);
    if (limited)
      return {
        kind: 'rate-limited',
        retryAfterMs: limited.retryAfterMs ?? 1_000,
        ...(limited.http === undefined ? {} : { http: limited.http }),
      };
    const broken = this.deps.faults.take('serverError', account, method);
    if (broken) return { kind: 'server-error', status: broken.status ?? 503 };
    return undefined;
  }

  /** The venue time whose state order and position queries show (`restLag`). */
  private viewTime(account: AccountId): number {
    return this.deps.clock.now() - (this.deps.faults.take('restLag', account)?.ms ?? 0);
  }

  private visible(order: OrderState | undefined): OrderState | undefined {
    return order !== undefined && order.visibleFrom <= this.deps.clock.now() ? order : undefined;
  }
}
