/**
 * An `ExchangePort` whose private stream the benchmark drives by hand: `emit(events)` hands
 * every event to the subscriber synchronously, in order (a stream that delivers a burst).
 * REST answers are fixed: the listed markets, one-way mode, no positions, the given open
 * orders, nothing found by `fetchOrder`. State-changing calls are counted and answered
 * `Unknown` (a routing bench must send none). Touches nothing.
 *
 * @example
 * const port = new ScriptedPort('bench', markets, openOrders);
 * const feed = createActor(wireFeedMachine(port, directory)).start();
 * port.emit([{ type: 'connection', status: 'up' }]);
 */
import { asAccountId, type AccountId, type VenueOrderId } from '../src/domain/ids.js';
import type { Market } from '../src/domain/market.js';
import { unknown, type Outcome } from '../src/domain/outcome.js';
import type { OrderStatusReport, PositionStatusReport } from '../src/domain/reports.js';
import type { CreateAck, ExchangePort, PositionMode, StreamEvent, StreamSubscription } from '../src/exchange/port.js';

export class ScriptedPort implements ExchangePort {
  readonly account: AccountId;
  readonly venue = 'scripted';
  /** Calls that could have changed venue state (create, cancel): 0 in a routing bench. */
  stateChangingCalls = 0;
  /** REST queries answered (the feed's resync; positions polling while their feed is down). */
  queries = 0;
  private handler: ((event: StreamEvent) => void) | undefined;

  constructor(
    account: string,
    private readonly markets: ReadonlyMap<string, Market>,
    private readonly openOrders: readonly OrderStatusReport[],
  ) {
    this.account = asAccountId(account);
  }

  /** Whether someone (the feed) listens to the stream. */
  get subscribed(): boolean {
    return this.handler !== undefined;
  }

  /** Delivers `events` to the subscriber, synchronously and in order; returns how many were delivered. */
  emit(events: readonly StreamEvent[]): number {
    const handler = this.handler;
    if (handler === undefined) return 0;
    for (const event of events) handler(event);
    return events.length;
  }

  async loadMarkets(): Promise<ReadonlyMap<string, Market>> {
    return this.markets;
  }

  async fetchMarkPrice(): Promise<number> {
    this.queries++;
    return 0.25;
  }

  async fetchPositionMode(): Promise<PositionMode> {
    return 'one-way';
  }

  async createOrder(): Promise<Outcome<CreateAck>> {
    this.stateChangingCalls++;
    return unknown('the scripted port sends no orders');
  }

  async cancelOrder(): Promise<Outcome<{ readonly venueOrderId: VenueOrderId }>> {
    this.stateChangingCalls++;
    return unknown('the scripted port cancels no orders');
  }

  async fetchOrder(): Promise<OrderStatusReport | undefined> {
    this.queries++;
    return undefined;
  }

  async fetchOpenOrders(): Promise<OrderStatusReport[]> {
    this.queries++;
    return [...this.openOrders];
  }

  async fetchPositions(): Promise<PositionStatusReport[]> {
    this.queries++;
    return [];
  }

  subscribe(onEvent: (event: StreamEvent) => void): StreamSubscription {
    this.handler = onEvent;
    return {
      close: async () => {
        if (this.handler === onEvent) this.handler = undefined;
      },
    };
  }

  async close(): Promise<void> {
    this.handler = undefined;
  }
}
