import { SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import { PriorityGate } from '../../src/exchange/priority-gate.js';
import { SimExchange, createSimPort } from '../../src/exchange/sim/index.js';

describe('trading calls go first', () => {
  it("holds a sweep's query while a trading call is in flight, and lets it through after", async () => {
    const clock = new SimulatedClock();
    clock.set(1_764_000_000_000);
    const sim = new SimExchange({ clock, seed: 1 });
    const port = createSimPort(sim, 'main');
    let release: () => void = () => {};
    const slow = Object.assign(Object.create(port) as typeof port, {
      fetchOrder: (...args: Parameters<typeof port.fetchOrder>) => new Promise<Awaited<ReturnType<typeof port.fetchOrder>>>((resolve) => {
        release = () => void port.fetchOrder(...args).then(resolve);
      }),
    });
    const gate = new PriorityGate(slow);
    const order: string[] = [];
    const trading = gate.trading().fetchOrder({ clientOrderId: 'x' as never }, 'AVL/USDT:USDT').then(() => order.push('trading'));
    const sweep = gate.background().fetchPositions().then(() => order.push('sweep'));
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([]);
    expect(sim.requests({ method: 'fetchPositions' })).toHaveLength(0);
    release();
    await Promise.all([trading, sweep]);
    expect(order).toEqual(['trading', 'sweep']);
    sim.close();
  });
});
