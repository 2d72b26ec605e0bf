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

describe('scenario 2: the stop-loss is refused', () => {
  it('rolls back with a reduce-only sell of 43 against the 43 long, proves it flat, and ends closed', async () => {
    h = await simHarness();
    h.sim.faults.set({ fault: { kind: 'minimalCreateReply' } });
    h.sim.faults.set({
      fault: { kind: 'reject', reason: 'trigger price invalid', code: '110092', orderTypes: ['stop-market'] },
    });
    const pos = await h.guard.open({
      account: 'main',
      symbol: 'AVL/USDT:USDT',
      side: 'buy',
      amount: 43,
      stopLoss: 0.21,
    });
    expect(await h.until(pos, ['closed', 'orphanAlert', 'failed'])).toBe('closed');
    const creates = h.sim
      .requests({ account: 'main', method: 'createOrder' })
      .map((r) => ({ ...r.params, result: r.result }));
    expect(creates).toHaveLength(3);
    expect(creates[0]).toMatchObject({ side: 'buy', amount: 43, reduceOnly: false, result: 'accepted' });
    expect(creates[1]).toMatchObject({ side: 'sell', type: 'stop-market', reduceOnly: true, result: 'rejected' });
    expect(creates[2]).toMatchObject({
      side: 'sell',
      amount: 43,
      type: 'market',
      reduceOnly: true,
      result: 'accepted',
    });
    expect(h.sim.position('main', 'AVL/USDT:USDT').size).toBe(0);
    const kinds = (await h.guard.alerts()).map((a) => a.kind);
    expect(kinds).toEqual(['protectionFailed']);
    const row = (await h.guard.positions()).find((r) => r.id === pos.id);
    expect(row?.history.map((s) => s.state)).toContain('rollingBack');
  });
});
