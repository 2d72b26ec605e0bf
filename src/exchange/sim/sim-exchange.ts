/**
 * Over 300 lines on purpose: the simulated exchange's one public surface (accounts, prices, faults, other programs, the request record); its engine, checks and streams are apart.
 *
 * The simulated exchange (see docs/architecture.md, Exchanges): one venue with many accounts, an injected
 * clock and a seeded price path. Receives port calls (through `server`), price moves
 * (`setPrice` for mark and last together, `setPrices` to set them apart, `tick`, or every
 * `priceTickMs` on the clock), fault rules (`faults`), "another program's" trades
 * (`openExternalPosition`) and the venue's own cancels (`cancelAllOrders`, Bybit's disconnect
 * protection); sends stream events to subscribers through the clock; keeps a record of every
 * call (`requests`). Each order follows the rules of the venue it was placed under
 * (venue-rules.ts): in-process ports those of `venue` (Bybit's by default), the wire simulator
 * each format's own. Touches only its own state.
 *
 * Start a `SimulatedClock` at a positive time (`clock.set(…)`): ccxt-shaped timestamps of 0
 * read as "absent".
 *
 * @example
 * const clock = new SimulatedClock(); clock.set(1_700_000_000_000);
 * const venue = new SimExchange({ clock, seed: 1 });
 * const port = createSimPort(venue, 'main');
 * venue.faults.set({ fault: { kind: 'minimalCreateReply' }, when: { calls: 1 } });
 * await port.createOrder({ symbol: 'AVL/USDT:USDT', side: 'buy', type: 'market', amount: 43, clientOrderId, reduceOnly: false });
 * venue.requests({ account: 'main', method: 'createOrder' }).length // 1
 */
import type { Clock } from '../../clock.js';
import { normalizeOrder } from '../../domain/normalize-order.js';
import { asAccountId, asClientOrderId, type AccountId, type VenueOrderId } from '../../domain/ids.js';
import type { Market } from '../../domain/market.js';
import { seededRandom, type Random } from '../../domain/random.js';
import type { Side } from '../../domain/side.js';
import type { OrderRequest, PositionMode, StreamEvent, StreamSubscription } from '../port.js';
import { FaultBook, type ActiveFaultRule } from './faults.js';
import { DEFAULT_SIM_MARKETS, marketOf, type SimMarketSpec } from './markets.js';
import { MatchingEngine, type EngineChange, type TriggeredStopPlan } from './matching-engine.js';
import type { MarketPrices } from './price-book.js';
import { toCcxtOrder, type OrderState } from './order-state.js';
import { simPositionReport } from './position-state.js';
import { nextPrice } from './price-path.js';
import { filterRequests, type RequestFilter, type SimRequest } from './request-record.js';
import { StreamHub } from './stream-hub.js';
import { TickerStream, type Tick, type TickerSubscription } from './ticker-stream.js';
import { VenueServer } from './venue-server.js';
import { rulesOf, type EndReason, type VenueKind, type VenueRules } from './venue-rules.js';
import type { CcxtOrder, PortMethod, PositionView } from './venue-replies.js';

/** How a venue is built: the clock and the seed are required. */
export interface SimExchangeOptions {
  readonly clock: Clock;
  /** Seed of the price path: the same seed gives the same prices. */
  readonly seed: number;
  /** Listed markets; `DEFAULT_SIM_MARKETS` (BTC, ETH, AVL linear perpetuals) by default. */
  readonly markets?: readonly SimMarketSpec[];
  /** Moves every price one step along its path this often; prices stay put when absent. */
  readonly priceTickMs?: number;
  /** Delay of every stream event before faults (default 0: the next clock turn). */
  readonly streamDelayMs?: number;
  /** How far back order and position states are kept for `restLag` (default 60 s). */
  readonly historyMs?: number;
  /**
   * Whose rules orders from in-process ports follow where Bybit and Binance differ (venue-rules.ts);
   * `bybit` by default. The wire simulator passes each format's own rules.
   */
  readonly venue?: VenueKind;
}

/** The simulated venue; see the module header for an example. */
export class SimExchange {
  readonly clock: Clock;
  /** Fault knobs: `set(rule)`, `clear(id?)`, `list()`; plain JSON rules. */
  readonly faults: FaultBook;
  /** The venue's request side, which ports call (and the wire simulator will serve). */
  readonly server: VenueServer;
  private readonly engine: MatchingEngine;
  private readonly hub: StreamHub;
  private readonly tickers: TickerStream;
  private readonly rnd: Random;
  private readonly log: SimRequest[] = [];
  private readonly modes = new Map<AccountId, PositionMode>();
  private readonly timers = new Set<unknown>();
  private readonly observers: ((change: EngineChange) => void)[] = [];
  private externalSeq = 1;
  private closed = false;
  /** The rules of orders from in-process ports (see `SimExchangeOptions.venue`). */
  readonly rules: VenueRules;

  constructor(opts: SimExchangeOptions) {
    this.clock = opts.clock;
    this.rules = rulesOf(opts.venue ?? 'bybit');
    this.rnd = seededRandom(opts.seed);
    this.faults = new FaultBook(opts.clock, (rule) => this.onFaultChange(rule));
    this.engine = new MatchingEngine({
      clock: opts.clock,
      markets: opts.markets ?? DEFAULT_SIM_MARKETS,
      historyMs: opts.historyMs ?? 60_000,
      fillFraction: (order) => this.fillFraction(order),
      triggeredStop: (order) => this.triggeredStopPlan(order),
      later: (ms, fn) => this.later(ms, fn),
      onChange: (change) => this.publish(change),
    });
    this.hub = new StreamHub(opts.clock, this.faults, opts.streamDelayMs ?? 0);
    this.tickers = new TickerStream(this.faults, (ms, fn) => this.later(ms, fn));
    this.server = new VenueServer({
      clock: opts.clock,
      engine: this.engine,
      faults: this.faults,
      rules: this.rules,
      record: (request) => this.log.push(request),
      positionMode: (account) => this.positionMode(account),
    });
    if (opts.priceTickMs !== undefined) this.startTicks(opts.priceTickMs);
  }

  /** The listed markets by symbol. */
  markets(): ReadonlyMap<string, Market> {
    return new Map(this.engine.markets.map((spec) => [spec.symbol, marketOf(spec)]));
  }

  markPrice(symbol: string): number {
    const mark = this.engine.mark(symbol);
    if (mark === undefined) throw new RangeError(`the simulated venue does not list ${symbol}`);
    return mark;
  }

  /** Sets the mark and last prices (on the price grid) to `price` and matches resting orders against them. */
  setPrice(symbol: string, price: number): void {
    this.setPrices(symbol, { mark: price, last: price });
  }

  /** Sets the mark and the last price apart (either may be left as it is) and matches resting orders. */
  setPrices(symbol: string, prices: Partial<MarketPrices>): void {
    this.engine.setPrices(symbol, prices);
    const now = this.engine.pricesOf(symbol);
    if (now !== undefined) this.tickers.publish({ symbol, mark: now.mark, last: now.last, at: this.clock.now() });
  }

  /** The public ticker stream: a tick of `symbols` (every symbol when absent) on each price change; `tickerDelay` holds ticks back. */
  subscribeTickers(symbols: readonly string[] | undefined, onTick: (tick: Tick) => void): TickerSubscription {
    return this.tickers.subscribe(symbols, onTick);
  }

  /** The last traded price. */
  lastPrice(symbol: string): number {
    const last = this.engine.pricesOf(symbol)?.last;
    if (last === undefined) throw new RangeError(`the simulated venue does not list ${symbol}`);
    return last;
  }

  /** Moves every price `steps` steps along its seeded path (mark and last together). */
  tick(steps = 1): void {
    for (let i = 0; i < steps; i++) {
      for (const spec of this.engine.markets)
        this.setPrice(spec.symbol, nextPrice(this.markPrice(spec.symbol), spec, this.rnd));
    }
  }

  /** Cancels every open order of an account as the venue itself would (Bybit's disconnect protection); returns how many. */
  cancelAllOrders(account: AccountId | string, reason: EndReason): number {
    return this.engine.cancelAll(asAccountId(account), reason);
  }

  /** Makes an account hedge-mode (or one-way again); matching stays one-way netting. */
  setPositionMode(account: AccountId | string, mode: PositionMode): void {
    this.modes.set(asAccountId(account), mode);
  }

  positionMode(account: AccountId | string): PositionMode {
    return this.modes.get(asAccountId(account)) ?? 'one-way';
  }

  /** The venue's truth for one position (signed size), whatever the faults show. */
  position(account: AccountId | string, symbol: string): PositionView {
    const view = this.engine
      .positions(asAccountId(account))
      .map((t) => t.latest)
      .find((p) => p.symbol === symbol);
    return view ?? { symbol, size: 0, entryPrice: undefined, markPrice: this.markPrice(symbol), seq: 0, at: 0 };
  }

  /** The venue's truth for every order of an account, oldest first. */
  orders(account: AccountId | string): CcxtOrder[] {
    return this.engine.orders(asAccountId(account)).map((t) => toCcxtOrder(t.latest));
  }

  /**
   * Trades on the account as another program would (a market order with client id
   * `ext-N`, not recorded as a port call and free of faults), leaving a position that
   * posguard did not open. Throws if the venue would refuse the order.
   */
  openExternalPosition(account: AccountId | string, symbol: string, side: Side, size: number): VenueOrderId {
    const id = asAccountId(account);
    const request: OrderRequest = {
      symbol,
      side,
      type: 'market',
      amount: size,
      reduceOnly: false,
      clientOrderId: asClientOrderId(`ext-${this.externalSeq++}`),
    };
    const refusal = this.engine.check(id, request, this.rules);
    if (refusal !== undefined) throw new RangeError(`external ${side} of ${size} ${symbol} refused: ${refusal.reason}`);
    return this.engine.accept(id, request, { origin: 'external', visibleFrom: this.clock.now(), rules: this.rules }).id;
  }

  /** The recorded port calls matching `filter`, oldest first. */
  requests<M extends PortMethod = PortMethod>(filter: RequestFilter<M> = {}): SimRequest<M>[] {
    return filterRequests(this.log, filter);
  }

  /**
   * Tells `observer` of every change the matching engine makes (an order's state, a fill, a
   * position) as it happens, before any stream fault: the simulation's invariant checker reads
   * the venue's truth here.
   */
  observe(observer: (change: EngineChange) => void): void {
    this.observers.push(observer);
  }

  /** Opens the private stream of one account (ports call this from `subscribe`). */
  subscribe(account: AccountId, onEvent: (event: StreamEvent) => void): StreamSubscription {
    return this.hub.subscribe(account, onEvent);
  }

  /** Stops the price timer, fault timers and every stream. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) this.clock.clearTimeout(timer);
    this.timers.clear();
    this.hub.close();
    this.tickers.close();
  }

  /** The fraction a market execution fills: Bybit's slippage cap or a partial fill, when a fault says so. */
  private fillFraction(order: OrderState): number | undefined {
    if (order.origin !== 'port') return undefined;
    if (rulesOf(order.venue).marketProtection === 'cap') {
      const cap = this.faults.take('marketProtection', order.account);
      if (cap !== undefined) return cap.fraction ?? 0;
    }
    return this.faults.take('partialFill', order.account)?.fraction;
  }

  private triggeredStopPlan(order: OrderState): TriggeredStopPlan | undefined {
    const fault = this.faults.take('triggeredStop', order.account);
    return fault === undefined
      ? undefined
      : { holdMs: fault.holdMs ?? 1_000, outcome: fault.outcome ?? 'fill', fraction: fault.fraction ?? 0 };
  }

  private publish(change: EngineChange): void {
    for (const observer of this.observers) observer(change);
    switch (change.kind) {
      case 'order': {
        const raw = toCcxtOrder(change.order);
        this.hub.publish(change.order.account, (receivedAt) => ({
          type: 'order',
          report: normalizeOrder(raw, { source: 'stream', receivedAt }),
        }));
        return;
      }
      case 'fill': {
        const { order, tradeId, qty, price, at } = change;
        this.hub.publish(order.account, (receivedAt) => ({
          type: 'fill',
          report: {
            source: 'stream',
            venueTime: at,
            receivedAt,
            tradeId,
            venueOrderId: order.id,
            clientOrderId: order.clientOrderId,
            symbol: order.symbol,
            side: order.side,
            amount: qty,
            price,
          },
        }));
        return;
      }
      case 'position':
        this.hub.publish(change.account, (receivedAt) => ({
          type: 'position',
          report: simPositionReport(change.position, 'stream', receivedAt),
        }));
    }
  }

  /** A disconnect window starts and ends on the clock: re-check the streams at its edges. */
  private onFaultChange(rule: ActiveFaultRule): void {
    if (this.closed) return;
    this.hub.refreshAll();
    const when = rule.when;
    if (rule.fault.kind !== 'disconnect' || typeof when !== 'object' || !('from' in when)) return;
    for (const edge of [when.from, when.until])
      if (edge > this.clock.now()) this.later(edge - this.clock.now(), () => this.hub.refreshAll());
  }

  private startTicks(everyMs: number): void {
    if (!(everyMs > 0)) throw new RangeError(`priceTickMs must be positive, got ${everyMs}`);
    let last = this.clock.now();
    const step = (): void => {
      while (last + everyMs <= this.clock.now()) {
        last += everyMs;
        this.tick();
      }
      this.later(last + everyMs - this.clock.now(), step);
    };
    this.later(everyMs, step);
  }

  private later(ms: number, fn: () => void): void {
    if (this.closed) return;
    const timer = this.clock.setTimeout(() => {
      this.timers.delete(timer);
      fn();
      this.hub.deliverDue();
    }, ms);
    this.timers.add(timer);
  }
}
