/**
 * A guard on the simulated exchange, driven by one `SimulatedClock`: the machines' timers,
 * the venue's stream delivery and its REST lag all run on simulated time, so a test of
 * minutes of trading runs in milliseconds.
 */
import { SimulatedClock } from 'xstate';
import { createGuard, type Guard, type PositionHandle } from '../../src/guard/guard.js';
import { SimExchange } from '../../src/exchange/sim/index.js';
import type { ConfigInput } from '../../src/config/config.js';
import type { PositionStateName } from '../../src/machines/position.machine.js';

export const T0 = 1_764_000_000_000;

export interface Harness {
  readonly clock: SimulatedClock;
  readonly sim: SimExchange;
  readonly guard: Guard;
  /** Moves simulated time forward in steps, letting promises settle between steps. */
  advance(ms: number, stepMs?: number): Promise<void>;
  /** Advances until the position reaches one of `states` (default: a settled state), or throws after `maxMs`. */
  until(pos: PositionHandle, states?: readonly PositionStateName[], maxMs?: number): Promise<PositionStateName>;
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function simHarness(config: Partial<ConfigInput> = {}, seed = 7): Promise<Harness> {
  const clock = new SimulatedClock();
  clock.set(T0);
  const sim = new SimExchange({ clock, seed });
  sim.setPrice('AVL/USDT:USDT', 0.25);
  const guard = await createGuard(
    { accounts: [{ id: 'main', exchange: 'sim' }], ...config },
    { clock, sim, persistence: 'memory' },
  );
  const advance = async (ms: number, stepMs = 50) => {
    await flush();
    for (let t = 0; t < ms; t += stepMs) {
      clock.increment(Math.min(stepMs, ms - t));
      await flush();
    }
  };
  const until = async (
    pos: PositionHandle,
    states: readonly PositionStateName[] = ['open', 'closed', 'failed', 'orphanAlert'],
    maxMs = 120_000,
  ) => {
    await flush();
    for (let t = 0; t <= maxMs; t += 50) {
      if (states.includes(pos.state)) return pos.state;
      clock.increment(50);
      await flush();
    }
    throw new Error(
      `position ${pos.id} did not reach ${states.join('|')} within ${maxMs} ms of simulated time; it is ${pos.state}`,
    );
  };
  return { clock, sim, guard, advance, until };
}
