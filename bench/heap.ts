/**
 * Heap figures for the benchmark: `heapUsed` after full garbage collections, and the share
 * of a simulated venue in a run's heap growth, found by replaying the run's requests on a
 * fresh venue (so that posguard's own share can be told apart from the simulator's).
 * Needs `global.gc` (node `--expose-gc`); callers print "not measured" without it.
 *
 * @example
 * const before = heapAfterGc(gc); … const after = heapAfterGc(gc);
 * const venueBytes = replayedVenueBytes(gc, venue.requests().slice(k), faults, markets);
 */
import { systemClock } from '../src/clock.js';
import { SimExchange, type FaultRule, type SimMarketSpec, type SimRequest } from '../src/exchange/sim/index.js';

export interface HeapFigures {
  readonly totalPerPosition: number;
  readonly venuePerPosition: number;
}

/** `heapUsed` after a full collection. */
export function heapAfterGc(gc: () => void): number {
  gc();
  return process.memoryUsage().heapUsed;
}

/** Heap growth of a fresh venue (same markets and faults) that receives `requests` again. */
export function replayedVenueBytes(
  gc: () => void,
  requests: readonly SimRequest[],
  faults: readonly FaultRule[],
  markets: readonly SimMarketSpec[],
): number {
  const venue = new SimExchange({ clock: systemClock, seed: 1, markets });
  for (const rule of faults) venue.faults.set(rule);
  const before = heapAfterGc(gc);
  for (const r of requests) replay(venue, r);
  const after = heapAfterGc(gc);
  venue.close();
  return after - before;
}

function replay(venue: SimExchange, r: SimRequest): void {
  const s = venue.server;
  switch (r.method) {
    case 'loadMarkets':
      s.loadMarkets(r.account);
      return;
    case 'fetchMarkPrice':
      s.fetchMarkPrice(r.account, r.params.symbol);
      return;
    case 'fetchPositionMode':
      s.fetchPositionMode(r.account);
      return;
    case 'createOrder':
      s.createOrder(r.account, r.params);
      return;
    case 'cancelOrder':
      s.cancelOrder(r.account, r.params.lookup, r.params.symbol);
      return;
    case 'fetchOrder':
      s.fetchOrder(r.account, r.params.lookup, r.params.symbol);
      return;
    case 'fetchOpenOrders':
      s.fetchOpenOrders(r.account, r.params.symbol);
      return;
    case 'fetchPositions':
      s.fetchPositions(r.account);
  }
}
