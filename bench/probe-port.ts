/**
 * An `ExchangePort` that wraps another and tells a probe, with `performance.now()`, when a
 * create call has run, when its reply comes back, and when each stream event is handed to
 * posguard (just before and just after posguard's handler runs). It changes nothing the
 * guard sees: same calls, same answers, same events, in the same order.
 *
 * @example
 * const port = probePort(createSimPort(venue, 'a0'), { createCalled, afterCreate, beforeEvent, afterEvent });
 * await createGuard(config, { ports: { a0: port } });
 */
import type { Outcome } from '../src/domain/outcome.js';
import type { CreateAck, ExchangePort, OrderRequest, StreamEvent } from '../src/exchange/port.js';

export interface PortProbe {
  /**
   * The create call's synchronous part has run (`at`): on the in-process simulator a market
   * order has been matched by then, so this is the venue's fill moment.
   */
  createCalled(request: OrderRequest, at: number): void;
  /** The create call returned `outcome` at `at` (before the caller's continuation runs). */
  afterCreate(request: OrderRequest, outcome: Outcome<CreateAck>, at: number): void;
  /** `event` is about to be handed to posguard's stream handler. */
  beforeEvent(event: StreamEvent, at: number): void;
  /** posguard's stream handler returned from `event` (synchronous transitions are done). */
  afterEvent(event: StreamEvent, at: number): void;
}

export function probePort(inner: ExchangePort, probe: PortProbe): ExchangePort {
  return {
    account: inner.account,
    venue: inner.venue,
    loadMarkets: () => inner.loadMarkets(),
    fetchMarkPrice: (symbol) => inner.fetchMarkPrice(symbol),
    fetchPositionMode: () => inner.fetchPositionMode(),
    createOrder: async (request) => {
      const pending = inner.createOrder(request);
      probe.createCalled(request, performance.now());
      const outcome = await pending;
      probe.afterCreate(request, outcome, performance.now());
      return outcome;
    },
    cancelOrder: (lookup, symbol) => inner.cancelOrder(lookup, symbol),
    fetchOrder: (lookup, symbol) => inner.fetchOrder(lookup, symbol),
    fetchOpenOrders: (symbol) => inner.fetchOpenOrders(symbol),
    fetchPositions: () => inner.fetchPositions(),
    subscribe: (onEvent) =>
      inner.subscribe((event) => {
        probe.beforeEvent(event, performance.now());
        onEvent(event);
        probe.afterEvent(event, performance.now());
      }),
    close: () => inner.close(),
  };
}
