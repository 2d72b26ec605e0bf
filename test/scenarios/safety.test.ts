/**
 * Regression tests of the safety review (issue 11): each drives `createGuard` on the
 * simulated exchange with a fault real venues produce, and asserts what the venue holds, the
 * orders it received and the alerts raised. Each failed on the code before its fix.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { asClientOrderId, type ClientOrderId, type PositionId } from '../../src/domain/ids.js';
import { createSimPort } from '../../src/exchange/sim/index.js';
import { MemoryJournal, type Journal } from '../../src/persistence/journal.js';
import { AVL, guardHarness, type GuardHarness } from '../support/guard-harness.js';

const intent = { account: 'main', symbol: AVL, side: 'buy', amount: 43 } as const;
const withStop = { ...intent, stopLoss: 0.21 } as const;
const sells = (h: GuardHarness) => h.creates().filter((c) => c.side === 'sell' && c.type === 'market');
const stops = (h: GuardHarness) => h.creates().filter((c) => c.type === 'stop-market');

let h: GuardHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe('1: a sweep and an intent on the same symbol', () => {
  it.each(['adopt', 'flatten'] as const)(
    'with orphanPolicy %s, a symbol reserved by an intent being checked is tracked: no orphan, nothing sold',
    async (policy) => {
      h = await guardHarness({ sweeps: { orphanPolicy: policy } });
      h.sim.openExternalPosition('main', AVL, 'buy', 43); // what the sweep sees on the symbol
      // The sweep loads the venue; meanwhile an intent reserves the symbol and waits on its mark price.
      h.held.hold('fetchPositions');
      const sweeping = h.guard.sweep('orphans', 'main');
      await h.until(() => h?.held.holding('fetchPositions') === true, 1_000, 'the sweep loading the venue');
      h.held.hold('fetchMarkPrice');
      const opening = h.guard.open(intent);
      await h.until(() => h?.held.holding('fetchMarkPrice') === true, 1_000, 'the intent waiting on its mark price');
      h.held.release('fetchPositions');
      const [report] = await sweeping;
      expect(report?.findings).toEqual([]);
      h.held.release('fetchMarkPrice');
      const pos = await opening;
      expect(await h.settle(pos)).toBe('open');
      expect(
        (await h.guard.positions()).filter((r) => r.symbol === AVL && r.state !== 'closed' && r.state !== 'failed'),
      ).toHaveLength(1);
      expect(sells(h)).toEqual([]);
      expect(await h.alertKinds()).not.toContain('orphan');
      expect(h.held_()).toBe(86); // the other program's 43 and the bot's 43: nothing of it sold as an orphan
    },
  );

  it('an intent arriving while an adopted orphan holds the symbol is refused (SymbolBusy), and the adoption is not overwritten', async () => {
    h = await guardHarness({ sweeps: { orphanPolicy: 'adopt' } });
    h.sim.openExternalPosition('main', AVL, 'buy', 43);
    const [report] = await h.guard.sweep('orphans', 'main');
    expect(report?.actions[0]).toMatch(/^adopted as /);
    await expect(h.guard.open(intent)).rejects.toMatchObject({ code: 'SYMBOL_BUSY' });
    await h.advance(2_000);
    expect(h.creates()).toEqual([]);
  });
});

describe('2: a stop the venue accepted is never declared refused', () => {
  it('with the stream down, an ids-only reply and order queries failing, the filled position stays open at the deadline, marked unconfirmed (no rollback)', async () => {
    h = await guardHarness();
    h.sim.faults.set({ fault: { kind: 'disconnect' } });
    h.sim.faults.set({ fault: { kind: 'minimalCreateReply' } });
    h.sim.faults.set({ fault: { kind: 'serverError', methods: ['fetchOrder', 'fetchOpenOrders'] } });
    const pos = await h.guard.open(withStop);
    await h.settle(pos, ['open', 'rollingBack', 'closed', 'orphanAlert']);
    await h.advance(60_000);
    expect(pos.state).toBe('open');
    expect(sells(h)).toEqual([]);
    expect(h.held_()).toBe(43);
    expect(h.working()).toMatchObject([{ side: 'sell', type: 'stop-market', triggerPrice: 0.21 }]);
    const kinds = await h.alertKinds();
    expect(kinds).not.toContain('protectionFailed');
    expect(kinds.filter((k) => k === 'protectionUnconfirmed')).toHaveLength(1);
    expect(stops(h)).toHaveLength(1);
  });

  it('one rate-limited stop placement is placed again (no rollback): open, protected by one working stop', async () => {
    h = await guardHarness();
    h.sim.faults.set({
      fault: { kind: 'reject', reason: 'too many visits (429)', code: 'RATE_LIMITED', orderTypes: ['stop-market'] },
      when: { calls: 1 },
    });
    const pos = await h.guard.open(withStop);
    expect(await h.settle(pos)).toBe('open');
    await h.advance(5_000);
    expect(pos.state).toBe('open');
    expect(sells(h)).toEqual([]);
    expect(stops(h).map((s) => s.ok)).toEqual([false, true]);
    expect(h.working()).toHaveLength(1);
    expect(await h.alertKinds()).not.toContain('protectionFailed');
  });

  it('a stop claim that could not be written (NOT_SENT) is retried, never taken as a refusal', async () => {
    let failed = false;
    const inner = new MemoryJournal();
    const journal: Journal = {
      recordIntent: (e) => inner.recordIntent(e),
      confirmIntent: (id) => inner.confirmIntent(id),
      releaseClaim: (id, cid) => inner.releaseClaim(id, cid),
      fence: (op) => inner.fence(op),
      claimSend: async (id: PositionId, cid: ClientOrderId, at: number) => {
        if (!failed && cid.endsWith('-s1')) {
          failed = true;
          throw new Error('Redis blip');
        }
        return inner.claimSend(id, cid, at);
      },
    };
    h = await guardHarness({}, { journal });
    const pos = await h.guard.open(withStop);
    expect(await h.settle(pos)).toBe('open');
    await h.advance(5_000);
    expect(failed).toBe(true);
    expect(sells(h)).toEqual([]);
    expect(h.working()).toHaveLength(1);
    expect(await h.alertKinds()).not.toContain('protectionFailed');
  });

  it('a close asked while the stop is still unconfirmed is carried out from protecting, and the stop is cancelled', async () => {
    h = await guardHarness();
    h.sim.faults.set({ fault: { kind: 'disconnect' } });
    h.sim.faults.set({ fault: { kind: 'minimalCreateReply' } });
    const broken = h.sim.faults.set({ fault: { kind: 'serverError', methods: ['fetchOrder'] } });
    const pos = await h.guard.open(withStop);
    await h.until(() => stops(h as GuardHarness).length === 1, 30_000, 'the stop placed');
    expect(pos.state).toBe('protecting');
    await h.guard.close(pos.id);
    await h.until(
      () => pos.state !== 'protecting',
      3_000,
      'the close carried out from protecting (not at its 30 s deadline)',
    );
    h.sim.faults.clear(broken);
    expect(await h.settle(pos, ['closed', 'orphanAlert'])).toBe('closed');
    expect(h.held_()).toBe(0);
    expect(h.working()).toEqual([]);
  });
});

describe('3: protection is re-placed or alerted, always', () => {
  it('after the stop budget is spent, a protectionLost alert is raised and reconciliation keeps reporting the missing stop', async () => {
    h = await guardHarness();
    const pos = await h.guard.open(withStop);
    expect(await h.settle(pos)).toBe('open');
    const other = createSimPort(h.sim, 'main');
    for (let n = 1; n <= 5; n++) {
      await h.until(
        () => h?.working().some((o) => o.clientOrderId.endsWith(`-s${n}`)) === true,
        30_000,
        `stop ${n} working`,
      );
      const stop = h.working()[0];
      await other.cancelOrder({ clientOrderId: asClientOrderId(stop?.clientOrderId ?? '') }, AVL);
    }
    await h.advance(20_000);
    expect(h.working()).toEqual([]);
    expect(pos.state).toBe('open');
    expect((await h.alertKinds()).filter((k) => k === 'protectionLost')).toHaveLength(1);
    for (let sweep = 0; sweep < 2; sweep++) {
      const [report] = await h.guard.sweep('reconcile', 'main');
      expect(report?.findings.map((f) => f.kind)).toContain('missingStop');
    }
  });

  it("the stop budget is the config's protection.maxStops", async () => {
    h = await guardHarness({ protection: { maxStops: 2 } });
    const pos = await h.guard.open(withStop);
    expect(await h.settle(pos)).toBe('open');
    const other = createSimPort(h.sim, 'main');
    for (let n = 1; n <= 2; n++) {
      await h.until(
        () => h?.working().some((o) => o.clientOrderId.endsWith(`-s${n}`)) === true,
        30_000,
        `stop ${n} working`,
      );
      await other.cancelOrder({ clientOrderId: asClientOrderId(h.working()[0]?.clientOrderId ?? '') }, AVL);
    }
    await h.advance(20_000);
    expect(h.working()).toEqual([]);
    expect((await h.alertKinds()).filter((k) => k === 'protectionLost')).toHaveLength(1);
  });
});

describe('4: an orphanAlert hands over, or stays, by where it came from', () => {
  const fast = { verification: { timeoutMs: 1_000, unknownAlertAfterMs: 2_000 } };

  it('an entry proven filled after its unknownOrder alert is protected and opened', async () => {
    h = await guardHarness(fast);
    h.sim.faults.set({ fault: { kind: 'disconnect' } });
    h.sim.faults.set({ fault: { kind: 'minimalCreateReply' } });
    // The order cannot be found for 8 s, and a REST read counts only restLagMs (5 s) after the send:
    // past timeoutMs + unknownAlertAfterMs (3 s) the entry is an orphan; then REST proves the fill.
    h.sim.faults.set({ fault: { kind: 'orderIndexDelay', ms: 8_000 }, when: { calls: 1 } });
    const pos = await h.guard.open(withStop);
    expect(await h.settle(pos, ['orphanAlert', 'open'])).toBe('orphanAlert');
    expect(await h.alertKinds()).toContain('unknownOrder');
    expect(await h.settle(pos, ['open'], 60_000)).toBe('open');
    expect(h.working()).toMatchObject([{ side: 'sell', type: 'stop-market', triggerPrice: 0.21, amount: 43 }]);
    expect(h.held_()).toBe(43);
  });

  it('an orphanAlert reached from a close stays there while the venue holds the position; a new close carries it out', async () => {
    h = await guardHarness();
    const pos = await h.guard.open(intent);
    expect(await h.settle(pos)).toBe('open');
    const noFill = h.sim.faults.set({ fault: { kind: 'partialFill', fraction: 0 } });
    await h.guard.close(pos.id);
    expect(await h.settle(pos, ['orphanAlert', 'closed'], 60_000)).toBe('orphanAlert');
    await h.advance(30_000);
    expect(pos.state).toBe('orphanAlert'); // never back to open by itself
    h.sim.faults.clear(noFill);
    await h.guard.close(pos.id);
    expect(await h.settle(pos, ['closed'], 60_000)).toBe('closed');
    expect(h.held_()).toBe(0);
  });
});

describe('5: a stale REST baseline', () => {
  it('an entry that never reached the venue is no fill when REST lagged the previous short position at the baseline', async () => {
    h = await guardHarness({ verification: { timeoutMs: 2_000, unknownAlertAfterMs: 4_000 } });
    const before = await h.guard.open({ ...intent, side: 'sell' });
    expect(await h.settle(before)).toBe('open');
    await h.advance(10_000);
    await h.guard.close(before.id);
    expect(await h.settle(before, ['closed'])).toBe('closed'); // the stream proved it flat
    h.sim.faults.set({ fault: { kind: 'restLag', ms: 3_000 }, when: { calls: 1 } }); // the baseline read still shows the short
    h.sim.faults.set({ fault: { kind: 'serverError', methods: ['createOrder'] }, when: { calls: 1 } }); // the entry never reaches the venue
    const pos = await h.guard.open(intent);
    expect(await h.settle(pos, ['open', 'protecting', 'orphanAlert', 'failed'], 60_000)).toBe('orphanAlert');
    expect(h.held_()).toBe(0);
    expect(
      h
        .creates()
        .filter((c) => c.clientOrderId.startsWith(`pg-${pos.id}`))
        .map((c) => c.side),
    ).toEqual(['buy']);
    expect(await h.alertKinds()).toContain('unknownOrder');
  });

  it('a fresh baseline, then a lagging REST read that still shows the previous position, is no fill of this entry', async () => {
    h = await guardHarness({ verification: { timeoutMs: 2_000, unknownAlertAfterMs: 4_000 } });
    const before = await h.guard.open(intent);
    expect(await h.settle(before)).toBe('open');
    await h.advance(30_000);
    await h.guard.close(before.id);
    expect(await h.settle(before, ['closed'])).toBe('closed');
    await h.advance(1_000);
    h.sim.faults.set({ fault: { kind: 'disconnect' } });
    h.sim.faults.set({ fault: { kind: 'serverError', methods: ['createOrder'] }, when: { calls: 1 } });
    h.held.hold('fetchPositions'); // the baseline is read before REST starts lagging
    const opening = h.guard.open(intent);
    await h.until(() => h?.held.holding('fetchPositions') === true, 1_000, 'the baseline read');
    h.held.release('fetchPositions');
    const pos = await opening;
    h.sim.faults.set({ fault: { kind: 'restLag', ms: 20_000 } }); // from now on REST shows the previous 43 long
    expect(await h.settle(pos, ['open', 'protecting', 'orphanAlert', 'failed'], 60_000)).toBe('orphanAlert');
    expect(h.held_()).toBe(0);
    expect(
      h
        .creates()
        .filter((c) => c.clientOrderId.startsWith(`pg-${pos.id}`))
        .map((c) => c.side),
    ).toEqual(['buy']);
  });
});

describe('6: a stop that fires during a short stream gap', () => {
  it('is noticed from REST within restLagMs + 2 × feedDownPollMs of the stream coming back, and the position ends closed', async () => {
    h = await guardHarness();
    const pos = await h.guard.open(withStop);
    expect(await h.settle(pos)).toBe('open');
    const gapEnd = h.clock.now() + 1_000;
    h.sim.faults.set({ fault: { kind: 'disconnect' }, when: { from: h.clock.now(), until: gapEnd } });
    h.sim.faults.set({ fault: { kind: 'restLag', ms: 3_000 } });
    await h.advance(100);
    h.sim.setPrice(AVL, 0.2); // the stop fires during the gap
    expect(h.held_()).toBe(0);
    await h.until(() => h !== undefined && h.clock.now() >= gapEnd, 5_000);
    const restLagMs = 5_000;
    const feedDownPollMs = 1_000;
    await h.until(() => pos.state !== 'open', restLagMs + 2 * feedDownPollMs, 'the position leaving open');
    expect(await h.settle(pos, ['closed'], 30_000)).toBe('closed');
    expect(h.creates().filter((c) => c.side === 'sell' && c.type === 'market')).toEqual([]);
  });

  it('a stop cancelled during a short gap (disconnect protection) is replaced within restLagMs + 2 × feedDownPollMs of the stream coming back', async () => {
    h = await guardHarness();
    const pos = await h.guard.open(withStop);
    expect(await h.settle(pos)).toBe('open');
    const gapEnd = h.clock.now() + 1_000;
    h.sim.faults.set({ fault: { kind: 'disconnect' }, when: { from: h.clock.now(), until: gapEnd } });
    h.sim.faults.set({ fault: { kind: 'restLag', ms: 3_000 } });
    await h.advance(100);
    const stop = h.working()[0];
    await createSimPort(h.sim, 'main').cancelOrder({ clientOrderId: asClientOrderId(stop?.clientOrderId ?? '') }, AVL);
    await h.until(() => h !== undefined && h.clock.now() >= gapEnd, 5_000);
    await h.until(() => h?.working().length === 1, 5_000 + 2 * 1_000 + 5_000, 'a new stop');
    expect(h.working()[0]?.clientOrderId).toMatch(/-s2$/);
    expect(pos.state).toBe('open');
  });
});

describe('7: a sweep right after a normal close', () => {
  it('with orphanPolicy adopt and REST lagging, does not adopt the ghost of the closed position', async () => {
    h = await guardHarness({ sweeps: { orphanPolicy: 'adopt' } });
    const pos = await h.guard.open(intent);
    expect(await h.settle(pos)).toBe('open');
    await h.advance(10_000);
    h.sim.faults.set({ fault: { kind: 'restLag', ms: 4_000 } }); // REST shows the position as it was 4 s before
    await h.guard.close(pos.id);
    expect(await h.settle(pos, ['closed'])).toBe('closed');
    const creates = h.creates().length;
    const [report] = await h.guard.sweep('orphans', 'main');
    expect(report?.findings).toEqual([]);
    expect(await h.alertKinds()).not.toContain('orphan');
    expect((await h.guard.positions()).filter((r) => r.state !== 'closed')).toEqual([]);
    expect(h.creates()).toHaveLength(creates);
    await expect(h.guard.open(intent)).resolves.toBeDefined(); // the symbol is free
  });
});

describe('9: a close after an over-fill was reduced', () => {
  it('closes the whole position the bot asked for, leaving the venue flat', async () => {
    h = await guardHarness();
    const pos = await h.guard.open(intent);
    expect(await h.settle(pos)).toBe('open');
    h.sim.openExternalPosition('main', AVL, 'buy', 30);
    await h.until(() => h?.held_() === 43, 20_000, 'the over-fill reduced');
    await h.guard.close(pos.id);
    expect(await h.settle(pos, ['closed', 'orphanAlert'], 60_000)).toBe('closed');
    expect(h.held_()).toBe(0);
  });
});

describe('10: rate-limited closes', () => {
  it('give up with an alert after their time budget; a new close() starts again and closes', async () => {
    h = await guardHarness();
    const pos = await h.guard.open(intent);
    expect(await h.settle(pos)).toBe('open');
    const limit = h.sim.faults.set({ fault: { kind: 'rateLimited', retryAfterMs: 2_000, methods: ['createOrder'] } });
    await h.guard.close(pos.id);
    expect(await h.settle(pos, ['orphanAlert', 'closed'], 120_000)).toBe('orphanAlert');
    const alert = (await h.guard.alerts()).find((a) => a.kind === 'closeUnverified');
    expect(alert?.message).toMatch(/rate limited/);
    h.sim.faults.clear(limit);
    await h.guard.close(pos.id);
    expect(await h.settle(pos, ['closed'], 60_000)).toBe('closed');
    expect(h.held_()).toBe(0);
  });

  it('the same close request delivered twice is one close', async () => {
    h = await guardHarness();
    const pos = await h.guard.open(intent);
    expect(await h.settle(pos)).toBe('open');
    const noFill = h.sim.faults.set({ fault: { kind: 'partialFill', fraction: 0 } });
    await h.guard.close(pos.id, { requestId: 'bot-close-1' });
    expect(await h.settle(pos, ['orphanAlert'], 60_000)).toBe('orphanAlert');
    const closes = sells(h).length;
    h.sim.faults.clear(noFill);
    await h.guard.close(pos.id, { requestId: 'bot-close-1' });
    await h.advance(10_000);
    expect(sells(h)).toHaveLength(closes);
    expect(pos.state).toBe('orphanAlert');
  });
});

describe('suspected, shown harmless or fixed', () => {
  it("an over-fill another program undoes within a second or two is not cut out of the bot's own position", async () => {
    h = await guardHarness();
    const pos = await h.guard.open(intent);
    expect(await h.settle(pos)).toBe('open');
    h.sim.openExternalPosition('main', AVL, 'buy', 30);
    await h.advance(1_500); // long enough for a reduction sent on first sight to reach the venue
    h.sim.openExternalPosition('main', AVL, 'sell', 30);
    await h.advance(15_000);
    expect(h.held_()).toBe(43);
    expect(sells(h)).toEqual([]);
  });

  it('a position another program flips to the other side is alerted at once, and posguard sends nothing for it', async () => {
    h = await guardHarness();
    const pos = await h.guard.open(intent);
    expect(await h.settle(pos)).toBe('open');
    h.sim.openExternalPosition('main', AVL, 'sell', 86);
    await h.advance(1_000);
    expect(pos.state).toBe('orphanAlert');
    expect((await h.guard.alerts()).find((a) => a.kind === 'mismatch')?.message).toMatch(/sell side/);
    await h.advance(10_000);
    expect(h.creates()).toHaveLength(1); // the entry only
    expect(h.held_()).toBe(-43);
  });
});
