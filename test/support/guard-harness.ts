/**
 * A guard on the simulated exchange with the knobs the safety scenarios need beyond the sim
 * harness: its own config and options (a journal, a port wrapper), calls of the port that a
 * test holds back until it lets them go, and the venue's truth (what it holds, the orders it
 * received, what is working there) — never what posguard believes.
 */
import { SimulatedClock } from 'xstate';
import type { ConfigInput } from '../../src/config/config.js';
import type { ExchangePort } from '../../src/exchange/port.js';
import { SimExchange, createSimPort } from '../../src/exchange/sim/index.js';
import { createGuard, type Guard, type GuardOptions, type PositionHandle } from '../../src/guard/guard.js';
import type { PositionStateName } from '../../src/machines/position.machine.js';
import { T0 } from './sim-harness.js';

export const AVL = 'AVL/USDT:USDT';
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Port calls a test holds back: `hold(method)` makes the next such call wait until `release(method)`. */
export class HeldCalls {
  private readonly armed = new Set<string>();
  private readonly waiting = new Map<string, (() => void)[]>();

  hold(method: keyof ExchangePort): void {
    this.armed.add(method);
  }

  release(method: keyof ExchangePort): void {
    this.armed.delete(method);
    for (const go of this.waiting.get(method) ?? []) go();
    this.waiting.delete(method);
  }

  /** True while a call of `method` is held. */
  holding(method: keyof ExchangePort): boolean {
    return (this.waiting.get(method)?.length ?? 0) > 0;
  }

  wrap(inner: ExchangePort): ExchangePort {
    const gate = (method: string) =>
      this.armed.has(method)
        ? new Promise<void>((resolve) => this.waiting.set(method, [...(this.waiting.get(method) ?? []), resolve]))
        : Promise.resolve();
    return {
      account: inner.account,
      venue: inner.venue,
      loadMarkets: () => inner.loadMarkets(),
      fetchPositionMode: () => inner.fetchPositionMode(),
      subscribe: (onEvent) => inner.subscribe(onEvent),
      close: () => inner.close(),
      fetchMarkPrice: async (s) => {
        await gate('fetchMarkPrice');
        return inner.fetchMarkPrice(s);
      },
      createOrder: async (r) => {
        await gate('createOrder');
        return inner.createOrder(r);
      },
      cancelOrder: async (l, s) => {
        await gate('cancelOrder');
        return inner.cancelOrder(l, s);
      },
      fetchOrder: async (l, s) => {
        await gate('fetchOrder');
        return inner.fetchOrder(l, s);
      },
      fetchOpenOrders: async (s) => {
        await gate('fetchOpenOrders');
        return inner.fetchOpenOrders(s);
      },
      fetchPositions: async (s) => {
        await gate('fetchPositions');
        return inner.fetchPositions(s);
      },
    };
  }
}

export interface GuardHarness {
  readonly clock: SimulatedClock;
  readonly sim: SimExchange;
  readonly guard: Guard;
  readonly held: HeldCalls;
  /** Moves simulated time forward in 50 ms steps, letting promises settle between steps. */
  advance(ms: number): Promise<void>;
  /** Advances until `done()` holds, or throws after `maxMs` of simulated time. */
  until(done: () => boolean, maxMs?: number, what?: string): Promise<void>;
  /** Advances until the position is in one of `states`; answers the state. */
  settle(pos: PositionHandle, states?: readonly PositionStateName[], maxMs?: number): Promise<PositionStateName>;
  /** The venue's truth: the net size on the symbol (positive long). */
  held_(symbol?: string): number;
  /** The venue's record of posguard's orders: created, in order, with what was asked. */
  creates(): { clientOrderId: string; side: string; type: string; amount: number; reduceOnly: boolean; ok: boolean }[];
  /** Orders working on the venue now. */
  working(): { clientOrderId: string; side: string; type: string; amount: number; triggerPrice: number | undefined }[];
  alertKinds(): Promise<string[]>;
  stop(): Promise<void>;
}

export async function guardHarness(
  config: Partial<ConfigInput> = {},
  options: Omit<GuardOptions, 'clock' | 'sim' | 'ports'> = {},
  seed = 7,
): Promise<GuardHarness> {
  const clock = new SimulatedClock();
  clock.set(T0);
  const sim = new SimExchange({ clock, seed });
  sim.setPrice(AVL, 0.25);
  const held = new HeldCalls();
  const guard = await createGuard(
    { accounts: [{ id: 'main', exchange: 'sim' }], ...config },
    {
      persistence: 'memory',
      ...options,
      clock,
      sim,
      ports: { main: held.wrap(createSimPort(sim, 'main')) },
    },
  );
  const advance = async (ms: number) => {
    await flush();
    for (let t = 0; t < ms; t += 50) {
      clock.increment(Math.min(50, ms - t));
      await flush();
    }
  };
  const until = async (done: () => boolean, maxMs = 120_000, what = 'the condition') => {
    await flush();
    for (let t = 0; !done(); t += 50) {
      if (t > maxMs) throw new Error(`${what} not reached within ${maxMs} ms of simulated time`);
      clock.increment(50);
      await flush();
    }
  };
  return {
    clock,
    sim,
    guard,
    held,
    advance,
    until,
    settle: async (pos, states = ['open', 'closed', 'failed', 'orphanAlert'], maxMs = 120_000) => {
      await until(
        () => states.includes(pos.state),
        maxMs,
        `position ${pos.id} in ${states.join('|')} (it is ${pos.state})`,
      );
      return pos.state;
    },
    held_: (symbol = AVL) => sim.position('main', symbol).size,
    creates: () =>
      sim.requests({ account: 'main', method: 'createOrder' }).map((r) => {
        const p = r.params as {
          clientOrderId: string;
          side: string;
          type: string;
          amount: number;
          reduceOnly: boolean;
        };
        return {
          clientOrderId: p.clientOrderId,
          side: p.side,
          type: p.type,
          amount: p.amount,
          reduceOnly: p.reduceOnly,
          ok: r.result === 'accepted',
        };
      }),
    working: () =>
      sim
        .orders('main')
        .filter((o) => o.status === 'open')
        .map((o) => ({
          clientOrderId: o.clientOrderId,
          side: o.side,
          type: o.triggerPrice === undefined ? o.type : 'stop-market',
          amount: o.amount,
          triggerPrice: o.triggerPrice,
        })),
    alertKinds: async () => (await guard.alerts()).map((a) => a.kind),
    stop: async () => {
      await guard.stop();
      sim.close();
    },
  };
}
