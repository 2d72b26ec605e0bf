/**
 * Unit tests of the pure position machine (see docs/architecture.md, The position machine): fake slots on a simulated
 * clock, assertions on the machine's state, context and alerts. Sends are asserted only where
 * the rule is about sending (reduce-only closes, no second entry, the stop's size).
 */
import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { accepted, rejected, unknown } from '../../src/domain/outcome.js';
import type { PositionContext } from '../../src/machines/position.context.js';
import { filledAmount, ownHolding } from '../../src/machines/position.verdicts.js';
import { protectionOf } from '../../src/machines/protection.js';
import { newOrderTrack } from '../../src/machines/order-track.js';
import { initialContext } from '../../src/machines/position.start.js';
import { resumable } from '../../src/machines/position.resume.js';
import type { SendOrderInput } from '../../src/machines/position.effects.js';
import { positionMachine } from '../../src/machines/position.machine.js';
import { acceptedNoReport, drive, type Driven } from '../support/position-driver.js';
import {
  ENTRY,
  ENTRY_ID,
  SETTINGS,
  STOP,
  STOP_ID,
  T0,
  TestClock,
  fillReport,
  orderId,
  orderReport,
  positionInput,
  positionReport,
  venueIdOf,
} from '../support/position-fixtures.js';

const WITH_STOP = { intent: { stopLoss: 0.21 } } as const;
const alertsOf = (d: Driven, kind: string) => d.log.alerts.filter((a) => a.kind === kind);
const closeSends = (d: Driven): SendOrderInput[] => d.log.sends.filter((s) => s.role.startsWith('close-'));
const entrySends = (d: Driven): SendOrderInput[] => d.log.sends.filter((s) => s.role === 'entry');

/** A position driven until the entry is proven filled by the order query (a stop, if any, is confirmed). */
async function openPosition(over: Parameters<typeof positionInput>[0] = {}): Promise<Driven> {
  const d = drive({ input: positionInput(over) });
  d.venue.order = (lookup, now) => {
    if (lookup.clientOrderId === ENTRY_ID) return orderReport(ENTRY, { status: 'filled', filled: 43, receivedAt: now });
    if (lookup.clientOrderId === STOP_ID) return orderReport(STOP, { status: 'open', filled: 0, receivedAt: now });
    return undefined;
  };
  await d.start();
  expect(await d.until(['open'])).toBe('open');
  return d;
}

describe('pending', () => {
  it('a journal failure ends failed with nothing sent', async () => {
    const d = drive({
      venue: {
        journal: () => {
          throw new Error('redis down');
        },
      },
    });
    await d.start();
    expect(d.top()).toBe('failed');
    expect(d.log.sends).toHaveLength(0);
    expect(d.ctx().reason).toMatch(/redis down/);
  });

  it('an entry the venue rejects ends failed', async () => {
    const d = drive({ venue: { send: () => rejected('insufficient margin', '110007') } });
    await d.start();
    expect(d.top()).toBe('failed');
    expect(d.ctx().entry.send).toBe('rejected');
    expect(d.ctx().reason).toMatch(/insufficient margin/);
  });

  it('an Unknown send outcome goes to verifying, never to failed', async () => {
    const d = drive({ venue: { send: () => unknown('timeout after the request left') } });
    await d.start();
    expect(d.top()).toBe('verifying');
    expect(d.ctx().entry.send).toBe('unknown');
    await d.advance(SETTINGS.timeoutMs / 2);
    expect(d.top()).toBe('verifying');
  });

  it('a send that throws goes to verifying (it may have reached the venue)', async () => {
    const d = drive({ venue: { send: () => 'throw' } });
    await d.start();
    expect(d.log.states).toContain('verifying');
    expect(d.log.states).not.toContain('failed');
    expect(d.ctx().entry.send).toBe('unknown');
  });

  // Found by this suite, fixed (it was): pending.sending's onError does not arm `deadline` (it stays at input.now), so verifying times out at once.
  it('a send that throws is verified for the whole timeoutMs before it is called unknown', async () => {
    const d = drive({ venue: { send: () => 'throw' } });
    await d.start();
    await d.advance(SETTINGS.timeoutMs - 100);
    expect(d.top()).toBe('verifying');
  });

  // Found by this suite, fixed (it was): pending.sending's onError leaves entry.sentAt undefined, so positionEvidence() ignores every REST report.
  it('after a send that threw, a REST position change from the baseline still proves the fill', async () => {
    const d = drive({
      venue: { send: () => 'throw', position: (now) => positionReport({ side: 'buy', size: 43, receivedAt: now }) },
    });
    await d.start();
    await d.advance(SETTINGS.restLagMs + 200); // a REST read counts only once it is received restLagMs after the send
    expect(d.top()).toBe('open');
  });
});

describe('verifying', () => {
  it('an order report "filled" opens a position without a stop', async () => {
    const d = await openPosition();
    expect(d.log.states).toEqual(['pending', 'verifying', 'open']);
    expect(filledAmount(d.ctx())).toBe(43);
  });

  it('an order report "filled" protects a position with a stop', async () => {
    const d = drive({ input: positionInput(WITH_STOP) });
    d.venue.order = (lookup, now) =>
      lookup.clientOrderId === ENTRY_ID
        ? orderReport(ENTRY, { status: 'filled', filled: 43, receivedAt: now })
        : undefined;
    await d.start();
    await d.advance(0);
    expect(d.top()).toBe('protecting');
    expect(d.log.states).toEqual(['pending', 'verifying', 'protecting']);
  });

  it('a stream fill alone proves the fill', async () => {
    const d = drive();
    await d.start();
    expect(d.top()).toBe('verifying');
    await d.send({ type: 'FILL_REPORT', report: fillReport(ENTRY, { amount: 43, receivedAt: d.clock.now() }) });
    expect(d.top()).toBe('open');
    expect(filledAmount(d.ctx())).toBe(43);
  });

  it('a REST position that changed from the journalled baseline by the entry amount proves the fill', async () => {
    const d = drive({
      venue: {
        journal: () => ({ side: 'buy', size: 10 }),
        position: (now) => positionReport({ side: 'buy', size: 53, receivedAt: now }),
      },
    });
    await d.start();
    await d.advance(0);
    expect(d.top()).toBe('verifying'); // a REST read received within restLagMs of the send may show an earlier state
    await d.advance(SETTINGS.restLagMs + SETTINGS.feedDownPollMs);
    expect(d.top()).toBe('open');
    expect(filledAmount(d.ctx())).toBe(43);
  });

  it('a REST position equal to a non-zero baseline is no fill: verifying, then unknown at the deadline', async () => {
    const d = drive({
      venue: {
        journal: () => ({ side: 'buy', size: 10 }),
        position: (now) => positionReport({ side: 'buy', size: 10, receivedAt: now }),
      },
    });
    await d.start();
    await d.advance(SETTINGS.timeoutMs - 1);
    expect(d.top()).toBe('verifying');
    await d.advance(2);
    expect(d.top()).toBe('unknown');
    expect(d.log.states).toEqual(['pending', 'verifying', 'unknown']);
  });

  it.each([
    ['missing from the REST list', () => undefined],
    ['reported flat by REST', (now: number) => positionReport({ size: 0, receivedAt: now })],
  ])(
    'a position %s and an order query that finds nothing are no evidence: unknown at the deadline, never rollingBack or failed',
    async (_name, position) => {
      const d = drive({ venue: { position, order: () => undefined } });
      await d.start();
      await d.advance(SETTINGS.timeoutMs - 1);
      expect(d.top()).toBe('verifying');
      expect(d.log.queries.length).toBeGreaterThan(5);
      await d.advance(2);
      expect(d.top()).toBe('unknown');
      await d.advance(SETTINGS.unknownAlertAfterMs - 10);
      expect(d.log.states).toEqual(['pending', 'verifying', 'unknown']);
      expect(d.log.sends).toHaveLength(1);
    },
  );

  it('an order reported cancelled with zero fill ends failed', async () => {
    const d = drive({
      venue: { order: (_l, now) => orderReport(ENTRY, { status: 'cancelled', filled: 0, receivedAt: now }) },
    });
    await d.start();
    await d.advance(0);
    expect(d.top()).toBe('failed');
    expect(d.ctx().reason).toMatch(/cancelled with zero fill/);
  });

  it('an order cancelled after a partial fill is a filled position of that size', async () => {
    const d = drive({
      venue: { order: (_l, now) => orderReport(ENTRY, { status: 'cancelled', filled: 20, receivedAt: now }) },
    });
    await d.start();
    await d.advance(0);
    expect(d.top()).toBe('open');
    expect(filledAmount(d.ctx())).toBe(20);
    expect(ownHolding(d.ctx())).toBe(20);
  });

  it('a partial fill still working at the deadline opens a position of the filled size', async () => {
    const d = drive({
      venue: { order: (_l, now) => orderReport(ENTRY, { status: 'open', filled: 20, receivedAt: now }) },
    });
    await d.start();
    await d.advance(SETTINGS.timeoutMs - 1);
    expect(d.top()).toBe('verifying');
    await d.advance(2);
    expect(d.top()).toBe('open');
    expect(filledAmount(d.ctx())).toBe(20);
  });

  // Found by this suite, fixed (it was): entryVerdict() takes the REST change from the baseline as the fill without capping it at the entry's amount.
  it('a REST position above what the entry could fill proves at most the entry amount (the stop is not oversized)', async () => {
    const d = drive({
      input: positionInput(WITH_STOP),
      venue: {
        position: (now) => positionReport({ side: 'buy', size: 86, receivedAt: now }),
        send: (i) => (i.role === 'entry' ? acceptedNoReport(i) : 'hang'),
      },
    });
    await d.start();
    await d.advance(SETTINGS.restLagMs + SETTINGS.feedDownPollMs);
    expect(d.top()).toBe('protecting');
    expect(d.log.sends.find((s) => s.role === 'stop')?.request.amount).toBe(43);
  });
});

describe('unknown', () => {
  it('after unknownAlertAfterMs it raises one unknownOrder alert and moves to orphanAlert', async () => {
    const d = drive();
    await d.start();
    await d.advance(SETTINGS.timeoutMs + 1);
    expect(d.top()).toBe('unknown');
    await d.advance(SETTINGS.unknownAlertAfterMs - 10);
    expect(d.top()).toBe('unknown');
    expect(d.log.alerts).toHaveLength(0);
    await d.advance(20);
    expect(d.top()).toBe('orphanAlert');
    await d.advance(30_000);
    expect(d.top()).toBe('orphanAlert');
    expect(d.log.alerts.map((a) => a.kind)).toEqual(['unknownOrder']);
    expect(d.log.alerts[0]?.message).toContain(ENTRY_ID);
  });

  it.each([
    ['without a stop → open', {}, 'open'],
    ['with a stop → protecting', WITH_STOP, 'protecting'],
  ] as const)('evidence of a fill during unknown proves the entry (%s)', async (_name, over, expected) => {
    const d = drive({
      input: positionInput(over),
      venue: { send: (i) => (i.role === 'entry' ? acceptedNoReport(i) : 'hang') },
    });
    await d.start();
    await d.advance(SETTINGS.timeoutMs + 500);
    expect(d.top()).toBe('unknown');
    await d.send({ type: 'FILL_REPORT', report: fillReport(ENTRY, { amount: 43, receivedAt: d.clock.now() }) });
    expect(d.top()).toBe(expected);
    expect(d.log.alerts).toHaveLength(0);
  });

  it('an order query that finds the entry filled during unknown opens it', async () => {
    const d = drive();
    await d.start();
    await d.advance(SETTINGS.timeoutMs + 500);
    expect(d.top()).toBe('unknown');
    d.venue.order = (_l, now) => orderReport(ENTRY, { status: 'filled', filled: 43, receivedAt: now });
    expect(await d.until(['open', 'orphanAlert'])).toBe('open');
  });
});

describe('orphanAlert', () => {
  it('flat with its entry dead, it is not failed while a stop of it may still be on the venue: the stop is cancelled and verified first', async () => {
    const d0 = drive({ input: positionInput(WITH_STOP) });
    const base = initialContext(d0.input);
    const now = d0.clock.now();
    const context: PositionContext = {
      ...base,
      entry: {
        ...base.entry,
        send: 'accepted',
        sentAt: now,
        report: orderReport(ENTRY, { status: 'cancelled', filled: 0, receivedAt: now }),
      },
      stops: [{ ...newOrderTrack('stop', STOP_ID, 'sell', 43), send: 'accepted', sentAt: now }],
      live: positionReport({ size: 0, receivedAt: now }),
      orphanFrom: 'close',
      reason: 'close refused',
    };
    const snapshot = positionMachine.getPersistedSnapshot(
      positionMachine.resolveState({ value: { orphanAlert: 'waiting' }, context }),
    );
    const d = drive({ input: d0.input, clock: d0.clock, snapshot: snapshot as never });
    let cancelled = false;
    d.venue.cancel = () => {
      cancelled = true;
      return accepted(undefined);
    };
    d.venue.order = (l, t) =>
      l.clientOrderId === STOP_ID && cancelled
        ? orderReport(STOP, { status: 'cancelled', filled: 0, receivedAt: t })
        : undefined;
    await d.start();
    await d.send({ type: 'RESUME', at: d.clock.now() });
    expect(d.log.cancels.map((c) => c.clientOrderId)).toEqual([STOP_ID]);
    expect(await d.until(['failed'], 5_000)).toBe('failed');
    expect(d.log.states).not.toContain('closed');
  });

  // Found by this suite, fixed: ADOPT carries no evidence and open's `flatProven` does not ask for the entry's fate
  // (orphanAlert's own rule does), so the old REST flat counts (no non-flat evidence on record) and the adopted position ends closed at once.
  it('an adopted position stays open until a flat report newer than the adoption', async () => {
    const d = drive({ venue: { position: (now) => positionReport({ size: 0, receivedAt: now, venueTime: T0 }) } });
    await d.start();
    expect(await d.until(['orphanAlert'])).toBe('orphanAlert');
    await d.send({ type: 'ADOPT' });
    await d.advance(0);
    expect(d.top()).toBe('open');
  });
});

describe('protecting', () => {
  it('a stop confirmed by a report opens the position', async () => {
    const d = await openPosition(WITH_STOP);
    expect(d.log.states).toEqual(['pending', 'verifying', 'protecting', 'open']);
    expect(d.ctx().stops.at(-1)?.report?.status).toBe('open');
    expect(d.log.alerts).toHaveLength(0);
  });

  it('a stop the venue rejects, under the rollback policy, rolls back with a protectionFailed alert', async () => {
    const d = drive({ input: positionInput(WITH_STOP) });
    d.venue.send = (i) => (i.role === 'stop' ? rejected('trigger price too close') : acceptedNoReport(i));
    d.venue.order = (_l, now) => orderReport(ENTRY, { status: 'filled', filled: 43, receivedAt: now });
    await d.start();
    await d.advance(0);
    expect(d.log.states.slice(0, 4)).toEqual(['pending', 'verifying', 'protecting', 'rollingBack']);
    expect(d.top()).toBe('rollingBack');
    expect(d.ctx().closeRequest?.reason).toBe('protection-refused');
    expect(alertsOf(d, 'protectionFailed')).toHaveLength(1);
    expect(alertsOf(d, 'protectionFailed')[0]?.message).toMatch(/trigger price too close.*rolling back/);
  });

  it('a stop the venue rejects, under the alert policy, leaves the position open with a protectionFailed alert', async () => {
    const d = drive({ input: positionInput({ ...WITH_STOP, settings: { protectionOnFailure: 'alert' } }) });
    d.venue.send = (i) => (i.role === 'stop' ? rejected('trigger price too close') : acceptedNoReport(i));
    d.venue.order = (_l, now) => orderReport(ENTRY, { status: 'filled', filled: 43, receivedAt: now });
    await d.start();
    await d.advance(0);
    expect(d.top()).toBe('open');
    expect(d.log.states).not.toContain('rollingBack');
    expect(alertsOf(d, 'protectionFailed')).toHaveLength(1);
    expect(alertsOf(d, 'protectionFailed')[0]?.message).toMatch(/stays open unprotected/);
  });

  it('a stop never confirmed within timeoutMs is not refused: open, marked unconfirmed, alerted once, still looked up', async () => {
    const d = drive({ input: positionInput(WITH_STOP) });
    d.venue.order = (l, now) =>
      l.clientOrderId === ENTRY_ID ? orderReport(ENTRY, { status: 'filled', filled: 43, receivedAt: now }) : undefined;
    await d.start();
    await d.advance(SETTINGS.timeoutMs - 10);
    expect(d.top()).toBe('protecting');
    await d.advance(20);
    expect(d.top()).toBe('open');
    expect(d.log.states).not.toContain('rollingBack');
    expect(alertsOf(d, 'protectionFailed')).toHaveLength(0);
    expect(alertsOf(d, 'protectionUnconfirmed')).toHaveLength(1);
    expect(protectionOf(d.ctx()).kind).toBe('unconfirmed');
    // Found later: confirmed, and no second stop was ever placed meanwhile.
    d.venue.order = (l, now) =>
      l.clientOrderId === ENTRY_ID
        ? orderReport(ENTRY, { status: 'filled', filled: 43, receivedAt: now })
        : l.clientOrderId === STOP_ID
          ? orderReport(STOP, { status: 'open', filled: 0, receivedAt: now })
          : undefined;
    await d.advance(5_000);
    expect(protectionOf(d.ctx()).kind).toBe('confirmed');
    expect(d.log.sends.filter((x) => x.role.startsWith('stop'))).toHaveLength(1);
    expect(alertsOf(d, 'protectionUnconfirmed')).toHaveLength(1);
  });

  it('the stop is a reduce-only stop-market order sized to the proven (partial) fill', async () => {
    const d = drive({ input: positionInput(WITH_STOP) });
    d.venue.order = (l, now) =>
      l.clientOrderId === ENTRY_ID ? orderReport(ENTRY, { status: 'open', filled: 20, receivedAt: now }) : undefined;
    await d.start();
    await d.advance(SETTINGS.timeoutMs + 1);
    expect(d.top()).toBe('protecting');
    const stop = d.log.sends.find((s) => s.role === 'stop');
    expect(stop?.request).toMatchObject({
      side: 'sell',
      amount: 20,
      reduceOnly: true,
      type: 'stop-market',
      triggerPrice: 0.21,
      clientOrderId: STOP_ID,
    });
    expect(d.ctx().stops.at(-1)?.amount).toBe(filledAmount(d.ctx()));
  });
});

describe('open', () => {
  it('a feed state it already knows, or a REST read of its stop that says what the stream said, changes nothing', async () => {
    const d = await openPosition(WITH_STOP);
    const before = d.actor.getSnapshot();
    await d.send({ type: 'FEED', up: true });
    expect(d.actor.getSnapshot()).toBe(before); // no transition at all: nothing to write
    const stop = d.ctx().stops.at(-1);
    const report = stop?.report;
    expect(report?.status).toBe('open');
    if (report === undefined) return;
    await d.send({
      type: 'ORDER_REPORT',
      report: { ...report, source: 'order-query', receivedAt: report.receivedAt + 1_000 },
    });
    expect(d.ctx().stops.at(-1)).toBe(stop);
    // A report of the same order that says something new is folded in.
    await d.send({
      type: 'ORDER_REPORT',
      report: {
        ...report,
        status: 'cancelled',
        receivedAt: report.receivedAt + 2_000,
        venueTime: (report.venueTime ?? 0) + 1,
      },
    });
    expect(d.ctx().stops.at(-1)).not.toBe(stop);
  });

  it("a stale REST flat after a stream fill leaves the position open (the incident's second half)", async () => {
    const d = drive();
    await d.start();
    const fillAt = d.clock.now() + 5;
    await d.send({
      type: 'FILL_REPORT',
      report: fillReport(ENTRY, { amount: 43, receivedAt: fillAt, venueTime: fillAt }),
    });
    expect(d.top()).toBe('open');
    await d.send({
      type: 'POSITION_REPORT',
      report: positionReport({ size: 0, receivedAt: fillAt + 4_000, venueTime: fillAt - 1_000 }),
    });
    await d.advance(500);
    expect(d.top()).toBe('open');
    expect(d.log.states).toEqual(['pending', 'verifying', 'open']);
  });

  // Found by this suite, fixed (it was): sent() stores the create reply's report on the entry without noteNonFlat(), so lastNonFlat stays undefined
  // and judgeFlatReport() counts ANY flat report, however stale: a live 43 long ends `closed` (an untracked orphan).
  it('a stale REST flat after a fill proven by the create reply leaves the position open', async () => {
    const d = drive();
    d.venue.send = (i, now) =>
      i.role === 'entry'
        ? accepted({
            venueOrderId: venueIdOf(ENTRY_ID),
            report: orderReport(ENTRY, { status: 'filled', filled: 43, receivedAt: now + 5, venueTime: now + 5 }),
          })
        : acceptedNoReport(i);
    await d.start();
    await d.advance(0);
    expect(d.top()).toBe('open');
    const t = d.clock.now();
    await d.send({
      type: 'POSITION_REPORT',
      report: positionReport({ size: 0, receivedAt: t + 4_000, venueTime: t - 1_000 }),
    });
    await d.advance(500);
    expect(d.log.states).toEqual(['pending', 'verifying', 'open']);
  });
});

describe('a close asked before the entry is known', () => {
  it('a close asked while verifying is remembered and carried out once the position is open', async () => {
    const d = drive();
    await d.start();
    await d.send({ type: 'CLOSE', at: d.clock.now() });
    expect(d.top()).toBe('verifying');
    expect(d.ctx().closeRequest?.reason).toBe('user');
    await d.advance(300);
    expect(d.top()).toBe('verifying');
    d.venue.order = (_l, now) => orderReport(ENTRY, { status: 'filled', filled: 43, receivedAt: now });
    d.venue.position = (now) => positionReport({ side: 'buy', size: 43, receivedAt: now });
    await d.advance(100);
    expect(d.log.states.slice(0, 4)).toEqual(['pending', 'verifying', 'open', 'closing']);
    expect(closeSends(d).map((s) => s.request)).toMatchObject([{ side: 'sell', amount: 43, reduceOnly: true }]);
  });
});

describe('closing and rollingBack', () => {
  it('a rollback closes with a reduce-only sell sized and sided from the live report (long 43 → sell 43), never from the entry reply', async () => {
    const d = drive({ input: positionInput(WITH_STOP) });
    // The entry reply is garbage on purpose: it says "sell" (the incident's normaliser bug, now typed).
    d.venue.send = (i, now) =>
      i.role === 'entry'
        ? accepted({
            venueOrderId: venueIdOf(ENTRY_ID),
            report: orderReport(ENTRY, { status: 'filled', filled: 43, receivedAt: now, side: 'sell' }),
          })
        : i.role === 'stop'
          ? rejected('stop refused')
          : acceptedNoReport(i);
    d.venue.position = (now) => positionReport({ side: 'buy', size: 43, receivedAt: now });
    await d.start();
    await d.advance(0);
    expect(d.log.states).toContain('rollingBack');
    const closes = closeSends(d);
    expect(closes).toHaveLength(1);
    expect(closes[0]?.request).toMatchObject({
      side: 'sell',
      amount: 43,
      reduceOnly: true,
      type: 'market',
      clientOrderId: orderId('close-1'),
    });
  });

  it('a first close is planned on a report held within reportStaleMs of the request: no read ahead of it', async () => {
    const d = await openPosition();
    await d.send({
      type: 'POSITION_REPORT',
      report: positionReport({ side: 'buy', size: 43, receivedAt: d.clock.now(), source: 'stream' }),
    });
    await d.advance(1_500);
    const asked = d.log.queries.length;
    await d.send({ type: 'CLOSE', at: d.clock.now() });
    await d.advance(0);
    expect(closeSends(d).map((s) => s.request)).toMatchObject([{ side: 'sell', amount: 43, reduceOnly: true }]);
    // The first query after the request is the close's own look-up, after it was sent.
    const next = d.log.queries[asked];
    expect(next?.order?.clientOrderId).toBe(orderId('close-1'));
  });

  it('a first close reads the position first when the report held is older than reportStaleMs at the request', async () => {
    const d = await openPosition();
    await d.send({
      type: 'POSITION_REPORT',
      report: positionReport({ side: 'buy', size: 43, receivedAt: d.clock.now(), source: 'stream' }),
    });
    await d.advance(2_500);
    d.venue.position = (now) => positionReport({ side: 'buy', size: 30, receivedAt: now });
    const asked = d.log.queries.length;
    await d.send({ type: 'CLOSE', at: d.clock.now() });
    await d.advance(0);
    expect(d.log.queries[asked]).toMatchObject({ position: true, order: undefined });
    expect(closeSends(d).map((s) => s.request)).toMatchObject([{ side: 'sell', amount: 30, reduceOnly: true }]);
  });

  it('a user close is sized to the live size when the venue shows less than the entry filled', async () => {
    const d = await openPosition();
    d.venue.position = (now) => positionReport({ side: 'buy', size: 30, receivedAt: now });
    await d.send({ type: 'CLOSE', at: d.clock.now() });
    await d.advance(0);
    expect(closeSends(d).map((s) => s.request)).toMatchObject([{ side: 'sell', amount: 30, reduceOnly: true }]);
  });

  // Found by this suite, fixed (it was): entryVerdict() takes max(REST change from the baseline, the order's own fill): a bigger REST position
  // overrides the entry's terminal report (cancelled, filled 20), so ownHolding() is 43 and the close is sized 43.
  it('a user close is sized to what the entry filled when the venue shows more (someone else holds the rest)', async () => {
    const d = drive({
      venue: { order: (_l, now) => orderReport(ENTRY, { status: 'cancelled', filled: 20, receivedAt: now }) },
    });
    await d.start();
    await d.advance(0);
    expect(d.top()).toBe('open');
    d.venue.position = (now) => positionReport({ side: 'buy', size: 43, receivedAt: now });
    await d.send({ type: 'CLOSE', at: d.clock.now() });
    await d.advance(0);
    expect(closeSends(d).map((s) => s.request)).toMatchObject([{ side: 'sell', amount: 20, reduceOnly: true }]);
  });

  it('a live report whose side disagrees with the intent is refused: orphanAlert, a closeRefused alert, no order', async () => {
    const d = await openPosition();
    d.venue.position = (now) => positionReport({ side: 'sell', size: 43, receivedAt: now });
    await d.send({ type: 'CLOSE', at: d.clock.now() });
    await d.advance(0);
    expect(d.top()).toBe('orphanAlert');
    expect(d.log.states).not.toContain('closed');
    expect(alertsOf(d, 'closeRefused')).toHaveLength(1);
    expect(alertsOf(d, 'closeRefused')[0]?.message).toMatch(/short but the intent was buy/);
    expect(closeSends(d)).toHaveLength(0);
    await d.advance(5_000);
    expect(closeSends(d)).toHaveLength(0);
    expect(d.top()).toBe('orphanAlert');
  });

  it('a stale REST flat sends no close and closes nothing until a flat report that counts', async () => {
    const d = drive();
    await d.start();
    const fillAt = d.clock.now();
    await d.send({
      type: 'FILL_REPORT',
      report: fillReport(ENTRY, { amount: 43, receivedAt: fillAt, venueTime: fillAt }),
    });
    expect(d.top()).toBe('open');
    // REST lags: it still shows the state from before the fill.
    d.venue.position = (now) => positionReport({ size: 0, receivedAt: now, venueTime: fillAt - 1_000 });
    await d.send({ type: 'CLOSE', at: d.clock.now() });
    await d.advance(250);
    expect(d.top()).toBe('closing');
    expect(d.log.queries.length).toBeGreaterThan(2);
    expect(closeSends(d)).toHaveLength(0);
    // Waited out for the whole verification: still no close order and never closed (an alert instead).
    await d.advance(5_000);
    expect(closeSends(d)).toHaveLength(0);
    expect(d.log.states).not.toContain('closed');
    // Now REST shows a flat position newer than the fill and read past its lag: it counts.
    d.venue.position = (now) => positionReport({ size: 0, receivedAt: now, venueTime: now });
    expect(await d.until(['closed'])).toBe('closed');
    expect(closeSends(d)).toHaveLength(0);
  });

  // Found by this suite, fixed (it was): closing.planning plans on ctx.live however old it is; freshNonFlat()/reportStaleMs are never used.
  it('a close is not planned on a stale live report when the fetch shows no position', async () => {
    const d = drive();
    await d.start();
    const t = d.clock.now();
    await d.send({ type: 'FILL_REPORT', report: fillReport(ENTRY, { amount: 43, receivedAt: t }) });
    await d.send({
      type: 'POSITION_REPORT',
      report: positionReport({ side: 'buy', size: 43, receivedAt: t, source: 'stream' }),
    });
    expect(d.top()).toBe('open');
    await d.advance(10_000); // the last report is now 10 s old (reportStaleMs is 2 s); the REST list shows nothing
    await d.send({ type: 'CLOSE', at: d.clock.now() });
    await d.advance(50);
    expect(closeSends(d)).toHaveLength(0);
  });

  it('a close the venue keeps refusing is retried for about timeoutMs, then handed to a human with an alert naming the refusal', async () => {
    const d = await openPosition();
    d.venue.position = (now) => positionReport({ side: 'buy', size: 43, receivedAt: now });
    d.venue.send = (i) =>
      i.role.startsWith('close-') ? rejected('too many requests', 'RATE_LIMITED', 200) : acceptedNoReport(i);
    await d.send({ type: 'CLOSE', at: d.clock.now(), requestId: 'r1' });
    await d.advance(10_000);
    const retries = Math.max(SETTINGS.closeVerifyAttempts, Math.ceil(SETTINGS.timeoutMs / SETTINGS.feedDownPollMs));
    expect(closeSends(d).length).toBeLessThanOrEqual(retries + 1);
    expect(closeSends(d).every((c) => c.request.reduceOnly && c.request.side === 'sell')).toBe(true);
    expect(d.top()).toBe('orphanAlert');
    expect(alertsOf(d, 'closeUnverified')[0]?.message).toMatch(/too many requests/);
  });

  it('after a close was given up, the same request delivered again is ignored and a new request starts again', async () => {
    const d = await openPosition();
    d.venue.position = (now) => positionReport({ side: 'buy', size: 43, receivedAt: now });
    d.venue.send = (i) =>
      i.role.startsWith('close-') ? rejected('too many requests', 'RATE_LIMITED') : acceptedNoReport(i);
    await d.send({ type: 'CLOSE', at: d.clock.now(), requestId: 'r1' });
    await d.advance(10_000);
    expect(d.top()).toBe('orphanAlert');
    const refused = closeSends(d).length;
    d.venue.send = acceptedNoReport;
    await d.send({ type: 'CLOSE', at: d.clock.now(), requestId: 'r1' });
    await d.advance(200);
    expect(closeSends(d).length).toBe(refused); // the same request is one close
    await d.send({ type: 'CLOSE', at: d.clock.now(), requestId: 'r2' });
    await d.advance(200);
    expect(closeSends(d).length).toBe(refused + 1);
    expect(d.top()).toBe('closing');
  });
});

describe('verifyingClosed', () => {
  /** Open with a confirmed stop, ask to close; the close fills; the position report is what `flatFrom` says. */
  async function closeWithFill(): Promise<Driven & { closeFilledAt: () => number | undefined }> {
    const d = await openPosition(WITH_STOP);
    let closeFilledAt: number | undefined;
    let stopCancelled = false;
    d.venue.position = (now) =>
      closeFilledAt === undefined
        ? positionReport({ side: 'buy', size: 43, receivedAt: now })
        : positionReport({ size: 0, receivedAt: now, venueTime: now });
    d.venue.order = (l, now) => {
      if (l.clientOrderId === ENTRY_ID) return orderReport(ENTRY, { status: 'filled', filled: 43, receivedAt: now });
      if (l.clientOrderId === STOP_ID)
        return orderReport(STOP, { status: stopCancelled ? 'cancelled' : 'open', filled: 0, receivedAt: now });
      if (l.clientOrderId === orderId('close-1')) {
        closeFilledAt ??= now;
        return orderReport(
          { clientOrderId: orderId('close-1'), side: 'sell', amount: 43, reduceOnly: true },
          { status: 'filled', filled: 43, receivedAt: now },
        );
      }
      return undefined;
    };
    d.venue.cancel = (i) => {
      if (i.clientOrderId === STOP_ID) stopCancelled = true;
      return accepted(undefined);
    };
    await d.advance(1_000);
    return Object.assign(d, { closeFilledAt: () => closeFilledAt });
  }

  it('a fresh flat report, with the stop cancelled and the cancel verified, ends closed', async () => {
    const d = await closeWithFill();
    await d.send({ type: 'CLOSE', at: d.clock.now() });
    expect(await d.until(['closed', 'orphanAlert'])).toBe('closed');
    expect(d.log.states.slice(-4)).toEqual(['open', 'closing', 'verifyingClosed', 'closed']);
    expect(d.log.cancels.map((c) => c.clientOrderId)).toEqual([STOP_ID]);
    expect(d.ctx().stops.at(-1)?.report?.status).toBe('cancelled');
    expect(d.log.alerts).toHaveLength(0);
    expect(closeSends(d)).toHaveLength(1);
  });

  it('a stop not yet shown cancelled keeps the position out of closed', async () => {
    const d = await closeWithFill();
    d.venue.cancel = () => unknown('timeout');
    await d.send({ type: 'CLOSE', at: d.clock.now() });
    expect(await d.until(['closed', 'orphanAlert'])).toBe('orphanAlert');
    expect(d.log.states).not.toContain('closed');
    expect(alertsOf(d, 'closeUnverified')).toHaveLength(1);
  });

  it('no flat proof within closeVerifyAttempts ends orphanAlert with exactly one closeUnverified alert', async () => {
    const d = await closeWithFill();
    d.venue.position = (now) => positionReport({ side: 'buy', size: 43, receivedAt: now });
    await d.send({ type: 'CLOSE', at: d.clock.now() });
    expect(await d.until(['closed', 'orphanAlert'])).toBe('orphanAlert');
    const checks = d.log.queries.filter((q) => q.position && q.order === undefined).length;
    expect(checks).toBeGreaterThanOrEqual(SETTINGS.closeVerifyAttempts);
    await d.advance(30_000);
    expect(d.top()).toBe('orphanAlert');
    expect(alertsOf(d, 'closeUnverified')).toHaveLength(1);
    expect(alertsOf(d, 'closeUnverified')[0]?.message).toMatch(/still shows 43/);
    expect(closeSends(d)).toHaveLength(1);
  });

  it('a flat report that counts, arriving later in orphanAlert, ends closed', async () => {
    const d = await closeWithFill();
    d.venue.position = (now) => positionReport({ side: 'buy', size: 43, receivedAt: now });
    await d.send({ type: 'CLOSE', at: d.clock.now() });
    expect(await d.until(['closed', 'orphanAlert'])).toBe('orphanAlert');
    await d.advance(2_000);
    expect(d.top()).toBe('orphanAlert');
    d.venue.position = (now) => positionReport({ size: 0, receivedAt: now, venueTime: now });
    expect(await d.until(['closed'])).toBe('closed');
    expect(d.log.cancels.map((c) => c.clientOrderId)).toContain(STOP_ID);
    expect(alertsOf(d, 'closeUnverified')).toHaveLength(1);
  });
});

describe('restore from a persisted snapshot', () => {
  const persist = (d: Driven): Parameters<typeof drive>[0] & object => {
    const snapshot = JSON.parse(JSON.stringify(d.actor.getPersistedSnapshot())) as ReturnType<
      typeof d.actor.getPersistedSnapshot
    >;
    d.actor.stop();
    return { snapshot, clock: d.clock, input: d.input };
  };

  it('restored while sending the entry, the sending slot runs again; its Unknown answer leads to verifying and the order query resolves it', async () => {
    const first = drive({ venue: { send: () => 'hang' } });
    await first.start();
    expect(first.actor.getSnapshot().value).toEqual({ pending: 'sending' });
    await first.advance(50);
    const second = drive({
      ...persist(first),
      venue: {
        send: () => unknown(`${ENTRY_ID} may have been sent before a restart; it is looked up, never sent again`),
        order: (_l, now) => orderReport(ENTRY, { status: 'filled', filled: 43, receivedAt: now }),
      },
    });
    await second.start();
    second.actor.send({ type: 'RESUME' });
    await second.advance(0);
    expect(entrySends(second).map((s) => s.request.clientOrderId)).toEqual([ENTRY_ID]);
    expect(second.log.states).toEqual(['pending', 'verifying', 'open']);
    expect(second.ctx().entry.send).toBe('unknown');
    expect(filledAmount(second.ctx())).toBe(43);
  });

  it('restored in verifying, RESUME re-arms the deadline: past it the position is unknown', async () => {
    const first = drive();
    await first.start();
    await first.advance(400);
    expect(first.top()).toBe('verifying');
    const deadline = first.ctx().deadline;
    const second = drive(persist(first));
    await second.start();
    await second.send({ type: 'RESUME' });
    await second.advance(deadline - second.clock.now() - 1);
    expect(second.top()).toBe('verifying');
    await second.advance(2);
    expect(second.top()).toBe('unknown');
    expect(second.log.sends).toHaveLength(0);
  });

  // Found by this suite, fixed (it was): protecting's RESUME jumps to .confirming and drops the restarted placing step, so stop.send stays
  // 'not-sent' and stopOutstanding() is false: the position closes without cancelling its live stop.
  it('restored while placing the stop (then RESUME), the stop found by its client id is cancelled before closed', async () => {
    const first = drive({ input: positionInput(WITH_STOP) });
    first.venue.send = (i) => (i.role === 'stop' ? 'hang' : acceptedNoReport(i));
    first.venue.order = (l, now) =>
      l.clientOrderId === ENTRY_ID
        ? orderReport(ENTRY, { status: 'filled', filled: 43, receivedAt: now, venueTime: T0 })
        : undefined;
    await first.start();
    await first.advance(0);
    expect(first.actor.getSnapshot().value).toEqual({ protecting: 'sendingStop' });
    let flatSince: number | undefined;
    let stopCancelled = false;
    const second = drive({
      ...persist(first),
      venue: {
        send: (i) => (i.role === 'stop' ? unknown('claimed before the restart') : acceptedNoReport(i)),
        order: (l, now) => {
          if (l.clientOrderId === STOP_ID)
            return orderReport(STOP, { status: stopCancelled ? 'cancelled' : 'open', filled: 0, receivedAt: now });
          if (l.clientOrderId === ENTRY_ID)
            return orderReport(ENTRY, { status: 'filled', filled: 43, receivedAt: now, venueTime: T0 });
          flatSince ??= now;
          return orderReport(
            { clientOrderId: l.clientOrderId, side: 'sell', amount: 43, reduceOnly: true },
            { status: 'filled', filled: 43, receivedAt: now },
          );
        },
        position: (now) =>
          flatSince === undefined
            ? positionReport({ side: 'buy', size: 43, receivedAt: now })
            : positionReport({ size: 0, receivedAt: now, venueTime: now }),
        cancel: () => {
          stopCancelled = true;
          return accepted(undefined);
        },
      },
    });
    // As the restore protocol says: start, then RESUME at once (the re-run send has not answered yet).
    second.actor.start();
    second.actor.send({ type: 'RESUME' });
    expect(await second.until(['open'])).toBe('open');
    await second.send({ type: 'CLOSE', at: second.clock.now() });
    expect(await second.until(['closed', 'orphanAlert'])).toBe('closed');
    expect(second.log.cancels.map((c) => c.clientOrderId)).toEqual([STOP_ID]);
  });

  // Found by this suite, fixed (it was): closing's RESUME re-enters closing.assessing; the restarted close-1 send is dropped (send stays 'not-sent'),
  // closeInFlight() is false, and close-2 is planned and sent while close-1 may be live at the venue.
  it('restored while sending a close (then RESUME), no further close is sent before the first is looked up', async () => {
    const first = await openPosition();
    first.venue.position = (now) => positionReport({ side: 'buy', size: 43, receivedAt: now });
    first.venue.send = (i) => (i.role.startsWith('close-') ? 'hang' : acceptedNoReport(i));
    await first.send({ type: 'CLOSE', at: first.clock.now() });
    await first.advance(0);
    expect(first.actor.getSnapshot().value).toEqual({ closing: 'sending' });
    const second = drive({
      ...persist(first),
      venue: {
        send: (i) =>
          i.request.clientOrderId === orderId('close-1') ? unknown('claimed before the restart') : acceptedNoReport(i),
        position: (now) => positionReport({ side: 'buy', size: 43, receivedAt: now }),
      },
    });
    second.actor.start();
    second.actor.send({ type: 'RESUME' });
    await second.advance(500);
    expect(closeSends(second).map((s) => s.request.clientOrderId)).not.toContain(orderId('close-2'));
  });
});

describe('a restored sending step looks its order up first (resumable)', () => {
  const persisted = async (over: Parameters<typeof drive>[0] = {}) => {
    const first = drive({ venue: { send: () => 'hang' }, ...over });
    await first.start();
    expect(first.actor.getSnapshot().value).toEqual({ pending: 'sending' });
    const snapshot = resumable(
      JSON.parse(JSON.stringify(first.actor.getPersistedSnapshot())) as Record<string, unknown>,
    );
    first.actor.stop();
    expect(snapshot.value).toEqual({ pending: 'resuming' });
    return { snapshot: snapshot as never, clock: first.clock, input: first.input };
  };

  it('an entry found by its client order id is not sent again: verifying, then open', async () => {
    const second = drive({
      ...(await persisted()),
      venue: { order: (_l, now) => orderReport(ENTRY, { status: 'filled', filled: 43, receivedAt: now }) },
    });
    await second.start();
    await second.send({ type: 'RESUME', at: second.clock.now() });
    await second.advance(0);
    expect(second.log.sends).toHaveLength(0);
    expect(second.top()).toBe('open');
  });

  it('an entry not found is sent (through its claim) only once a lookup restLagMs after the snapshot found nothing; a failed lookup concludes nothing', async () => {
    const p = await persisted();
    const second = drive({
      ...p,
      venue: {
        order: () => {
          throw new Error('503');
        },
      },
    });
    await second.start();
    await second.send({ type: 'RESUME', at: second.clock.now() });
    await second.advance(SETTINGS.restLagMs * 3);
    expect(second.log.sends).toHaveLength(0); // queries failing: never a send
    second.venue.order = () => undefined;
    await second.advance(SETTINGS.feedDownPollMs * 2);
    expect(entrySends(second)).toHaveLength(1);
  });
});

describe('pure one-step transitions', () => {
  const input = positionInput();

  /** A verifying snapshot after an accepted entry, resolved without running anything. */
  function verifyingSnapshot() {
    const [initial] = initialTransition(positionMachine, input);
    const context: PositionContext = {
      ...initial.context,
      baseline: { side: undefined, size: 0 },
      entry: { ...initial.context.entry, send: 'accepted', sentAt: T0 + 1, venueOrderId: venueIdOf(ENTRY_ID) },
      deadline: T0 + 1 + SETTINGS.timeoutMs,
      armedAt: T0 + 1,
      seenAt: T0 + 1,
    };
    return positionMachine.resolveState({ value: { verifying: 'waiting' }, context });
  }

  it('the initial transition journals first: nothing is sent before the intent is written', () => {
    const [snapshot, actions] = initialTransition(positionMachine, input);
    expect(snapshot.value).toEqual({ pending: 'journaling' });
    const spawned = actions
      .filter((a) => a.type === 'xstate.spawnChild')
      .map((a) => (a.params as { src?: unknown }).src);
    expect(spawned).toEqual(['prepareEntry']);
    expect(snapshot.context.entry.send).toBe('not-sent');
  });

  it('an order report cancelled with zero fill moves verifying to failed in one step', () => {
    const [next] = transition(positionMachine, verifyingSnapshot(), {
      type: 'ORDER_REPORT',
      report: orderReport(ENTRY, { status: 'cancelled', filled: 0, receivedAt: T0 + 10 }),
    });
    expect(next.value).toBe('failed');
  });

  it('a flat REST report is no evidence: verifying stays verifying', () => {
    const [next] = transition(positionMachine, verifyingSnapshot(), {
      type: 'POSITION_REPORT',
      report: positionReport({ size: 0, receivedAt: T0 + 10 }),
    });
    expect(next.value).toEqual({ verifying: 'waiting' });
  });

  it('a stream position report that shows the fill moves verifying to open in one step', () => {
    const [next] = transition(positionMachine, verifyingSnapshot(), {
      type: 'POSITION_REPORT',
      report: positionReport({ side: 'buy', size: 43, receivedAt: T0 + 10, source: 'stream' }),
    });
    expect(next.value).toEqual({ open: 'watching' });
  });

  it('a close asked while verifying is recorded and does not leave verifying', () => {
    const [next] = transition(positionMachine, verifyingSnapshot(), { type: 'CLOSE', at: T0 + 20 });
    expect(next.value).toEqual({ verifying: 'waiting' });
    expect(next.context.closeRequest?.reason).toBe('user');
  });

  it('ADOPT is ignored outside orphanAlert', () => {
    const [next] = transition(positionMachine, verifyingSnapshot(), { type: 'ADOPT' });
    expect(next.value).toEqual({ verifying: 'waiting' });
  });
});

// Keep the clock fixture honest: it must be a SimulatedClock that fires timers at their own times.
describe('the test clock', () => {
  it('fires timers one by one at their due times', () => {
    const clock = new TestClock(T0);
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(clock.now()), 30);
    clock.setTimeout(() => fired.push(clock.now()), 10);
    clock.advanceSync(100);
    expect(fired).toEqual([T0 + 10, T0 + 30]);
    expect(clock.now()).toBe(T0 + 100);
  });
});
