import { SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import { asAccountId } from '../../src/domain/ids.js';
import { MemoryStore, StoreUnreachable } from '../../src/persistence/memory-store.js';
import { storeConformance } from './store-conformance.js';

const make = () => {
  const clock = new SimulatedClock();
  clock.set(1_764_000_000_000);
  const store = new MemoryStore(clock);
  return {
    store,
    wait: async (ms: number) => clock.increment(ms),
    corrupt: async (id: string) => {
      store.corrupt(id);
    },
  };
};

storeConformance('memory', make);

describe("the memory store's simulated faults", () => {
  it('refuses every call while unreachable and writes nothing', async () => {
    const { store } = make();
    const a = asAccountId('down');
    const t = await store.acquireLease(a, 'w1', 60_000);
    store.setReachable(false);
    await expect(store.renewLease(a, `w1|${t}`, 60_000)).rejects.toBeInstanceOf(StoreUnreachable);
    await expect(store.keepKey(a, `w1|${t}`, 'k', 'p' as never)).rejects.toBeInstanceOf(StoreUnreachable);
    store.setReachable(true);
    expect(await store.positionForKey(a, 'k')).toBeUndefined();
  });

  it('after a wipe the token counter starts again below what a holder saw (takeLease says wiped)', async () => {
    const { store } = make();
    const a = asAccountId('wipe');
    const t = await store.acquireLease(a, 'w1', 60_000);
    await store.acquireLease(a, 'w1', 60_000);
    store.wipe();
    expect(await store.takeLease(a, 'w1', 60_000, t)).toEqual({ token: t + 1, wiped: true });
  });

  it('a failover to a checkpoint loses the writes made after it', async () => {
    const { store } = make();
    const a = asAccountId('failover');
    const h = `w1|${await store.acquireLease(a, 'w1', 60_000)}`;
    const point = store.checkpoint();
    await store.keepKey(a, h, 'k', 'p' as never);
    store.restore(point);
    expect(await store.positionForKey(a, 'k')).toBeUndefined();
    expect(await store.leaseToken(a)).toBe(Number(h.split('|')[1]));
  });
});
