/**
 * Trading calls first (see docs/architecture.md, Sweeps): sweeps share an account's request budget (the same
 * port, so the same rate limiter) with the position actors, but a sweep's query waits until
 * no trading call of the account is in flight. Receives calls; sends them to the port in
 * that order. Touches nothing else.
 *
 * @example
 * const gate = new PriorityGate(port);
 * const trading = gate.trading();      // what the position actors and the feed use
 * const sweeping = gate.background();  // what the sweeps use
 */
import type { ExchangePort } from './port.js';

export class PriorityGate {
  private inFlight = 0;
  private waiters: (() => void)[] = [];

  constructor(private readonly port: ExchangePort) {}

  /** The port as trading sees it: every call counts as in flight until it settles. */
  trading(): ExchangePort {
    return this.wrap(async (call) => {
      this.inFlight += 1;
      try {
        return await call();
      } finally {
        this.inFlight -= 1;
        if (this.inFlight === 0) this.release();
      }
    });
  }

  /** The port as a sweep sees it: each call waits until trading has nothing in flight. */
  background(): ExchangePort {
    return this.wrap(async (call) => {
      while (this.inFlight > 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
      return call();
    });
  }

  private release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private wrap(run: <T>(call: () => Promise<T>) => Promise<T>): ExchangePort {
    const p = this.port;
    return {
      account: p.account,
      venue: p.venue,
      loadMarkets: () => p.loadMarkets(),
      fetchPositionMode: () => p.fetchPositionMode(),
      subscribe: (onEvent) => p.subscribe(onEvent),
      close: () => p.close(),
      fetchMarkPrice: (symbol) => run(() => p.fetchMarkPrice(symbol)),
      createOrder: (request) => run(() => p.createOrder(request)),
      cancelOrder: (lookup, symbol) => run(() => p.cancelOrder(lookup, symbol)),
      fetchOrder: (lookup, symbol) => run(() => p.fetchOrder(lookup, symbol)),
      fetchOpenOrders: (symbol) => run(() => p.fetchOpenOrders(symbol)),
      fetchPositions: (symbols) => run(() => p.fetchPositions(symbols)),
    };
  }
}
