import { afterEach, describe, expect, it } from 'vitest';
import { SymbolBusy } from '../../src/domain/errors.js';
import { asClientOrderId } from '../../src/domain/ids.js';
import { createSimPort } from '../../src/exchange/sim/index.js';
import { simHarness, type Harness } from '../support/sim-harness.js';

const AVL = 'AVL/USDT:USDT';
const intent = { account: 'main', symbol: AVL, side: 'buy', amount: 43 } as const;

let h: Harness | undefined;
afterEach(async () => {
  await h?.guard.stop();
  h?.sim.close();
  h = undefined;
});

describe('scenarios through createGuard on the simulated exchange', () => {
  it('3: with the stream down for the whole verification, REST and the order query still confirm the fill', async () => {
    h = await simHarness();
    h.sim.faults.set({ fault: { kind: 'disconnect' } });
    const pos = await h.guard.open(intent);
    expect(await h.until(pos)).toBe('open');
    expect(h.sim.requests({ method: 'createOrder' })).toHaveLength(1);
  });

  it('4: a timeout after the venue accepted the entry is resolved by client order id, with one entry order only', async () => {
    h = await simHarness();
    h.sim.faults.set({ fault: { kind: 'timeoutAfterAccept' }, when: { calls: 1 } });
    const pos = await h.guard.open(intent);
    expect(await h.until(pos)).toBe('open');
    expect(h.sim.requests({ method: 'createOrder' })).toHaveLength(1);
    expect(h.sim.position('main', AVL).size).toBe(43);
  });

  it('5: a close that never fills ends in orphanAlert after the verification window, with one closeUnverified alert; flat later → closed', async () => {
    h = await simHarness();
    const pos = await h.guard.open(intent);
    expect(await h.until(pos)).toBe('open');
    h.sim.faults.set({ fault: { kind: 'partialFill', fraction: 0 } });
    await h.guard.close(pos.id);
    expect(await h.until(pos, ['orphanAlert', 'closed'], 60_000)).toBe('orphanAlert');
    const alerts = (await h.guard.alerts()).filter((a) => a.kind === 'closeUnverified');
    expect(alerts).toHaveLength(1);
    const closes = h.sim.requests({ method: 'createOrder' }).slice(1);
    expect(closes.length).toBeGreaterThan(0);
    for (const c of closes) expect(c.params).toMatchObject({ side: 'sell', reduceOnly: true });
    expect(h.sim.position('main', AVL).size).toBe(43); // never doubled, never flipped
    // Someone flattens it by hand; posguard sees the flat report and ends the position.
    h.sim.faults.clear();
    h.sim.openExternalPosition('main', AVL, 'sell', 43);
    expect(await h.until(pos, ['closed'], 120_000)).toBe('closed');
  });

  it('6a: a partial entry fill is a position of the filled size, with its stop sized to it', async () => {
    h = await simHarness();
    h.sim.faults.set({ fault: { kind: 'partialFill', fraction: 0.5 }, when: { calls: 1 } });
    const pos = await h.guard.open({ ...intent, amount: 40, stopLoss: 0.21 });
    expect(await h.until(pos)).toBe('open');
    const row = (await h.guard.positions()).find((r) => r.id === pos.id);
    expect(row?.size).toBe(20);
    expect(h.sim.position('main', AVL).size).toBe(20);
    const stop = h.sim.requests({ method: 'createOrder' })[1];
    expect(stop?.params).toMatchObject({ side: 'sell', amount: 20, reduceOnly: true, triggerPrice: 0.21 });
  });

  it('6b: an entry the venue rejects ends failed, and frees the symbol', async () => {
    h = await simHarness();
    h.sim.faults.set({ fault: { kind: 'reject', reason: 'insufficient margin', code: '110007' }, when: { calls: 1 } });
    const pos = await h.guard.open(intent);
    expect(await h.until(pos)).toBe('failed');
    const again = await h.guard.open(intent);
    expect(await h.until(again)).toBe('open');
  });

  it('6c: an over-fill raises a mismatch alert and is reduced by a reduce-only order, staying open at the intended size', async () => {
    h = await simHarness();
    const pos = await h.guard.open(intent);
    expect(await h.until(pos)).toBe('open');
    h.sim.openExternalPosition('main', AVL, 'buy', 30);
    // Reduced only once a read at least restLagMs (5 s) later still shows it (see the next test).
    await h.advance(7_000);
    expect(pos.state).toBe('open');
    expect((await h.guard.alerts()).map((a) => a.kind)).toContain('mismatch');
    const reduce = h.sim.requests({ method: 'createOrder' }).at(-1);
    expect(reduce?.params).toMatchObject({ side: 'sell', amount: 30, reduceOnly: true });
    expect(h.sim.position('main', AVL).size).toBe(43);
  });

  it('6d: a stop hit while open ends closed, with the reason recorded', async () => {
    h = await simHarness();
    const pos = await h.guard.open({ ...intent, stopLoss: 0.21 });
    expect(await h.until(pos)).toBe('open');
    h.sim.setPrice(AVL, 0.2);
    expect(await h.until(pos, ['closed'], 30_000)).toBe('closed');
    expect(h.sim.position('main', AVL).size).toBe(0);
    const row = (await h.guard.positions()).find((r) => r.id === pos.id);
    expect(row?.reason).toMatch(/flat by itself/);
  });

  it('7a: a stale REST "flat" after the stream showed the fill changes nothing', async () => {
    h = await simHarness();
    h.sim.faults.set({ fault: { kind: 'restLag', ms: 5_000 } });
    const pos = await h.guard.open(intent);
    expect(await h.until(pos)).toBe('open');
    h.sim.faults.set({ fault: { kind: 'disconnect' } }); // from now on only REST, 5 s behind: it still shows flat
    await h.advance(3_000);
    expect(pos.state).toBe('open');
    expect(h.sim.requests({ method: 'createOrder' })).toHaveLength(1);
  });

  it('7b: a user close leaves no stop behind on the simulator', async () => {
    h = await simHarness();
    const pos = await h.guard.open({ ...intent, stopLoss: 0.21 });
    expect(await h.until(pos)).toBe('open');
    expect(h.sim.orders('main').filter((o) => o.status === 'open')).toHaveLength(1);
    await h.guard.close(pos.id);
    expect(await h.until(pos, ['closed'], 30_000)).toBe('closed');
    expect(h.sim.position('main', AVL).size).toBe(0);
    expect(h.sim.orders('main').filter((o) => o.status === 'open')).toHaveLength(0);
  });

  it('8a: a second intent on the same symbol gets SymbolBusy', async () => {
    h = await simHarness();
    await h.guard.open(intent);
    await expect(h.guard.open(intent)).rejects.toBeInstanceOf(SymbolBusy);
  });

  it('8b: the same idempotency key twice gives one position and one order', async () => {
    h = await simHarness();
    const a = await h.guard.open({ ...intent, idempotencyKey: 'bot-1' });
    const b = await h.guard.open({ ...intent, idempotencyKey: 'bot-1' });
    expect(b.id).toBe(a.id);
    expect(await h.until(a)).toBe('open');
    expect(h.sim.requests({ method: 'createOrder' })).toHaveLength(1);
    expect(await h.guard.positions()).toHaveLength(1);
  });

  it('a close asked while the entry is still being verified is carried out once it is open', async () => {
    h = await simHarness();
    h.sim.faults.set({ fault: { kind: 'disconnect' } });
    h.sim.faults.set({ fault: { kind: 'minimalCreateReply' } });
    h.sim.faults.set({ fault: { kind: 'orderIndexDelay', ms: 2_000 } });
    h.sim.faults.set({ fault: { kind: 'restLag', ms: 2_000 } });
    const pos = await h.guard.open(intent);
    await h.advance(200);
    expect(pos.state).toBe('verifying');
    await h.guard.close(pos.id);
    expect(await h.until(pos, ['closed'], 60_000)).toBe('closed');
    expect(h.sim.position('main', AVL).size).toBe(0);
    const sides = h.sim.requests({ method: 'createOrder' }).map((r) => r.params);
    expect(sides[0]).toMatchObject({ side: 'buy', reduceOnly: false });
    for (const c of sides.slice(1)) expect(c).toMatchObject({ side: 'sell', reduceOnly: true });
  });
});

describe('protection that is lost', () => {
  it('places a new stop when the confirmed one is cancelled under it while the stream is down', async () => {
    h = await simHarness();
    const pos = await h.guard.open({ ...intent, stopLoss: 0.21 });
    expect(await h.until(pos)).toBe('open');
    const stop = h.sim.orders('main').find((o) => o.status === 'open');
    expect(stop?.clientOrderId).toMatch(/-s1$/);
    // The stream drops; meanwhile the stop is cancelled (Bybit's disconnect protection, or by hand).
    h.sim.faults.set({ fault: { kind: 'disconnect' }, when: { from: h.clock.now(), until: h.clock.now() + 2_000 } });
    await h.advance(100);
    const other = createSimPort(h.sim, 'main');
    expect(await other.cancelOrder({ clientOrderId: asClientOrderId(stop?.clientOrderId ?? '') }, AVL)).toMatchObject({
      kind: 'accepted',
    });
    // Replaced once a position read at least restLagMs (5 s) after the cancel was seen still shows the position live.
    await h.advance(8_000);
    const open = h.sim.orders('main').filter((o) => o.status === 'open');
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ side: 'sell', reduceOnly: true, triggerPrice: 0.21 });
    expect(open[0]?.clientOrderId).toMatch(/-s2$/);
    expect(pos.state).toBe('open');
  });
});
