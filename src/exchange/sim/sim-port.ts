/**
 * `SimPort`: the `ExchangePort` of one account over a `SimExchange`. Receives posguard's
 * calls; sends them to the venue's request side; turns the venue's answers into outcomes
 * and reports exactly as the ccxt adapter does: ccxt-shaped orders through `normalizeOrder`
 * (a minimal create reply gives `report: undefined`, never a guessed side), 429 and
 * refusals as `Rejected`, 5xx, timeouts and a duplicate client order id as `Unknown`,
 * failed queries as `QueryFailed`. Touches nothing but the venue.
 *
 * @example
 * const port = createSimPort(venue, 'main');
 * const outcome = await port.createOrder({ symbol: 'AVL/USDT:USDT', side: 'buy', type: 'market', amount: 43, clientOrderId, reduceOnly: false });
 */
import { MalformedOrderReply, PosguardError } from '../../domain/errors.js';
import { asAccountId, asClientOrderId, asVenueOrderId, type AccountId, type VenueOrderId } from '../../domain/ids.js';
import type { Market } from '../../domain/market.js';
import { normalizeOrder } from '../../domain/normalize-order.js';
import { accepted, rejected, unknown, type Outcome } from '../../domain/outcome.js';
import type { OrderStatusReport, PositionStatusReport } from '../../domain/reports.js';
import {
  QueryFailed,
  type CreateAck,
  type ExchangePort,
  type OrderLookup,
  type OrderLookupReply,
  type OrderRequest,
  type PositionMode,
  type PriceTick,
  type StreamEvent,
  type StreamSubscription,
} from '../port.js';
import type { Page, PageRequest } from './paging.js';
import { simPositionReport } from './position-state.js';
import type { SimExchange } from './sim-exchange.js';
import type { TriggerBy } from './venue-rules.js';
import {
  changeResultOf,
  codeOfVenueError,
  describeVenueError,
  TRY_LATER_CODES,
  type VenueError,
  type VenueReply,
} from './venue-replies.js';

/** A call on a port after `close()`: a programming error, not exchange trouble. */
export class SimPortClosed extends PosguardError {
  readonly code = 'SIM_PORT_CLOSED';
  constructor(account: string, method: string) {
    super(`${method} on the simulated port of account ${account} after close(); create a new port`);
  }
}

/** What a simulated port is given beyond its venue and account. */
export interface SimPortOptions {
  /** The price every stop the port places fires on (`protection.triggerBy`); the venue's default when absent. */
  readonly triggerBy?: TriggerBy;
}

/** The port of `account` on `venue`; several ports (accounts) may share one venue. */
export function createSimPort(venue: SimExchange, account: AccountId | string, options: SimPortOptions = {}): SimPort {
  return new SimPort(venue, asAccountId(account), options);
}

/** The `ExchangePort` of one account of a `SimExchange`; build it with `createSimPort`. */
export class SimPort implements ExchangePort {
  readonly venue = 'sim';
  private readonly subscriptions = new Set<StreamSubscription>();
  private closed = false;

  constructor(
    private readonly sim: SimExchange,
    readonly account: AccountId,
    private readonly options: SimPortOptions = {},
  ) {}

  async loadMarkets(): Promise<ReadonlyMap<string, Market>> {
    const markets = this.answer('loadMarkets', this.sim.server.loadMarkets(this.usable('loadMarkets')));
    return new Map(markets.map((m) => [m.symbol, m]));
  }

  async fetchMarkPrice(symbol: string): Promise<number> {
    return this.answer('fetchMarkPrice', this.sim.server.fetchMarkPrice(this.usable('fetchMarkPrice'), symbol));
  }

  async fetchPositionMode(): Promise<PositionMode> {
    return this.answer('fetchPositionMode', this.sim.server.fetchPositionMode(this.usable('fetchPositionMode')));
  }

  async createOrder(request: OrderRequest): Promise<Outcome<CreateAck>> {
    const reply = this.sim.server.createOrder(this.usable('createOrder'), request, {
      triggerBy: this.options.triggerBy,
    });
    if (!reply.ok) return failed(reply.error);
    let report: OrderStatusReport | undefined;
    try {
      report = normalizeOrder(reply.body, { source: 'order-query', receivedAt: this.sim.clock.now() });
    } catch (error) {
      if (!(error instanceof MalformedOrderReply)) throw error;
      report = undefined; // Bybit's ids-only reply: the order must be queried, its side never guessed
    }
    return accepted({
      venueOrderId: asVenueOrderId(reply.body.id),
      clientOrderId: asClientOrderId(reply.body.clientOrderId),
      report,
    });
  }

  async cancelOrder(lookup: OrderLookup, symbol: string): Promise<Outcome<{ readonly venueOrderId: VenueOrderId }>> {
    const reply = this.sim.server.cancelOrder(this.usable('cancelOrder'), lookup, symbol);
    return reply.ok ? accepted({ venueOrderId: asVenueOrderId(reply.body.id) }) : failed(reply.error);
  }

  async fetchOrder(lookup: OrderLookup, symbol: string): Promise<OrderStatusReport | undefined> {
    const raw = this.answer('fetchOrder', this.sim.server.fetchOrder(this.usable('fetchOrder'), lookup, symbol));
    return raw === undefined
      ? undefined
      : normalizeOrder(raw, { source: 'order-query', receivedAt: this.sim.clock.now() });
  }

  /** `fetchOrder` whose "not found" carries the venue time of the state it shows (the simulation's lagging view). */
  async lookUpOrder(lookup: OrderLookup, symbol: string): Promise<OrderLookupReply> {
    const raw = this.answer('fetchOrder', this.sim.server.lookUpOrder(this.usable('fetchOrder'), lookup, symbol));
    const receivedAt = this.sim.clock.now();
    return raw.order === undefined
      ? { order: undefined, absence: { source: 'order-query', venueTime: raw.asOf, receivedAt } }
      : { order: normalizeOrder(raw.order, { source: 'order-query', receivedAt }) };
  }

  /** Every open order, page after page where the venue pages the list (Bybit: 50 a page). */
  async fetchOpenOrders(symbol?: string): Promise<OrderStatusReport[]> {
    const account = this.usable('fetchOpenOrders');
    const raw = await this.everyPage('fetchOpenOrders', this.sim.rules.listPages.openOrders, (page) =>
      this.sim.server.fetchOpenOrders(account, symbol, page),
    );
    const receivedAt = this.sim.clock.now();
    return raw.map((o) => normalizeOrder(o, { source: 'order-query', receivedAt }));
  }

  /** The simulated venue lists every symbol the account ever traded, flat ones included, page after page (Bybit: 200 a page). */
  async fetchPositions(_symbols?: readonly string[]): Promise<PositionStatusReport[]> {
    const account = this.usable('fetchPositions');
    const views = await this.everyPage('fetchPositions', this.sim.rules.listPages.positions, (page) =>
      this.sim.server.fetchPositions(account, page),
    );
    const receivedAt = this.sim.clock.now();
    return views.map((v) => simPositionReport(v, 'position-query', receivedAt));
  }

  subscribe(onEvent: (event: StreamEvent) => void): StreamSubscription {
    const inner = this.sim.subscribe(this.usable('subscribe'), onEvent);
    const subscription: StreamSubscription = {
      close: async () => {
        this.subscriptions.delete(subscription);
        await inner.close();
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** The venue's public ticker stream of `symbol`: a tick on each price change (held back by the `tickerDelay` fault). */
  watchTicker(symbol: string, onTick: (tick: PriceTick) => void): StreamSubscription {
    this.usable('watchTicker');
    const inner = this.sim.subscribeTickers([symbol], (t) =>
      onTick({ symbol: t.symbol, mark: t.mark, last: t.last, venueTime: t.at, receivedAt: this.sim.clock.now() }),
    );
    const subscription: StreamSubscription = {
      close: async () => {
        this.subscriptions.delete(subscription);
        inner.close();
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
  }

  /** The account, once the port is known to be open. */
  private usable(method: string): AccountId {
    if (this.closed) throw new SimPortClosed(this.account, method);
    return this.account;
  }

  /** Every record of a list, following the venue's cursor one request a page; a failed page fails the whole query. */
  private async everyPage<T>(
    operation: string,
    limit: number | undefined,
    ask: (page: PageRequest | undefined) => VenueReply<Page<T>>,
  ): Promise<T[]> {
    const all: T[] = [];
    let cursor: string | undefined;
    do {
      const page = this.answer(operation, ask(limit === undefined ? undefined : { limit, cursor }));
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== undefined && limit !== undefined);
    return all;
  }

  /** The body of a query's reply; a failed query throws `QueryFailed` (never "not found"). */
  private answer<T>(operation: string, reply: VenueReply<T>): T {
    if (reply.ok) return reply.body;
    const retryAfterMs = reply.error.kind === 'rate-limited' ? reply.error.retryAfterMs : undefined;
    throw new QueryFailed(operation, describeVenueError(reply.error), retryAfterMs, codeOfVenueError(reply.error));
  }
}

/**
 * The outcome of a create or cancel the venue did not accept (see docs/architecture.md, Principles); a refusal
 * that means "not processed, try later" gets its transient code, as the ccxt adapter gives it.
 */
function failed(error: VenueError): Outcome<never> {
  const reason = describeVenueError(error);
  const code = codeOfVenueError(error);
  const later = TRY_LATER_CODES[code];
  if (later !== undefined) return rejected(`${reason} (${code})`, later.code, later.retryAfterMs);
  return changeResultOf(error) === 'rejected'
    ? rejected(reason, code, error.kind === 'rate-limited' ? error.retryAfterMs : undefined)
    : unknown(reason, code);
}
