/**
 * Fixtures for tests of the pure position machine: one market, one position id, timing
 * settings small enough for simulated time, report builders, and a `SimulatedClock` that
 * knows when its next timer is due (so a test can jump from timer to timer exactly).
 */
import { SimulatedClock } from 'xstate';
import { clientOrderId, type OrderRole } from '../../src/domain/client-order-id.js';
import {
  newPositionId,
  asVenueOrderId,
  type ClientOrderId,
  type PositionId,
  type VenueOrderId,
} from '../../src/domain/ids.js';
import type { Intent } from '../../src/domain/intent.js';
import { asAccountId } from '../../src/domain/ids.js';
import type { Market } from '../../src/domain/market.js';
import type {
  FillReport,
  OrderStatus,
  OrderStatusReport,
  OrderType,
  PositionStatusReport,
  ReportSource,
} from '../../src/domain/reports.js';
import type { Side } from '../../src/domain/side.js';
import type { PositionSettings } from '../../src/machines/position.context.js';
import type { PositionInput } from '../../src/machines/position.events.js';

export const T0 = 1_764_000_000_000;
export const AVL = 'AVL/USDT:USDT';
export const POSITION_ID: PositionId = newPositionId(T0, new Uint8Array(10).fill(7));

export const MARKET: Market = {
  symbol: AVL,
  amountStep: 1,
  priceStep: 0.0001,
  minAmount: 1,
  minNotional: 5,
  contractSize: 1,
};

/** Verification settings scaled down to simulated milliseconds. */
export const SETTINGS: PositionSettings = {
  timeoutMs: 1_000,
  unknownAlertAfterMs: 3_000,
  closeVerifyAttempts: 5,
  closeVerifyWindowMs: 1_000,
  restLagMs: 300,
  reportStaleMs: 2_000,
  feedDownPollMs: 100,
  protectionOnFailure: 'rollback',
  maxCloseOrders: 3,
  maxStops: 5,
};

export const INTENT: Intent = { account: asAccountId('main'), symbol: AVL, side: 'buy', amount: 43 };

export function positionInput(
  over: {
    readonly intent?: Partial<Intent>;
    readonly settings?: Partial<PositionSettings>;
    readonly now?: number;
    readonly hedgeMode?: boolean;
  } = {},
): PositionInput {
  return {
    id: POSITION_ID,
    intent: { ...INTENT, ...over.intent },
    market: MARKET,
    hedgeMode: over.hedgeMode ?? false,
    settings: { ...SETTINGS, ...over.settings },
    now: over.now ?? T0,
  };
}

export const orderId = (role: OrderRole): ClientOrderId => clientOrderId(POSITION_ID, role);
export const venueIdOf = (id: ClientOrderId): VenueOrderId => asVenueOrderId(`v-${id}`);
export const ENTRY_ID = orderId('entry');
export const STOP_ID = orderId('stop');

export interface OrderShape {
  readonly clientOrderId: ClientOrderId;
  readonly side: Side;
  readonly amount: number;
  readonly type?: OrderType;
  readonly reduceOnly?: boolean;
  readonly triggerPrice?: number;
}

/** The entry of `INTENT` (buy 43, market). */
export const ENTRY: OrderShape = { clientOrderId: ENTRY_ID, side: 'buy', amount: 43 };
/** Its stop (sell, reduce-only, stop-market). */
export const STOP: OrderShape = {
  clientOrderId: STOP_ID,
  side: 'sell',
  amount: 43,
  type: 'stop-market',
  reduceOnly: true,
  triggerPrice: 0.21,
};

export function orderReport(
  order: OrderShape,
  r: {
    readonly status: OrderStatus;
    readonly filled: number;
    readonly receivedAt: number;
    readonly venueTime?: number;
    readonly source?: ReportSource;
    readonly side?: Side;
  },
): OrderStatusReport {
  return {
    source: r.source ?? 'order-query',
    venueTime: r.venueTime ?? r.receivedAt,
    receivedAt: r.receivedAt,
    venueOrderId: venueIdOf(order.clientOrderId),
    clientOrderId: order.clientOrderId,
    symbol: AVL,
    side: r.side ?? order.side,
    type: order.type ?? 'market',
    amount: order.amount,
    filled: r.filled,
    averagePrice: r.filled > 0 ? 0.25 : undefined,
    status: r.status,
    reduceOnly: order.reduceOnly ?? false,
    triggerPrice: order.triggerPrice,
  };
}

export function fillReport(
  order: OrderShape,
  r: {
    readonly amount: number;
    readonly receivedAt: number;
    readonly venueTime?: number;
    readonly tradeId?: string;
  },
): FillReport {
  return {
    source: 'stream',
    venueTime: r.venueTime ?? r.receivedAt,
    receivedAt: r.receivedAt,
    tradeId: r.tradeId ?? `t-${order.clientOrderId}-${r.receivedAt}`,
    venueOrderId: venueIdOf(order.clientOrderId),
    clientOrderId: order.clientOrderId,
    symbol: AVL,
    side: order.side,
    amount: r.amount,
    price: 0.25,
  };
}

/** A position report; `side` is dropped when `size` is 0 (flat). */
export function positionReport(r: {
  readonly side?: Side;
  readonly size: number;
  readonly receivedAt: number;
  readonly venueTime?: number;
  readonly source?: ReportSource;
}): PositionStatusReport {
  return {
    source: r.source ?? 'position-query',
    venueTime: r.venueTime ?? r.receivedAt,
    receivedAt: r.receivedAt,
    symbol: AVL,
    side: r.size === 0 ? undefined : r.side,
    size: r.size,
    entryPrice: r.size === 0 ? undefined : 0.25,
    markPrice: 0.25,
  };
}

/**
 * XState's `SimulatedClock` that also knows when its next timer is due, so that tests jump
 * from timer to timer instead of crawling in small increments.
 */
export class TestClock extends SimulatedClock {
  private readonly due = new Map<number, number>();

  constructor(start = T0) {
    super();
    this.set(start);
  }

  override setTimeout(fn: (...args: unknown[]) => void, timeout: number): number {
    const box: { id?: number } = {};
    const id = super.setTimeout(() => {
      if (box.id !== undefined) this.due.delete(box.id);
      fn();
    }, timeout);
    box.id = id;
    this.due.set(id, this.now() + timeout);
    return id;
  }

  override clearTimeout(id: number): void {
    this.due.delete(id);
    super.clearTimeout(id);
  }

  /** The earliest time at which a pending timer fires, if any. */
  nextDue(): number | undefined {
    let next: number | undefined;
    for (const t of this.due.values()) if (next === undefined || t < next) next = t;
    return next;
  }

  /** Advances to `target`, firing every timer on the way at its own time (synchronous effects only). */
  advanceSync(ms: number): void {
    const target = this.now() + ms;
    for (let fired = 0; ; fired++) {
      const next = this.nextDue();
      if (next === undefined || next > target) break;
      if (!Number.isFinite(next) || fired > 100_000)
        throw new Error(`timer storm or a bad delay (next due ${next}) before ${target}`);
      this.set(Math.max(next, this.now()));
    }
    this.set(target);
  }
}

/** The public state name of a snapshot value (`{ verifying: 'querying' }` → `verifying`). */
export function topState(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) return Object.keys(value)[0] ?? '?';
  return '?';
}
