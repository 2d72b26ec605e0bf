import { afterEach, describe, expect, it } from 'vitest';
import { simHarness, type Harness } from '../support/sim-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.guard.stop();
  h?.sim.close();
  h = undefined;
});

describe('scenario 1: the AVLUSDT incident', () => {
  it('ends open at 43 with one order sent, despite a minimal create reply and REST 5 s behind the stream', async () => {
    h = await simHarness();
    h.sim.faults.set({ fault: { kind: 'minimalCreateReply' } });
    h.sim.faults.set({ fault: { kind: 'restLag', ms: 5_000 } });
    const pos = await h.guard.open({ account: 'main', symbol: 'AVL/USDT:USDT', side: 'buy', amount: 43 });
    expect(await h.until(pos)).toBe('open');
    const creates = h.sim.requests({ account: 'main', method: 'createOrder' });
    expect(creates).toHaveLength(1);
    expect(h.sim.position('main', 'AVL/USDT:USDT').size).toBe(43);
  });
});
