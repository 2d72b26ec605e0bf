/**
 * The matching engine of the simulated venue: per-account orders and one-way net
 * positions, mark prices, and matching. Receives accepted orders, cancels and price moves;
 * sends every change (order state, fill, position) to `onChange`; touches only its own
 * state. Market orders fill at the mark; limit orders rest until the mark reaches their
 * price and fill at it; stop-market orders trigger when the mark crosses (buy: mark ≥
 * trigger, sell: mark ≤ trigger) and fill at the mark.
 *
 * Reduce-only, as Bybit does it: refused when placed if it would not reduce the position
 * (growing it, or opening one from flat); when it executes and is larger than the position,
 * its amount is lowered to what the position holds ("qty fixed"); when it executes with
 * nothing left to reduce (a stop that triggers on a flat position) it is cancelled.
 *
 * @example
 * const engine = new MatchingEngine({ clock, markets, historyMs: 60_000, fillFraction: () => undefined, onChange });
 * engine.accept(account, request, { origin: 'port', visibleFrom: clock.now() });
 */
import type { Clock } from '../../clock.js';
import { abs, add, floorToStep, gt, gte, isMultipleOf, lt, lte, mul } from '../../domain/decimal.js';
import { venueOrderId, type AccountId, type VenueOrderId } from '../../domain/ids.js';
import type { OrderLookup, OrderRequest } from '../port.js';
import type { SimMarketSpec } from './markets.js';
import { remainingOf, withFill, type OrderState } from './order-state.js';
import { applyFill, FLAT, reduces, type NetPosition } from './position-state.js';
import { Timeline } from './timeline.js';
import { SIM_CODES, type PositionView } from './wire.js';

/** One change of the engine's state, in the order it happened. */
export type EngineChange =
  | { readonly kind: 'order'; readonly order: OrderState }
  | { readonly kind: 'fill'; readonly tradeId: string; readonly order: OrderState; readonly qty: number; readonly price: number; readonly at: number }
  | { readonly kind: 'position'; readonly account: AccountId; readonly position: PositionView };

/** Why the venue refuses an order or a cancel: a stable code and a message. */
export interface Refusal {
  readonly code: string;
  readonly reason: string;
}

/** What the engine is given: the clock, the markets, and its two hooks. */
export interface MatchingEngineOptions {
  readonly clock: Clock;
  readonly markets: readonly SimMarketSpec[];
  /** How far back states are kept for lagging views. */
  readonly historyMs: number;
  /** The fraction a market execution of `order` fills (partial-fill fault), or all of it. */
  readonly fillFraction: (order: OrderState) => number | undefined;
  readonly onChange: (change: EngineChange) => void;
}

interface AccountBook {
  readonly orders: Map<string, Timeline<OrderState>>;
  readonly byClientId: Map<string, VenueOrderId>;
  readonly open: Set<string>;
  readonly positions: Map<string, Timeline<PositionView>>;
}

/** Orders, positions and marks of every account of one venue; see the module header. */
export class MatchingEngine {
  private readonly specs: ReadonlyMap<string, SimMarketSpec>;
  private readonly marks = new Map<string, number>();
  private readonly books = new Map<AccountId, AccountBook>();
  private nextOrderId = 1_000_001;
  private nextTradeId = 1;

  constructor(private readonly opts: MatchingEngineOptions) {
    this.specs = new Map(opts.markets.map((m) => [m.symbol, m]));
    for (const m of opts.markets) this.marks.set(m.symbol, m.initialPrice);
  }

  /** The listed markets, in listing order. */
  get markets(): SimMarketSpec[] {
    return [...this.specs.values()];
  }

  mark(symbol: string): number | undefined {
    return this.marks.get(symbol);
  }

  /** Moves the mark price and matches the resting orders of every account on `symbol`. */
  setMark(symbol: string, price: number): void {
    const spec = this.specs.get(symbol);
    if (spec === undefined) throw new RangeError(`the simulated venue does not list ${symbol}`);
    if (!Number.isFinite(price) || !gt(price, 0) || !isMultipleOf(price, spec.priceStep)) throw new RangeError(`price ${price} is not a positive multiple of ${spec.priceStep}`);
    this.marks.set(symbol, price);
    for (const book of this.books.values()) {
      for (const id of [...book.open]) {
        const order = book.orders.get(id)?.latest;
        if (order === undefined || order.symbol !== symbol || order.status !== 'open') continue;
        if (order.type === 'limit' && order.price !== undefined && crosses(order.side, price, order.price)) this.execute(order, order.price, false);
        if (order.type === 'stop-market' && order.triggerPrice !== undefined && triggers(order.side, price, order.triggerPrice)) this.execute(order, price, true);
      }
    }
  }

  hasClientOrderId(account: AccountId, clientOrderId: string): boolean {
    return this.book(account).byClientId.has(clientOrderId);
  }

  /** Why the venue would refuse `request` now, or `undefined` if it takes it. */
  check(account: AccountId, r: OrderRequest): Refusal | undefined {
    const spec = this.specs.get(r.symbol);
    const mark = this.marks.get(r.symbol);
    if (spec === undefined || mark === undefined) return { code: SIM_CODES.badSymbol, reason: `unknown symbol ${r.symbol}` };
    if (!Number.isFinite(r.amount) || lt(r.amount, spec.minAmount) || !isMultipleOf(r.amount, spec.amountStep)) {
      return { code: SIM_CODES.invalidAmount, reason: `amount ${r.amount} must be a multiple of ${spec.amountStep}, at least ${spec.minAmount}` };
    }
    const level = r.type === 'limit' ? r.price : r.type === 'stop-market' ? r.triggerPrice : mark;
    if (level === undefined || !Number.isFinite(level) || !gt(level, 0) || !isMultipleOf(level, spec.priceStep)) {
      return { code: SIM_CODES.invalidPrice, reason: `${r.type} order needs a ${r.type === 'limit' ? 'price' : 'trigger price'} on the grid of ${spec.priceStep}` };
    }
    if (r.type === 'stop-market' && triggers(r.side, mark, level)) {
      return { code: SIM_CODES.invalidPrice, reason: `trigger ${level} would fire at once at mark ${mark}` };
    }
    if (r.reduceOnly && !reduces(this.position(account, r.symbol), r.side)) {
      return { code: SIM_CODES.reduceOnlyWouldIncrease, reason: `reduce-only ${r.side} would not reduce the ${r.symbol} position` };
    }
    if (!r.reduceOnly && lt(mul(mul(r.amount, level), spec.contractSize), spec.minNotional)) {
      return { code: SIM_CODES.minNotional, reason: `order value below the minimum of ${spec.minNotional}` };
    }
    return undefined;
  }

  /** Takes an order that passed `check`, matches it at once if it can, and returns its state. */
  accept(account: AccountId, r: OrderRequest, meta: Pick<OrderState, 'origin' | 'visibleFrom'>): OrderState {
    const now = this.opts.clock.now();
    const book = this.book(account);
    const order: OrderState = {
      ...meta, id: venueOrderId(String(this.nextOrderId++)), clientOrderId: r.clientOrderId, account, symbol: r.symbol,
      side: r.side, type: r.type, amount: r.amount, price: r.type === 'limit' ? r.price : undefined,
      triggerPrice: r.type === 'stop-market' ? r.triggerPrice : undefined, reduceOnly: r.reduceOnly,
      filled: 0, average: undefined, status: 'open', createdAt: now, updatedAt: now,
    };
    book.orders.set(order.id, new Timeline(now, order));
    book.byClientId.set(order.clientOrderId, order.id);
    book.open.add(order.id);
    this.opts.onChange({ kind: 'order', order });
    const mark = this.marks.get(r.symbol) ?? 0;
    if (r.type === 'market') this.execute(order, mark, true);
    if (r.type === 'limit' && order.price !== undefined && crosses(r.side, mark, order.price)) this.execute(order, mark, false);
    return this.book(account).orders.get(order.id)?.latest ?? order;
  }

  /** Cancels an open order; refuses an unknown or finished one. */
  cancel(account: AccountId, lookup: OrderLookup): OrderState | Refusal {
    const order = this.find(account, lookup)?.latest;
    if (order === undefined) return { code: SIM_CODES.orderNotFound, reason: 'order not found' };
    if (order.status !== 'open') return { code: SIM_CODES.orderNotOpen, reason: `order ${order.id} is already ${order.status}` };
    return this.update({ ...order, status: 'canceled', updatedAt: this.opts.clock.now() });
  }

  /** The history of one order of `account`. */
  find(account: AccountId, lookup: OrderLookup): Timeline<OrderState> | undefined {
    const book = this.book(account);
    const id = lookup.venueOrderId ?? book.byClientId.get(lookup.clientOrderId ?? '');
    return id === undefined ? undefined : book.orders.get(id);
  }

  /** Every order of `account`, oldest first. */
  orders(account: AccountId): Timeline<OrderState>[] {
    return [...this.book(account).orders.values()];
  }

  /** The positions of `account` that ever changed, with their history. */
  positions(account: AccountId): Timeline<PositionView>[] {
    return [...this.book(account).positions.values()];
  }

  /** The current net position. */
  position(account: AccountId, symbol: string): NetPosition {
    return this.book(account).positions.get(symbol)?.latest ?? FLAT;
  }

  private execute(order: OrderState, price: number, market: boolean): void {
    const spec = this.specs.get(order.symbol);
    if (spec === undefined) return;
    const now = this.opts.clock.now();
    const position = this.position(order.account, order.symbol);
    let o = order;
    let qty = remainingOf(o);
    if (o.reduceOnly) {
      if (!reduces(position, o.side)) {
        this.update({ ...o, status: 'canceled', updatedAt: now });
        return;
      }
      const held = abs(position.size);
      if (gt(qty, held)) [o, qty] = [{ ...o, amount: add(o.filled, held) }, held];
    }
    const fraction = market ? this.opts.fillFraction(o) : undefined;
    if (fraction !== undefined) qty = floorToStep(mul(qty, fraction), spec.amountStep);
    const filled = this.update(withFill(o, qty, price, now, market));
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
    if (order.status !== 'open') book.open.delete(order.id);
    this.opts.onChange({ kind: 'order', order });
    return order;
  }

  private setPosition(account: AccountId, symbol: string, net: NetPosition): void {
    const now = this.opts.clock.now();
    const book = this.book(account);
    const timeline = book.positions.get(symbol);
    const position: PositionView = { symbol, ...net, markPrice: this.marks.get(symbol) ?? 0, seq: (timeline?.latest.seq ?? 0) + 1, at: now };
    if (timeline === undefined) book.positions.set(symbol, new Timeline(now, position));
    else {
      timeline.push(now, position);
      timeline.prune(now - this.opts.historyMs);
    }
    this.opts.onChange({ kind: 'position', account, position });
  }

  private book(account: AccountId): AccountBook {
    let book = this.books.get(account);
    if (book === undefined) {
      book = { orders: new Map(), byClientId: new Map(), open: new Set(), positions: new Map() };
      this.books.set(account, book);
    }
    return book;
  }
}

/** A limit order on `side` at `limit` is reached by `mark`. */
function crosses(side: 'buy' | 'sell', mark: number, limit: number): boolean {
  return side === 'buy' ? lte(mark, limit) : gte(mark, limit);
}

/** A stop on `side` with `trigger` fires at `mark`. */
function triggers(side: 'buy' | 'sell', mark: number, trigger: number): boolean {
  return side === 'buy' ? gte(mark, trigger) : lte(mark, trigger);
}
