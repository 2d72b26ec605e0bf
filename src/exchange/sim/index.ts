/**
 * The in-process simulated exchange: a venue (`SimExchange`) with matching, positions,
 * a seeded price path, fault knobs and a request record, and its `ExchangePort`
 * (`createSimPort`), one per account.
 *
 * @example
 * import { SimExchange, createSimPort } from './exchange/sim/index.js';
 * const venue = new SimExchange({ clock, seed: 42, priceTickMs: 1_000 });
 * const port = createSimPort(venue, 'paper');
 */
export { SimExchange, type SimExchangeOptions } from './sim-exchange.js';
export { SimPort, SimPortClosed, createSimPort, type SimPortOptions } from './sim-port.js';
export {
  BINANCE_RULES,
  BYBIT_RULES,
  rulesOf,
  type EndReason,
  type TriggerBy,
  type VenueKind,
  type VenueRules,
} from './venue-rules.js';
export type { MarketPrices } from './price-book.js';
export { DEFAULT_SIM_MARKETS, type SimMarketSpec } from './markets.js';
export {
  FaultBook,
  InvalidFaultRule,
  faultRuleSchema,
  faultSchema,
  faultWhenSchema,
  type ActiveFaultRule,
  type Fault,
  type FaultKind,
  type FaultRule,
  type FaultWhen,
} from './faults.js';
export type { RequestFilter, RequestParams, RequestResult, SimRequest } from './request-record.js';
export {
  SIM_CODES,
  type CcxtOrder,
  type PortMethod,
  type PositionView,
  type VenueError,
  type VenueReply,
} from './venue-replies.js';
export type { VenueServer } from './venue-server.js';
export type { Tick, TickerSubscription } from './ticker-stream.js';
export type { ListPages, Page, PageRequest } from './paging.js';
