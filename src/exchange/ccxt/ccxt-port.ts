/**
 * Over 300 lines on purpose: one ExchangePort method per venue call, each a short translation; parsing, failures, paging and the stream are in their own modules.
 *
 * `CcxtPort`: the `ExchangePort` of one real (or wire-simulated) account through ccxt.
 * Receives posguard's calls; sends them through the account's one ccxt instance; turns the
 * answers into outcomes and reports (see docs/architecture.md, Principles; Exchanges). A create is completed with an
 * order query: a reply that does not normalise (Bybit's ids-only acknowledgement) is
 * `accepted` with the queried order's report, or `report: undefined` — never a guessed side.
 * Failed creates and cancels become `rejected` or `unknown` (`classifyFailure`); failed
 * queries throw `QueryFailed`. Position lists are completed with a per-symbol query for every
 * symbol last seen open and now missing, so that a close is proven by a positive flat report.
 * The private stream is one `StreamSupervisor`, shared by every subscriber.
 *
 * @example
 * const port = await createCcxtPort({ id: 'main', exchange: 'bybit', apiKey, secret, testnet: false, urls });
 * const outcome = await port.createOrder({ symbol: 'AVL/USDT:USDT', side: 'buy', type: 'market', amount: 43, clientOrderId, reduceOnly: false });
 */
import type { Clock } from '../../clock.js';
import type { Logger } from '../../log/logger.js';
import { asAccountId, asClientOrderId, asVenueOrderId, type AccountId, type VenueOrderId } from '../../domain/ids.js';
import type { Market } from '../../domain/market.js';
import { accepted, rejected, unknown, type Outcome } from '../../domain/outcome.js';
import type { OrderStatusReport, PositionStatusReport } from '../../domain/reports.js';
import {
  QueryFailed,
  lookUpByFetch,
  type CreateAck,
  type ExchangePort,
  type OrderLookup,
  type OrderLookupReply,
  type OrderRequest,
  type PositionMode,
  type PriceTick,
  type StreamEvent,
  type StreamSubscription,
  type TriggerBy,
} from '../port.js';
import { fillReport, orderReport, positionReport } from './ccxt-reports.js';
import { classifyFailure, type CallFailure } from './classify-failure.js';
import { CcxtPortClosed } from './errors.js';
import type { BuiltExchange } from './exchange-factory.js';
import { toMarkets } from './markets.js';
import type { RateLimitSnapshot } from './rate-limit-state.js';
import { StreamSupervisor, type ReconnectPolicy } from './stream-supervisor.js';
import { watchTickerLoop } from './ticker-watch.js';

type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly failure: CallFailure };

export class CcxtPort implements ExchangePort {
  readonly account: AccountId;
  readonly host: string;
  readonly venue: string;
  /** Symbols whose last report was not flat: a list that leaves them out is completed. */
  private readonly open = new Set<string>();
  private readonly listeners = new Set<(event: StreamEvent) => void>();
  private supervisor: StreamSupervisor | undefined;
  private connection: StreamEvent | undefined;
  private closed = false;
  private readonly tickerWatches = new Set<StreamSubscription>();
  private readonly log: Logger;

  constructor(
    private readonly built: BuiltExchange,
    account: string,
    private readonly clock: Clock,
    private readonly reconnect: ReconnectPolicy,
    /** Where what the port drops is told: the port logs on a child with `component: 'exchange'`, its account and venue. */
    log: Logger,
    /** The price every stop this port places fires on (`protection.triggerBy`); the venue's default when absent. */
    private readonly triggerBy?: TriggerBy,
  ) {
    this.account = asAccountId(account);
    this.venue = built.exchange.id;
    this.host = apiHost(built.exchange.urls) ?? built.exchange.id;
    this.log = log.child({ component: 'exchange', account: this.account, venue: this.venue });
  }

  async loadMarkets(): Promise<ReadonlyMap<string, Market>> {
    const ex = this.built.exchange;
    await this.query('loadMarkets', () => ex.loadMarkets());
    return toMarkets(ex.markets, ex.precisionMode ?? 0);
  }

  async fetchMarkPrice(symbol: string): Promise<number> {
    const mark = await this.query('fetchMarkPrice', () => this.built.profile.markPrice(this.built.exchange, symbol));
    if (mark === undefined || !Number.isFinite(mark) || mark <= 0)
      throw new QueryFailed('fetchMarkPrice', `no mark price for ${symbol} in the reply`);
    return mark;
  }

  async fetchPositionMode(): Promise<PositionMode> {
    return this.query('fetchPositionMode', () => this.built.profile.positionMode(this.built.exchange));
  }

  async createOrder(request: OrderRequest): Promise<Outcome<CreateAck>> {
    const { profile, exchange } = this.built;
    const args = profile.orderArgs(request, this.triggerBy);
    const result = await this.call('createOrder', () =>
      exchange.createOrder(request.symbol, args.type, request.side, request.amount, args.price, args.params),
    );
    if (!result.ok) return changeOutcome(result.failure);
    const receivedAt = this.clock.now();
    const prepared = profile.prepareOrder(result.value);
    const id = typeof prepared.id === 'string' && prepared.id !== '' ? asVenueOrderId(prepared.id) : undefined;
    if (id === undefined)
      return unknown(
        'the create reply carries no order id; the order is looked up by its client order id',
        'UNPARSEABLE_REPLY',
      );
    let report: OrderStatusReport | undefined;
    try {
      report = orderReport(profile, result.value, 'order-query', receivedAt);
    } catch {
      // An ids-only acknowledgement (Bybit): no report, its side never guessed. Not looked up
      // here: the stream usually reports the order within moments, and the position asks the
      // account's poller only if it has not (see docs/architecture.md, Request budget).
      report = undefined;
    }
    const cid =
      typeof prepared.clientOrderId === 'string' && prepared.clientOrderId !== ''
        ? asClientOrderId(prepared.clientOrderId)
        : request.clientOrderId;
    return accepted({ venueOrderId: id, clientOrderId: cid, report });
  }

  /** The venue's last reported rate-limit state (reply headers), for the request budget. */
  rateLimits(): RateLimitSnapshot | undefined {
    return this.built.rateLimits();
  }

  async cancelOrder(lookup: OrderLookup, symbol: string): Promise<Outcome<{ readonly venueOrderId: VenueOrderId }>> {
    const result = await this.call('cancelOrder', () => this.built.profile.cancel(this.built.exchange, lookup, symbol));
    if (!result.ok) {
      const f = result.failure;
      return f.kind === 'not-found' ? rejected(f.reason, f.code) : changeOutcome(f);
    }
    const prepared = this.built.profile.prepareOrder(result.value);
    const id =
      typeof prepared.id === 'string' && prepared.id !== '' ? asVenueOrderId(prepared.id) : lookup.venueOrderId;
    return id === undefined
      ? unknown('the cancel reply carries no order id', 'UNPARSEABLE_REPLY')
      : accepted({ venueOrderId: id });
  }

  async fetchOrder(lookup: OrderLookup, symbol: string): Promise<OrderStatusReport | undefined> {
    // A query's report is as old as its request: stamped when it left (see docs/architecture.md, Request budget).
    const leftAt = this.clock.now();
    const result = await this.call('fetchOrder', () =>
      this.built.profile.findOrder(this.built.exchange, lookup, symbol),
    );
    if (!result.ok) {
      if (result.failure.kind === 'not-found') return undefined;
      throw queryFailed('fetchOrder', result.failure);
    }
    if (result.value === undefined) return undefined;
    const order = result.value;
    return this.strict('fetchOrder', () => orderReport(this.built.profile, order, 'order-query', leftAt));
  }

  /** `fetchOrder` whose "not found" is as old as its request: Bybit v5 and Binance USD-M say no time of the state it shows. */
  async lookUpOrder(lookup: OrderLookup, symbol: string): Promise<OrderLookupReply> {
    return lookUpByFetch(this, () => this.clock.now(), lookup, symbol);
  }

  async fetchOpenOrders(symbol?: string): Promise<OrderStatusReport[]> {
    const receivedAt = this.clock.now();
    const orders = await this.query('fetchOpenOrders', () =>
      this.built.profile.openOrders(this.built.exchange, symbol),
    );
    return this.strict('fetchOpenOrders', () =>
      orders.map((o) => orderReport(this.built.profile, o, 'order-query', receivedAt)),
    );
  }

  async fetchPositions(symbols: readonly string[] = []): Promise<PositionStatusReport[]> {
    const { profile, exchange } = this.built;
    let receivedAt = this.clock.now();
    const listed = await this.query('fetchPositions', () => profile.positions(exchange));
    const reports = this.strict('fetchPositions', () =>
      listed.map((p) => positionReport(profile, p, 'position-query', receivedAt)),
    );
    // Symbols seen open (the venue lists only held positions) and those asked for: a positive
    // flat report for each, even after a restart, when this port has seen nothing yet.
    for (const symbol of [...new Set([...this.open, ...symbols])].filter((s) => !reports.some((r) => r.symbol === s))) {
      receivedAt = this.clock.now();
      const one = await this.query('fetchPositions', () => profile.positionsOf(exchange, symbol));
      reports.push(
        ...this.strict('fetchPositions', () =>
          one.filter((p) => p.symbol === symbol).map((p) => positionReport(profile, p, 'position-query', receivedAt)),
        ),
      );
    }
    for (const r of reports) this.track(r);
    return reports;
  }

  /** The venue's public ticker stream of `symbol` (`ticker-watch.ts`), where the profile reads one. */
  watchTicker(symbol: string, onTick: (tick: PriceTick) => void): StreamSubscription {
    if (this.closed) throw new CcxtPortClosed(this.account, 'watchTicker');
    const sub = watchTickerLoop(this.built, symbol, onTick, this.clock, this.log);
    this.tickerWatches.add(sub);
    return {
      close: async () => {
        this.tickerWatches.delete(sub);
        await sub.close();
      },
    };
  }

  subscribe(onEvent: (event: StreamEvent) => void): StreamSubscription {
    if (this.closed) throw new CcxtPortClosed(this.account, 'subscribe');
    this.listeners.add(onEvent);
    if (this.connection !== undefined) {
      const current = this.connection;
      queueMicrotask(() => this.listeners.has(onEvent) && onEvent(current));
    }
    if (this.supervisor === undefined) {
      this.supervisor = new StreamSupervisor(
        this.built,
        {
          onOrders: (orders) =>
            this.deliverEach(orders, (o, at) => ({
              type: 'order',
              report: orderReport(this.built.profile, o, 'stream', at),
            })),
          onPositions: (ps) =>
            this.deliverEach(ps, (p, at) => {
              const report = positionReport(this.built.profile, p, 'stream', at);
              this.track(report);
              return { type: 'position', report };
            }),
          onTrades: (ts) =>
            this.deliverEach(ts, (t, at) => {
              const report = fillReport(this.built.profile, t, at);
              return report === undefined ? undefined : { type: 'fill', report };
            }),
          onConnection: (status, reason) => {
            this.connection =
              reason === undefined ? { type: 'connection', status } : { type: 'connection', status, reason };
            this.emit(this.connection);
          },
        },
        this.reconnect,
        this.clock,
      );
      this.supervisor.start();
    }
    return {
      close: async () => {
        this.listeners.delete(onEvent);
        if (this.listeners.size === 0) await this.stopStream();
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    await Promise.all([...this.tickerWatches].map((w) => w.close()));
    this.tickerWatches.clear();
    await this.stopStream();
    await this.built.exchange.close().catch(() => undefined);
    this.built.dispose();
  }

  private async stopStream(): Promise<void> {
    const supervisor = this.supervisor;
    this.supervisor = undefined;
    this.connection = undefined;
    await supervisor?.close();
  }

  private emit(event: StreamEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }

  private deliverEach<T>(items: readonly T[], make: (item: T, receivedAt: number) => StreamEvent | undefined): void {
    const receivedAt = this.clock.now();
    for (const item of items) {
      const event = this.tryReport(() => make(item, receivedAt));
      if (event !== undefined) this.emit(event);
    }
  }

  private track(report: PositionStatusReport): void {
    if (report.size > 0) this.open.add(report.symbol);
    else this.open.delete(report.symbol);
  }

  /** Runs one ccxt call, noting whether its request left; never throws. */
  private async call<T>(operation: string, fn: () => Promise<T>): Promise<Result<T>> {
    if (this.closed) throw new CcxtPortClosed(this.account, operation);
    const flag = { sent: false };
    try {
      return { ok: true, value: await this.built.sent.run(flag, fn) };
    } catch (error) {
      const codes = this.built.profile.codes;
      return {
        ok: false,
        failure: classifyFailure(error, {
          sent: flag.sent,
          redact: this.built.redact,
          ...(codes === undefined ? {} : { codes }),
        }),
      };
    }
  }

  private async query<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    const result = await this.call(operation, fn);
    if (!result.ok) throw queryFailed(operation, result.failure);
    return result.value;
  }

  /** A report of a reply, or `QueryFailed` when the reply does not normalise. */
  private strict<T>(operation: string, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw new QueryFailed(
        operation,
        `the reply does not normalise: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  /** A report of a reply, or `undefined` (logged) when it does not normalise. */
  private tryReport<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (error) {
      this.log.warn({ err: error }, 'reply dropped: it does not normalise');
      return undefined;
    }
  }
}

function changeOutcome(f: CallFailure): Outcome<never> {
  return f.kind === 'rejected' ? rejected(f.reason, f.code, f.retryAfterMs) : unknown(f.reason, f.code);
}

function queryFailed(operation: string, f: CallFailure): QueryFailed {
  return new QueryFailed(operation, `${f.reason} (${f.code})`, f.retryAfterMs, f.code);
}

/**
 * The `urls.api` entries the port's private calls go to, by venue: Binance USD-M's `fapiPrivate`,
 * Bybit's `private`. The first entry of the list may be another API of the venue that a `urls.rest`
 * override leaves where it was (Binance's spot `api.binance.com`).
 */
const PRIVATE_API_KEYS = ['fapiPrivate', 'private'];

/**
 * The host of the venue's REST API the port calls (its private entry, else the first of
 * `urls.api`): where its IP-scoped limits are counted (see docs/architecture.md, Request budget).
 */
function apiHost(urls: unknown): string | undefined {
  const api = (urls as { api?: unknown } | undefined)?.api;
  const entries = api !== null && typeof api === 'object' ? (api as Record<string, unknown>) : {};
  const privateEntry = PRIVATE_API_KEYS.map((k) => entries[k]).find((v): v is string => typeof v === 'string');
  const first =
    typeof api === 'string'
      ? api
      : (privateEntry ?? Object.values(entries).find((v): v is string => typeof v === 'string'));
  if (first === undefined) return undefined;
  try {
    return new URL(first).host;
  } catch {
    return undefined;
  }
}
