/**
 * What every venue handler of the wire simulator shares: the simulated venue, its market ids,
 * the accepted keys, and the venue clock. Also the translation of the venue's order lookups:
 * a venue order id the simulator never gave still reaches the venue's request side (which then
 * answers "not found" and records the call).
 *
 * @example
 * const ctx = wireContext(venue, credentials);
 * ctx.venue.server.fetchOrder(account, { venueOrderId: ctx.unknownId('abc') }, symbol);
 */
import { asAccountId, asVenueOrderId, type VenueOrderId } from '../domain/ids.js';
import type { SimExchange } from '../exchange/sim/sim-exchange.js';
import type { CredentialBook } from './credentials.js';
import { DisconnectProtection } from './bybit/disconnect-protection.js';
import { RateLimitCounters } from './rate-limits.js';
import { StreamRegistry } from './stream-registry.js';
import { MarketIds } from './wire-ids.js';

/** The account that public (unsigned) endpoints are served and recorded under. */
export const PUBLIC_ACCOUNT = 'public';

export interface WireContext {
  readonly venue: SimExchange;
  readonly markets: MarketIds;
  readonly credentials: CredentialBook;
  /** The open private streams, for raw injection (`WireSimulator.inject`). */
  readonly streams: StreamRegistry;
  /** The request counters behind the rate-limit headers. */
  readonly limits: RateLimitCounters;
  /** Bybit's disconnect protection (the `dcp` topic). */
  readonly dcp: DisconnectProtection;
  /** The venue's time: timestamps in replies and pushes. */
  now(): number;
  /** Real time: clients sign with it, so signature freshness is checked against it. */
  wallNow(): number;
  /** A venue order id that matches no order (for ids the simulator never gave). */
  unknownId(given: string): VenueOrderId;
  /** True while a `disconnect` fault holds the account's private stream down. */
  streamDown(account: string): boolean;
  /** The symbol of an order of `account`, from the venue's truth, if it exists. */
  symbolOfOrder(account: string, lookup: { readonly id?: string; readonly clientOrderId?: string }): string | undefined;
}

/** Builds the shared context over one venue. */
export function wireContext(venue: SimExchange, credentials: CredentialBook): WireContext {
  const markets = new MarketIds([...venue.markets().values()]);
  return {
    venue,
    markets,
    credentials,
    streams: new StreamRegistry(),
    limits: new RateLimitCounters(() => venue.clock.now()),
    dcp: new DisconnectProtection(venue),
    now: () => venue.clock.now(),
    wallNow: () => Date.now(),
    unknownId: (given) => asVenueOrderId(`unknown:${given}`),
    streamDown: (account) => venue.faults.peek('disconnect', asAccountId(account)) !== undefined,
    symbolOfOrder: (account, lookup) =>
      venue
        .orders(account)
        .find(
          (o) =>
            (lookup.id !== undefined && o.id === lookup.id) ||
            (lookup.clientOrderId !== undefined && o.clientOrderId === lookup.clientOrderId),
        )?.symbol,
  };
}
