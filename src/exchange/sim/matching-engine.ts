/**
 * Over 300 lines on purpose: one matching engine (orders, triggers, fills, positions) whose steps share its state; the order checks are apart (order-checks.ts).
 *
 * The matching engine of the simulated venue: per-account orders and one-way net positions,
 * mark and last prices, and matching. Receives accepted orders, cancels and price moves;
 * sends every change (order state, fill, position) to `onChange`; touches only its own state.
 * Market orders fill at the last price; limit orders rest until the last price reaches their
 * price and fill at it; stop-market orders trigger when the price their `triggerBy` names
 * crosses the trigger (buy: price ≥ trigger, sell: price ≤ trigger) and fill at the last price
 * (at once, or after a hold, see the `triggeredStop` fault).
 *
 * Reduce-only follows the rules the order was placed under (venue-rules.ts): refused when placed
 * if it would not reduce the position (a Binance stop is accepted and judged at its trigger);
 * lowered to what the position holds when it executes ("qty fixed"); a stop that triggers with
 * nothing to reduce ends cancelled (Bybit) or rejected (Binance); Binance expires untriggered
 * reduce-only stops when their position goes flat.
 *
 * @example
 * const engine = new MatchingEngine({ clock, markets, historyMs: 60_000, fillFraction: () => undefined, triggeredStop: () => undefined, later, onChange });
 * engine.accept(account, request, { origin: 'port', visibleFrom: clock.now(), rules: BYBIT_RULES });
 */
import type { Clock } from '../../clock.js';
import { abs, add, floorToStep, gt, mul } from '../../domain/decimal.js';
import { asVenueOrderId, type AccountId, type VenueOrderId } from '../../domain/ids.js';
import type { OrderLookup, OrderRequest } from '../port.js';
import type { SimMarketSpec } from './markets.js';
import { OpenOrderIndex } from './open-orders.js';
import { crosses, refusalOf, triggers, type Refusal } from './order-checks.js';
import { isFinished, remainingOf, withFill, type OrderState } from './order-state.js';
import { applyFill, FLAT, reduces, type NetPosition } from './position-state.js';
import { PriceBook, type MarketPrices } from './price-book.js';
import { SortedKeys } from './sorted-keys.js';
import { Timeline } from './timeline.js';
import { rulesOf, type EndReason, type TriggerBy, type VenueRules } from './venue-rules.js';
import { SIM_CODES, type PositionView } from './venue-replies.js';

export type { Refusal } from './order-checks.js';

/** One change of the engine's state, in the order it happened. */
export type EngineChange =
  | { readonly kind: 'order'; readonly order: OrderState }
  | {
      readonly kind: 'fill';
      readonly tradeId: string;
      readonly order: OrderState;
      readonly qty: number;
      readonly price: number;
      readonly at: number;
    }
  | { readonly kind: 'position'; readonly account: AccountId; readonly position: PositionView };

/** How a triggered stop executes when it does not fill at once (the `triggeredStop` fault). */
export interface TriggeredStopPlan {
  /** How long the triggered order stays in the matching engine unfilled. */
  readonly holdMs: number;
  /** Then it fills, or it is cancelled in the engine after filling `fraction`. */
  readonly outcome: 'fill' | 'cancel';
  readonly fraction: number;
}

/** What the engine is given: the clock, the markets, and its hooks. */
export interface MatchingEngineOptions {
  readonly clock: Clock;
  readonly markets: readonly SimMarketSpec[];
  /** How far back states are kept for lagging views. */
  readonly historyMs: number;
  /** The fraction a market execution of `order` fills (partial fill, Bybit's slippage cap), or all of it. */
  readonly fillFraction: (order: OrderState) => number | undefined;
  /** How a stop that just triggered executes, or `undefined` to fill it at once. */
  readonly triggeredStop: (order: OrderState) => TriggeredStopPlan | undefined;
  /** Runs `fn` after `ms` on the venue clock. */
  readonly later: (ms: number, fn: () => void) => void;
  readonly onChange: (change: EngineChange) => void;
}

/** How an accepted order came in. */
export interface AcceptMeta extends Pick<OrderState, 'origin' | 'visibleFrom'> {
  readonly rules: VenueRules;
  /** The price a stop fires on; the venue's default when absent. */
  readonly triggerBy?: TriggerBy | undefined;
}

interface AccountBook {
  readonly orders: Map<string, Timeline<OrderState>>;
  /** The latest order of each client order id. */
  readonly byClientId: Map<string, VenueOrderId>;
  readonly open: Set<string>;
  /** The same open orders in page order, and when orders ended: what lists of open orders read. */
  readonly openIndex: OpenOrderIndex;
  readonly positions: Map<string, Timeline<PositionView>>;
  /** The symbols of `positions` in page order. */
  readonly positionKeys: SortedKeys;
}

/** Orders, positions and prices of every account of one venue; see the module header. */
export class MatchingEngine {
  private readonly prices: PriceBook;
  private readonly books = new Map<AccountId, AccountBook>();
  private nextOrderId = 1_000_001;
  private nextTradeId = 1;

  constructor(private readonly opts: MatchingEngineOptions) {
    this.prices = new PriceBook(opts.markets);
  }

  /** The listed markets, in listing order. */
  get markets(): SimMarketSpec[] {
    return this.prices.markets;
  }

  mark(symbol: string): number | undefined {
    return this.prices.of(symbol, 'mark');
  }

  /** Both prices of `symbol`, or `undefined` when it is not listed. */
  pricesOf(symbol: string): MarketPrices | undefined {
    return this.prices.get(symbol);
  }

  /** Moves the mark and last prices (together unless only one is given) and matches every resting order on `symbol`. */
  setPrices(symbol: string, next: Partial<MarketPrices>): void {
    const now = this.prices.set(symbol, next);
    for (const book of this.books.values()) {
      for (const id of [...book.open]) {
        const order = book.orders.get(id)?.latest;
        if (order === undefined || order.symbol !== symbol || order.status !== 'open') continue;
        if (order.type === 'limit' && order.price !== undefined && crosses(order.side, now.last, order.price))
          this.execute(order, order.price, false);
        if (
          order.type === 'stop-market' &&
          order.triggerPrice !== undefined &&
          triggers(order.side, now[order.triggerBy ?? 'last'], order.triggerPrice)
        )
          this.trigger(order);
      }
    }
  }

  /** True when `clientOrderId` may not be used again: by any order of the account, or by an open one (`scope`). */
  clientIdTaken(account: AccountId, clientOrderId: string, scope: VenueRules['clientIdScope']): boolean {
    const id = this.book(account).byClientId.get(clientOrderId);
    if (id === undefined) return false;
    const latest = this.book(account).orders.get(id)?.latest;
    return scope === 'account' || (latest !== undefined && !isFinished(latest));
  }

  /** Why the venue would refuse `request` under `rules` now, or `undefined` if it takes it. */
  check(
    account: AccountId,
    r: OrderRequest,
    rules: VenueRules,
    triggerBy: TriggerBy = rules.defaultTriggerBy,
  ): Refusal | undefined {
    return refusalOf(r, {
      spec: this.prices.spec(r.symbol),
      prices: this.prices.get(r.symbol),
      position: this.position(account, r.symbol),
      rules,
      triggerBy,
    });
  }

  /** Takes an order that passed `check`, matches it at once if it can, and returns its state. */
  accept(account: AccountId, r: OrderRequest, meta: AcceptMeta): OrderState {
    const now = this.opts.clock.now();
    const book = this.book(account);
    const last = this.prices.get(r.symbol)?.last ?? 0;
    const { rules, triggerBy, ...origin } = meta;
    const order: OrderState = {
      ...origin,
      id: asVenueOrderId(String(this.nextOrderId++)),
      clientOrderId: r.clientOrderId,
      account,
      symbol: r.symbol,
      side: r.side,
      type: r.type,
      amount: r.amount,
      price: r.type === 'limit' ? r.price : undefined,
      triggerPrice: r.type === 'stop-market' ? r.triggerPrice : undefined,
      reduceOnly: r.reduceOnly,
      filled: 0,
      average: undefined,
      status: 'open',
      createdAt: now,
      updatedAt: now,
      venue: rules.kind,
      triggerBy: r.type === 'stop-market' ? (triggerBy ?? rules.defaultTriggerBy) : undefined,
      triggeredAt: undefined,
      endReason: undefined,
      lastPriceOnCreated: last,
      priceStep: this.prices.spec(r.symbol)?.priceStep ?? 0,
    };
    book.orders.set(order.id, new Timeline(now, order));
    book.byClientId.set(order.clientOrderId, order.id);
    book.open.add(order.id);
    book.openIndex.opened(order.id, order.symbol);
    this.opts.onChange({ kind: 'order', order });
    if (r.type === 'market') this.execute(order, last, true);
    if (r.type === 'limit' && order.price !== undefined && crosses(r.side, last, order.price))
      this.execute(order, last, false);
    return this.book(account).orders.get(order.id)?.latest ?? order;
  }

  /** Cancels an open (or triggered) order; refuses an unknown or finished one. */
  cancel(account: AccountId, lookup: OrderLookup, reason: EndReason = 'user'): OrderState | Refusal {
    const order = this.find(account, lookup)?.latest;
    if (order === undefined) return { code: SIM_CODES.orderNotFound, reason: 'order not found' };
    if (isFinished(order))
      return { code: SIM_CODES.orderNotOpen, reason: `order ${order.id} is already ${order.status}` };
    return this.update({ ...order, status: 'canceled', endReason: reason, updatedAt: this.opts.clock.now() });
  }

  /** Cancels every open or triggered order of `account` (Bybit's disconnect protection); returns how many. */
  cancelAll(account: AccountId, reason: EndReason): number {
    const book = this.book(account);
    let n = 0;
    for (const id of [...book.open])
      if ('id' in this.cancel(account, { venueOrderId: asVenueOrderId(id) }, reason)) n++;
    return n;
  }

  /** The history of one order of `account` (by client id: the latest order that used it). */
  find(account: AccountId, lookup: OrderLookup): Timeline<OrderState> | undefined {
    const book = this.book(account);
    const id = lookup.venueOrderId ?? book.byClientId.get(lookup.clientOrderId ?? '');
    return id === undefined ? undefined : book.orders.get(id);
  }

  /** Every order of `account`, oldest first. */
  orders(account: AccountId): Timeline<OrderState>[] {
    return [...this.book(account).orders.values()];
  }

  /**
   * The ids of the orders of `account` that may be open at venue time `t` (open now, or ended
   * after `t`), on `symbol` only when given, in page order after `cursor` (open-orders.ts).
   */
  openOrderIdsAt(account: AccountId, t: number, symbol?: string, cursor?: string): Iterable<string> {
    return this.book(account).openIndex.candidatesAt(t, symbol, cursor);
  }

  /** The positions of `account` that ever changed, with their history. */
  positions(account: AccountId): Timeline<PositionView>[] {
    return [...this.book(account).positions.values()];
  }

  /** The symbols of `account`'s positions that ever changed, in page order after `cursor`. */
  positionSymbols(account: AccountId, cursor?: string): Iterable<string> {
    return this.book(account).positionKeys.after(cursor);
  }

  /** The history of `account`'s position on `symbol`, if it ever changed. */
  positionHistory(account: AccountId, symbol: string): Timeline<PositionView> | undefined {
    return this.book(account).positions.get(symbol);
  }

  /** The current net position. */
  position(account: AccountId, symbol: string): NetPosition {
    return this.book(account).positions.get(symbol)?.latest ?? FLAT;
  }

  /** A stop's trigger fired: it ends at once if there is nothing to reduce, else it executes (now or after a hold). */
  private trigger(order: OrderState): void {
    const now = this.opts.clock.now();
    if (order.reduceOnly && !reduces(this.position(order.account, order.symbol), order.side)) {
      const status = rulesOf(order.venue).nothingToReduceAtTrigger;
      // Refused before its order entered the matching engine: no actual order, no trigger time kept.
      this.update({ ...order, status, endReason: 'nothing-to-reduce', updatedAt: now });
      return;
    }
    const triggered: OrderState = { ...order, status: 'triggered', triggeredAt: now, updatedAt: now };
    const plan = this.opts.triggeredStop(triggered);
    if (plan === undefined) {
      this.execute(triggered, this.prices.get(order.symbol)?.last ?? 0, true);
      return;
    }
    this.update(triggered);
    this.opts.later(plan.holdMs, () => {
      const current = this.find(order.account, { venueOrderId: order.id })?.latest;
      if (current?.status !== 'triggered') return;
      const last = this.prices.get(order.symbol)?.last ?? 0;
      if (plan.outcome === 'fill') this.execute(current, last, true);
      else this.execute(current, last, true, { fraction: plan.fraction, reason: 'engine' });
    });
  }

  private execute(
    order: OrderState,
    price: number,
    market: boolean,
    forced?: { fraction: number; reason: EndReason },
  ): void {
    const spec = this.prices.spec(order.symbol);
    if (spec === undefined) return;
    const now = this.opts.clock.now();
    const position = this.position(order.account, order.symbol);
    let o = order;
    let qty = remainingOf(o);
    if (o.reduceOnly) {
      if (!reduces(position, o.side)) {
        this.update({ ...o, status: 'canceled', endReason: 'nothing-to-reduce', updatedAt: now });
        return;
      }
      const held = abs(position.size);
      if (gt(qty, held)) [o, qty] = [{ ...o, amount: add(o.filled, held) }, held];
    }
    const fraction = forced?.fraction ?? (market ? this.opts.fillFraction(o) : undefined);
    if (fraction !== undefined) qty = floorToStep(mul(qty, fraction), spec.amountStep);
    const remainder = forced !== undefined ? 'canceled' : rulesOf(o.venue).marketRemainder;
    const next = withFill(o, qty, price, now, market, remainder);
    const filled = this.update(
      forced !== undefined && next.endReason !== undefined ? { ...next, endReason: forced.reason } : next,
    );
    if (!gt(qty, 0)) return;
    this.opts.onChange({ kind: 'fill', tradeId: `T${this.nextTradeId++}`, order: filled, qty, price, at: now });
    this.setPosition(order.account, order.symbol, applyFill(position, order.side, qty, price));
  }

  private update(order: OrderState): OrderState {
    const book = this.book(order.account);
    const timeline = book.orders.get(order.id);
    if (timeline === undefined) throw new Error(`order ${order.id} was never accepted`);
    timeline.push(order.updatedAt, order);
    timeline.prune(order.updatedAt - this.opts.historyMs);
    if (isFinished(order) && book.open.delete(order.id)) book.openIndex.ended(order.id, order.symbol, order.updatedAt);
    this.opts.onChange({ kind: 'order', order });
    return order;
  }

  private setPosition(account: AccountId, symbol: string, net: NetPosition): void {
    const now = this.opts.clock.now();
    const book = this.book(account);
    const timeline = book.positions.get(symbol);
    const position: PositionView = {
      symbol,
      ...net,
      markPrice: this.mark(symbol) ?? 0,
      seq: (timeline?.latest.seq ?? 0) + 1,
      at: now,
    };
    if (timeline === undefined) {
      book.positions.set(symbol, new Timeline(now, position));
      book.positionKeys.add(symbol);
    } else {
      timeline.push(now, position);
      timeline.prune(now - this.opts.historyMs);
    }
    this.opts.onChange({ kind: 'position', account, position });
    if (net.size === 0) this.expireReduceOnlyStops(book, symbol, now);
  }

  /** Binance cancels untriggered reduce-only stops when their position closes (`EXPIRED`). */
  private expireReduceOnlyStops(book: AccountBook, symbol: string, now: number): void {
    for (const id of [...book.open]) {
      const o = book.orders.get(id)?.latest;
      if (o === undefined || o.symbol !== symbol || o.type !== 'stop-market' || !o.reduceOnly || o.status !== 'open')
        continue;
      if (rulesOf(o.venue).reduceOnlyStopsWhenFlat === 'expire')
        this.update({ ...o, status: 'expired', endReason: 'position-closed', updatedAt: now });
    }
  }

  private book(account: AccountId): AccountBook {
    let book = this.books.get(account);
    if (book === undefined) {
      book = {
        orders: new Map(),
        byClientId: new Map(),
        open: new Set(),
        openIndex: new OpenOrderIndex(),
        positions: new Map(),
        positionKeys: new SortedKeys(),
      };
      this.books.set(account, book);
    }
    return book;
  }
}
