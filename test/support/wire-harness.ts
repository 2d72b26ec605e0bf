/**
 * The wire simulator with the real ccxt in front of it, for tests: a simulated venue on the
 * system clock (ccxt runs on real timers), served on an ephemeral loopback port; ccxt ports
 * for Bybit and Binance USD-M accounts pointed at it; optionally a guard over such a port.
 * `close()` stops, in order, the guard, the ports (ccxt's sockets), the server and the venue.
 */
import { systemClock } from '../../src/clock.js';
import { parseConfig, type AccountConfig, type ConfigInput } from '../../src/config/config.js';
import { createCcxtPort, type CcxtPort, type CcxtPortOptions } from '../../src/exchange/ccxt/index.js';
import { SimExchange } from '../../src/exchange/sim/index.js';
import type { SimMarketSpec } from '../../src/exchange/sim/markets.js';
import { startWireSimulator, type WireSimulator } from '../../src/venue-simulator/index.js';
import { createGuard, type Guard, type PositionHandle } from '../../src/guard/guard.js';
import type { PositionStateName } from '../../src/machines/position.machine.js';
import type { StreamEvent } from '../../src/exchange/port.js';

export type WireVenue = 'bybit' | 'binanceusdm';

export const API_KEY = 'wire-test-key';
export const API_SECRET = 'wire-test-secret';
export const AVL = 'AVL/USDT:USDT';

export interface WireHarness {
  readonly venue: SimExchange;
  readonly wire: WireSimulator;
  /** The account config of `exchange` pointed at the simulator (`main`, or `id`). */
  account(exchange: WireVenue, overrides?: { id?: string; apiKey?: string; secret?: string }): AccountConfig;
  /** A ccxt port on the simulator (closed by `close()`). */
  port(
    exchange: WireVenue,
    options?: CcxtPortOptions & { id?: string; apiKey?: string; secret?: string },
  ): Promise<CcxtPort>;
  close(): Promise<void>;
}

/** Small timings for guards on the wire: ccxt runs on real time. */
export const FAST_VERIFICATION = {
  restLagMs: 500,
  timeoutMs: 3_000,
  closeVerifyWindowMs: 2_000,
  closeVerifyAttempts: 10,
  feedDownPollMs: 100,
  reportStaleMs: 1_000,
  unknownAlertAfterMs: 3_000,
} as const;

/** `markets`: the venue's listed markets (the default three when absent; AVL is priced 0.25 when listed). */
export async function wireHarness(options: { markets?: readonly SimMarketSpec[] } = {}): Promise<WireHarness> {
  const venue = new SimExchange({
    clock: systemClock,
    seed: 7,
    ...(options.markets === undefined ? {} : { markets: options.markets }),
  });
  if (venue.markets().has(AVL)) venue.setPrice(AVL, 0.25);
  const wire = await startWireSimulator({
    venue,
    credentials: [
      { apiKey: API_KEY, secret: API_SECRET, account: 'main' },
      { apiKey: `${API_KEY}-2`, secret: `${API_SECRET}-2`, account: 'second' },
    ],
    holdMs: 5_000,
  });
  const ports: CcxtPort[] = [];
  const account = (exchange: WireVenue, o: { id?: string; apiKey?: string; secret?: string } = {}): AccountConfig => {
    const config = parseConfig({
      accounts: [
        {
          id: o.id ?? 'main',
          exchange,
          apiKey: o.apiKey ?? API_KEY,
          secret: o.secret ?? API_SECRET,
          urls: exchange === 'bybit' ? wire.urls.bybit : wire.urls.binanceusdm,
        },
      ],
    });
    const first = config.accounts[0];
    if (first === undefined) throw new Error('no account parsed');
    return first;
  };
  return {
    venue,
    wire,
    account,
    port: async (exchange, options = {}) => {
      const { id, apiKey, secret, ...portOptions } = options;
      const port = await createCcxtPort(
        account(exchange, {
          ...(id === undefined ? {} : { id }),
          ...(apiKey === undefined ? {} : { apiKey }),
          ...(secret === undefined ? {} : { secret }),
        }),
        {
          timeoutMs: 1_500,
          reconnect: { initialMs: 50, maxMs: 500 },
          ...portOptions,
        },
      );
      ports.push(port);
      return port;
    },
    close: async () => {
      await Promise.all(ports.map((p) => p.close()));
      await wire.close();
      venue.close();
    },
  };
}

export interface WireGuard {
  readonly guard: Guard;
  readonly port: CcxtPort;
  /** Waits (real time) until the position reaches one of `states`. */
  until(pos: PositionHandle, states?: readonly PositionStateName[], maxMs?: number): Promise<PositionStateName>;
}

/** A guard whose account `main` trades on the simulator through ccxt. */
export async function wireGuard(
  h: WireHarness,
  exchange: WireVenue,
  config: Partial<ConfigInput> = {},
): Promise<WireGuard> {
  // The guard applies protection.triggerBy to the ports it creates; this one is created here.
  const triggerBy = config.protection?.triggerBy;
  const port = await h.port(exchange, triggerBy === undefined ? {} : { triggerBy });
  const guard = await createGuard(
    {
      accounts: [
        {
          id: 'main',
          exchange,
          apiKey: API_KEY,
          secret: API_SECRET,
          urls: exchange === 'bybit' ? h.wire.urls.bybit : h.wire.urls.binanceusdm,
        },
      ],
      verification: FAST_VERIFICATION,
      ...config,
    },
    { ports: { main: port }, clock: systemClock, persistence: 'memory' },
  );
  const until = async (
    pos: PositionHandle,
    states: readonly PositionStateName[] = ['open', 'closed', 'failed', 'orphanAlert'],
    maxMs = 15_000,
  ) => {
    for (const start = Date.now(); Date.now() - start < maxMs; await new Promise((r) => setTimeout(r, 20))) {
      if (states.includes(pos.state)) return pos.state;
    }
    throw new Error(`position ${pos.id} did not reach ${states.join('|')} within ${maxMs} ms; it is ${pos.state}`);
  };
  return { guard, port, until };
}

/** Resolves once the guard's port reports its private stream up. */
export function streamUp(w: WireGuard): Promise<void> {
  return new Promise((resolve) => {
    const sub = w.port.subscribe((e: StreamEvent) => {
      if (e.type === 'connection' && e.status === 'up') {
        resolve();
        void sub.close();
      }
    });
  });
}
