/**
 * An `ExchangePort` whose every call goes through the account's `RequestScheduler` (see
 * docs/architecture.md, Request budget): creates of reduce-only orders (closes, stops) and
 * cancels in the trading lane, other creates (entries) in the entry lane, queries in the query
 * lane — or, for the port the sweeps use, the sweep lane. Identical queries still waiting are
 * merged; state-changing calls never are. A full queue answers a create or cancel `Rejected`
 * (`NOT_SENT`: it certainly did not leave) and a query `QueryFailed`.
 *
 * Receives: the port's calls. Sends: them to the venue port when the scheduler releases them.
 *
 * @example
 * const trading = scheduledPort(venuePort, scheduler, 'query');
 * const sweeping = scheduledPort(venuePort, scheduler, 'sweep');
 * await trading.createOrderWhenReleased(request, () => claim());
 */
import { rejected, type Outcome } from '../domain/outcome.js';
import { PosguardError } from '../domain/errors.js';
import type { OrderRequest } from '../domain/order-request.js';
import { QueryFailed, type CreateAck, type ExchangePort, type OrderLookup } from '../exchange/port.js';
import type { VenueOrderId } from '../domain/ids.js';
import type { Lane } from './lanes.js';
import type { RequestScheduler, Settled, Ticket } from './request-scheduler.js';
import type { PricedCall, VenueLimits } from './venue-limits.js';

/** Codes of a rate-limit refusal (the venue's IP or account limit: not processed). */
const RATE_LIMIT_CODES: ReadonlySet<string> = new Set(['RATE_LIMITED', 'HTTP_429', 'HTTP_418', 'HTTP_403']);

/** A check made when a state-changing call is released, before it leaves (the fenced send claim): an outcome means it does not leave. */
export type BeforeWire<T> = () => Promise<Outcome<T> | undefined>;

/** The port as the budget serves it: the extra verbs let the send claim be taken at release. */
export interface ScheduledPort extends ExchangePort {
  createOrderWhenReleased(request: OrderRequest, beforeWire: BeforeWire<CreateAck>): Promise<Outcome<CreateAck>>;
  /** Whether an entry on `symbol` asked now would leave at once (`RequestScheduler.wouldReleaseNow`). */
  entryLeavesAtOnce(symbol: string): boolean;
  cancelOrderWhenReleased(
    lookup: OrderLookup,
    symbol: string,
    beforeWire: BeforeWire<{ readonly venueOrderId: VenueOrderId }>,
  ): Promise<Outcome<{ readonly venueOrderId: VenueOrderId }>>;
}

export function isScheduledPort(port: ExchangePort): port is ScheduledPort {
  return typeof (port as Partial<ScheduledPort>).createOrderWhenReleased === 'function';
}

function outcomeRefusal(s: Settled<Outcome<unknown>>): { retryAfterMs: number | undefined } | undefined {
  if (!s.ok || s.value.kind !== 'rejected' || s.value.code === undefined || !RATE_LIMIT_CODES.has(s.value.code))
    return undefined;
  return { retryAfterMs: s.value.retryAfterMs };
}

function queryRefusal(s: Settled<unknown>): { retryAfterMs: number | undefined } | undefined {
  if (
    s.ok ||
    !(s.error instanceof QueryFailed) ||
    s.error.refusal === undefined ||
    !RATE_LIMIT_CODES.has(s.error.refusal)
  )
    return undefined;
  return { retryAfterMs: s.error.retryAfterMs };
}

const notSent = (e: unknown): Outcome<never> => rejected(e instanceof Error ? e.message : String(e), 'NOT_SENT');

const lookupKey = (l: OrderLookup): string =>
  l.venueOrderId !== undefined ? `v:${l.venueOrderId}` : `c:${l.clientOrderId}`;

export function scheduledPort(
  port: ExchangePort,
  scheduler: RequestScheduler,
  limits: VenueLimits,
  queryLane: Extract<Lane, 'query' | 'sweep'>,
): ScheduledPort {
  const query = <T>(call: PricedCall, mergeKey: string, send: () => Promise<T>): Promise<T> =>
    scheduler
      .submit<T>({
        lane: queryLane,
        label: call.method,
        mergeKey: `${call.method} ${mergeKey}`,
        cost: limits.cost(call),
        send,
        refusal: queryRefusal,
      })
      .catch((e: unknown) => {
        throw e instanceof PosguardError && !(e instanceof QueryFailed) ? new QueryFailed(call.method, e.message) : e;
      });
  const change = <T>(ticket: Omit<Ticket<Outcome<T>>, 'refusal'>): Promise<Outcome<T>> =>
    scheduler.submit<Outcome<T>>({ ...ticket, refusal: outcomeRefusal }).catch((e: unknown) => {
      if (e instanceof PosguardError) return notSent(e);
      throw e;
    });
  const create = (request: OrderRequest, beforeWire?: BeforeWire<CreateAck>): Promise<Outcome<CreateAck>> =>
    change<CreateAck>({
      lane: request.reduceOnly ? 'trading' : 'entry',
      label: 'createOrder',
      symbol: request.symbol,
      cost: limits.cost({ method: 'createOrder' }),
      send: () => port.createOrder(request),
      ...(beforeWire === undefined ? {} : { beforeWire }),
    });
  const cancel = (
    lookup: OrderLookup,
    symbol: string,
    beforeWire?: BeforeWire<{ readonly venueOrderId: VenueOrderId }>,
  ) =>
    change<{ readonly venueOrderId: VenueOrderId }>({
      lane: 'trading',
      label: 'cancelOrder',
      symbol,
      cost: limits.cost({ method: 'cancelOrder' }),
      send: () => port.cancelOrder(lookup, symbol),
      ...(beforeWire === undefined ? {} : { beforeWire }),
    });
  return {
    account: port.account,
    venue: port.venue,
    loadMarkets: () => query({ method: 'loadMarkets' }, '', () => port.loadMarkets()),
    fetchPositionMode: () => query({ method: 'fetchPositionMode' }, '', () => port.fetchPositionMode()),
    fetchMarkPrice: (symbol) => query({ method: 'fetchMarkPrice' }, symbol, () => port.fetchMarkPrice(symbol)),
    fetchOrder: (lookup, symbol) =>
      query({ method: 'fetchOrder' }, `${symbol} ${lookupKey(lookup)}`, () => port.fetchOrder(lookup, symbol)),
    // The port's own verb, so that a "not found" is stamped when its request left the queue.
    ...(port.lookUpOrder === undefined
      ? {}
      : {
          lookUpOrder: (lookup: OrderLookup, symbol: string) =>
            query({ method: 'fetchOrder' }, `${symbol} ${lookupKey(lookup)} absence`, () =>
              port.lookUpOrder!(lookup, symbol),
            ),
        }),
    fetchOpenOrders: (symbol) =>
      query({ method: 'fetchOpenOrders', symbol: symbol !== undefined }, symbol ?? '*', () =>
        port.fetchOpenOrders(symbol),
      ),
    fetchPositions: (symbols) =>
      query({ method: 'fetchPositions' }, [...(symbols ?? [])].sort().join(','), () => port.fetchPositions(symbols)),
    createOrder: (request) => create(request),
    cancelOrder: (lookup, symbol) => cancel(lookup, symbol),
    createOrderWhenReleased: create,
    entryLeavesAtOnce: (symbol) => scheduler.wouldReleaseNow('entry', symbol, limits.cost({ method: 'createOrder' })),
    cancelOrderWhenReleased: cancel,
    subscribe: (onEvent) => port.subscribe(onEvent),
    // A public stream: no request of the account's budget.
    ...(port.watchTicker === undefined ? {} : { watchTicker: port.watchTicker.bind(port) }),
    close: () => port.close(),
    ...(port.rateLimits === undefined ? {} : { rateLimits: () => port.rateLimits?.() }),
  };
}

/** Whether an entry on `symbol` asked now would leave at once (always, on a port without a budget). */
export function entryLeavesAtOnce(port: ExchangePort, symbol: string): boolean {
  return isScheduledPort(port) ? port.entryLeavesAtOnce(symbol) : true;
}

/** Creates the order once the budget releases it, `beforeWire` first (straight away on a port without a budget). */
export async function createWhenReleased(
  port: ExchangePort,
  request: OrderRequest,
  beforeWire: BeforeWire<CreateAck>,
): Promise<Outcome<CreateAck>> {
  if (isScheduledPort(port)) return port.createOrderWhenReleased(request, beforeWire);
  return (await beforeWire()) ?? port.createOrder(request);
}

/** Cancels the order once the budget releases the cancel, `beforeWire` first (straight away on a port without a budget). */
export async function cancelWhenReleased(
  port: ExchangePort,
  lookup: OrderLookup,
  symbol: string,
  beforeWire: BeforeWire<{ readonly venueOrderId: VenueOrderId }>,
): Promise<Outcome<{ readonly venueOrderId: VenueOrderId }>> {
  if (isScheduledPort(port)) return port.cancelOrderWhenReleased(lookup, symbol, beforeWire);
  return (await beforeWire()) ?? port.cancelOrder(lookup, symbol);
}
