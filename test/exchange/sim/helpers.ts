/**
 * Shared set-up for the simulated exchange tests: a venue on XState's `SimulatedClock`
 * started at a realistic time, a port for account `main`, order builders and a stream
 * recorder.
 */
import { SimulatedClock } from 'xstate';
import { asAccountId, asClientOrderId, type ClientOrderId } from '../../../src/domain/ids.js';
import type { Side } from '../../../src/domain/side.js';
import type { OrderRequest, StreamEvent } from '../../../src/exchange/port.js';
import { SimExchange, createSimPort, type SimExchangeOptions } from '../../../src/exchange/sim/index.js';
import type { SimPort } from '../../../src/exchange/sim/index.js';

export const T0 = 1_700_000_000_000;
export const AVL = 'AVL/USDT:USDT';
export const BTC = 'BTC/USDT:USDT';
export const MAIN = asAccountId('main');

export function setup(options: Partial<Omit<SimExchangeOptions, 'clock'>> = {}): {
  clock: SimulatedClock;
  venue: SimExchange;
  port: SimPort;
} {
  const clock = new SimulatedClock();
  clock.set(T0);
  const venue = new SimExchange({ clock, seed: 1, ...options });
  return { clock, venue, port: createSimPort(venue, MAIN) };
}

let counter = 0;
export function cid(role = 'e'): ClientOrderId {
  counter += 1;
  return asClientOrderId(`pg-test-${counter}-${role}`);
}

export function market(side: Side, amount: number, extra: Partial<OrderRequest> = {}): OrderRequest {
  return { symbol: AVL, side, type: 'market', amount, clientOrderId: cid(), reduceOnly: false, ...extra };
}

export function limit(side: Side, amount: number, price: number, extra: Partial<OrderRequest> = {}): OrderRequest {
  return { symbol: AVL, side, type: 'limit', amount, price, clientOrderId: cid(), reduceOnly: false, ...extra };
}

export function stop(
  side: Side,
  amount: number,
  triggerPrice: number,
  extra: Partial<OrderRequest> = {},
): OrderRequest {
  return {
    symbol: AVL,
    side,
    type: 'stop-market',
    amount,
    triggerPrice,
    clientOrderId: cid('sl'),
    reduceOnly: true,
    ...extra,
  };
}

/** Subscribes and keeps every event the port delivers. */
export function record(port: SimPort): StreamEvent[] {
  const events: StreamEvent[] = [];
  port.subscribe((e) => events.push(e));
  return events;
}

export function ofType<T extends StreamEvent['type']>(
  events: readonly StreamEvent[],
  type: T,
): Extract<StreamEvent, { type: T }>[] {
  return events.filter((e): e is Extract<StreamEvent, { type: T }> => e.type === type);
}
