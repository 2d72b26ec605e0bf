import { afterEach, describe, expect, it } from 'vitest';
import { asClientOrderId } from '../../src/domain/ids.js';
import { createSimPort } from '../../src/exchange/sim/index.js';
import { simHarness, type Harness } from '../support/sim-harness.js';

const AVL = 'AVL/USDT:USDT';
let h: Harness | undefined;
afterEach(async () => {
  await h?.guard.stop();
  h?.sim.close();
  h = undefined;
});

const sweeps = (orphanPolicy: 'alert' | 'adopt' | 'flatten' = 'alert') => ({
  sweeps: { orphanEveryMs: 1_000, reconcileEveryMs: 2_000, orphanPolicy, stuckAfterMs: 3_000 },
});

describe('sweeps through the guard', () => {
  it('reports a position opened directly on the venue as an orphan within one orphan interval', async () => {
    h = await simHarness(sweeps());
    h.sim.openExternalPosition('main', AVL, 'buy', 40);
    await h.advance(1_100);
    const orphans = (await h.guard.alerts()).filter((a) => a.kind === 'orphan');
    expect(orphans).toHaveLength(1);
    expect(orphans[0]?.message).toMatch(/holds 40 long that no posguard position tracks; left alone/);
    await h.advance(3_000); // later sweeps find it again: grouped, not raised again
    expect((await h.guard.alerts()).filter((a) => a.kind === 'orphan')).toHaveLength(1);
    expect(h.sim.position('main', AVL).size).toBe(40);
  });

  it('adopt: the orphan becomes an open position that closes reduce-only on the right side', async () => {
    h = await simHarness(sweeps('adopt'));
    h.sim.openExternalPosition('main', AVL, 'sell', 40);
    await h.advance(1_100);
    const rows = await h.guard.positions();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ symbol: AVL, side: 'sell', amount: 40, state: 'open', size: 40 });
    await h.guard.close(rows[0]?.id as string);
    await h.advance(5_000);
    expect(h.guard.position(rows[0]?.id as string).state).toBe('closed');
    const closes = h.sim.requests({ method: 'createOrder' }).map((r) => r.params);
    expect(closes).toEqual([expect.objectContaining({ side: 'buy', amount: 40, reduceOnly: true })]);
    expect(h.sim.position('main', AVL).size).toBe(0);
  });

  it('flatten: the orphan is closed with a reduce-only order on the opposite side', async () => {
    h = await simHarness(sweeps('flatten'));
    h.sim.openExternalPosition('main', AVL, 'buy', 40);
    await h.advance(6_000);
    const closes = h.sim.requests({ method: 'createOrder' }).map((r) => r.params);
    expect(closes).toEqual([expect.objectContaining({ side: 'sell', amount: 40, reduceOnly: true, type: 'market' })]);
    expect(h.sim.position('main', AVL).size).toBe(0);
    expect((await h.guard.positions())[0]?.state).toBe('closed');
  });

  it('never calls a position being opened an orphan', async () => {
    h = await simHarness(sweeps('flatten'));
    h.sim.faults.set({ fault: { kind: 'minimalCreateReply' } });
    h.sim.faults.set({ fault: { kind: 'orderIndexDelay', ms: 5_000 } });
    h.sim.faults.set({ fault: { kind: 'streamDrop' } });
    const pos = await h.guard.open({ account: 'main', symbol: AVL, side: 'buy', amount: 43 });
    const [report] = await h.guard.sweep('orphans', 'main');
    expect(report?.findings).toEqual([]);
    await h.advance(8_000);
    expect(pos.state).toBe('open');
    expect((await h.guard.alerts()).filter((a) => a.kind === 'orphan')).toEqual([]);
    expect(h.sim.requests({ method: 'createOrder' })).toHaveLength(1);
  });

  it('reconciliation finds a size difference, a missing stop and a stuck actor, and its report lists each', async () => {
    h = await simHarness({
      ...sweeps(),
      verification: {
        timeoutMs: 600_000,
        unknownAlertAfterMs: 600_000,
        closeVerifyAttempts: 10,
        closeVerifyWindowMs: 10_000,
        restLagMs: 5_000,
        reportStaleMs: 2_000,
        feedDownPollMs: 1_000,
      },
    });
    h.sim.setPrice('BTC/USDT:USDT', 90_000);
    const avl = await h.guard.open({ account: 'main', symbol: AVL, side: 'buy', amount: 43, stopLoss: 0.21 });
    expect(await h.until(avl)).toBe('open');
    // Stream events get lost from here on: posguard does not see the next two changes.
    h.sim.faults.set({ fault: { kind: 'streamDrop' } });
    h.sim.openExternalPosition('main', AVL, 'sell', 23); // 43 → 20 on the venue
    const other = createSimPort(h.sim, 'main');
    const stop = h.sim.orders('main').find((o) => o.status === 'open');
    await other.cancelOrder({ clientOrderId: asClientOrderId(stop?.clientOrderId ?? '') }, AVL);
    // A BTC entry whose fate stays unknown: ids-only reply, never found, REST far behind.
    h.sim.faults.set({ fault: { kind: 'minimalCreateReply' } });
    h.sim.faults.set({ fault: { kind: 'orderIndexDelay', ms: 600_000 } });
    h.sim.faults.set({ fault: { kind: 'restLag', ms: 600_000 } });
    const btc = await h.guard.open({ account: 'main', symbol: 'BTC/USDT:USDT', side: 'buy', amount: 0.001 });
    await h.advance(4_500);
    expect(btc.state).toBe('verifying');
    h.sim.faults.clear();
    h.sim.faults.set({ fault: { kind: 'streamDrop' } });
    const [report] = await h.guard.sweep('reconcile', 'main');
    const kinds = report?.findings.map((f) => f.kind).sort();
    expect(kinds).toEqual(['missingStop', 'sizeMismatch', 'stuck']);
    expect(report?.findings).toContainEqual({
      kind: 'sizeMismatch',
      positionId: avl.id,
      symbol: AVL,
      local: 43,
      venue: 20,
    });
    expect(report?.findings).toContainEqual(
      expect.objectContaining({ kind: 'stuck', positionId: btc.id, state: 'verifying' }),
    );
    expect((await h.guard.alerts()).filter((a) => a.kind === 'mismatch')).toHaveLength(3);
    const kept = await h.guard.sweeps('main');
    expect(kept[0]?.id).toBe(report?.id);
  });
});
