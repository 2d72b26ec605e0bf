import { describe, expect, it } from 'vitest';
import { CONTEXT_VERSION } from '../../src/machines/position.context.js';
import { SnapshotUnreadable, migrateSnapshot } from '../../src/machines/position.migrate.js';
import { initialContext } from '../../src/machines/position.start.js';
import { drive } from '../support/position-driver.js';
import { ENTRY, STOP, STOP_ID, orderReport, positionInput, positionReport } from '../support/position-fixtures.js';

/** A context as posguard 0.1 (format 1) wrote it: one `stop`, `closeRequested` as a bare reason. */
function v1Context(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const { spec, stops: _s, ...rest } = initialContext(positionInput({ intent: { stopLoss: 0.21 } }));
  return { ...rest, ...spec, stop: undefined, closeRequested: undefined, ...extra };
}

describe('migrating stored snapshots', () => {
  it('a format-1 open position with a stop is read as the current format with that stop kept', () => {
    const stop = {
      role: 'stop',
      clientOrderId: STOP_ID,
      side: 'sell',
      amount: 43,
      venueOrderId: 'v1',
      sentAt: 1,
      send: 'accepted',
      rejectReason: undefined,
      report: undefined,
      fillIds: [],
      fillTotal: 0,
    };
    const out = migrateSnapshot({ status: 'active', value: { open: 'watching' }, context: v1Context({ stop }) });
    const ctx = out.context as Record<string, unknown>;
    expect(ctx.stops).toEqual([stop]);
    expect(ctx.spec).toMatchObject({ id: expect.any(String), intent: { symbol: 'AVL/USDT:USDT' } });
    expect('stop' in ctx || 'intent' in ctx).toBe(false);
  });

  it('a format-2 context (version inside, birth fields at the top) is read with its spec nested', () => {
    const { spec, ...rest } = initialContext(positionInput({ intent: { stopLoss: 0.21 } }));
    const out = migrateSnapshot({
      status: 'active',
      value: { open: 'watching' },
      context: { ...rest, ...spec, version: 2, recheckUntil: 5 },
    });
    const ctx = out.context as Record<string, unknown>;
    expect(ctx.spec).toEqual(spec);
    expect(ctx.recheckUntil).toBe(5);
    expect(['version', 'intent', 'id', 'market', 'settings'].filter((k) => k in ctx)).toEqual([]);
  });

  it('a format-3 context gets the stop budget it was created with (5), and keeps one it has', () => {
    const { spec, ...rest } = initialContext(positionInput({ intent: { stopLoss: 0.21 } }));
    const { maxStops: _m, ...settings } = spec.settings;
    const old = migrateSnapshot({
      value: { open: 'watching' },
      contextVersion: 3,
      context: { ...rest, spec: { ...spec, settings } },
    });
    expect((old.context as { spec: typeof spec }).spec.settings).toEqual({ ...settings, maxStops: 5 });
    const now = migrateSnapshot({
      value: { open: 'watching' },
      contextVersion: 4,
      context: { ...rest, spec: { ...spec, settings: { ...settings, maxStops: 2 } } },
    });
    expect((now.context as { spec: typeof spec }).spec.settings.maxStops).toBe(2);
  });

  it('a format-1 close request survives, and an orphan after a close stays one', () => {
    const out = migrateSnapshot({
      status: 'active',
      value: { orphanAlert: 'waiting' },
      context: v1Context({ closeRequested: 'user', closes: [{}] }),
    });
    const ctx = out.context as Record<string, unknown>;
    expect(ctx.closeRequest).toMatchObject({ reason: 'user', status: 'gaveUp' });
    expect(ctx.orphanFrom).toBe('close');
  });

  it.each([
    ['not an object', 'junk', /not an object/],
    ['a state the machine does not have', { value: 'renamed', context: {} }, /not one of the position machine's/],
    ['a newer format', { value: 'open', contextVersion: CONTEXT_VERSION + 1, context: {} }, /newer posguard/],
    ['a context missing fields', { value: 'open', contextVersion: CONTEXT_VERSION, context: {} }, /lacks spec, entry/],
  ])('refuses %s, naming why', (_name, raw, why) => {
    expect(() => migrateSnapshot(raw)).toThrow(SnapshotUnreadable);
    expect(() => migrateSnapshot(raw)).toThrow(why);
  });

  it('a migrated format-1 snapshot restores without an error and carries out a close', async () => {
    const stop = {
      role: 'stop',
      clientOrderId: STOP_ID,
      side: 'sell',
      amount: 43,
      venueOrderId: undefined,
      sentAt: 1,
      send: 'accepted',
      rejectReason: undefined,
      report: undefined,
      fillIds: [],
      fillTotal: 0,
    };
    const d0 = drive({ input: positionInput({ intent: { stopLoss: 0.21 } }) });
    const entry = {
      ...initialContext(d0.input).entry,
      send: 'accepted',
      report: orderReport(ENTRY, { status: 'filled', filled: 43, receivedAt: d0.clock.now() }),
    };
    const persisted = migrateSnapshot({
      status: 'active',
      value: { open: 'watching' },
      historyValue: {},
      children: {},
      context: v1Context({ stop, entry, live: positionReport({ side: 'buy', size: 43, receivedAt: d0.clock.now() }) }),
    });
    const d = drive({ input: d0.input, clock: d0.clock, snapshot: persisted as never });
    d.venue.order = (l, now) =>
      l.clientOrderId === STOP_ID ? orderReport(STOP, { status: 'open', filled: 0, receivedAt: now }) : undefined;
    d.venue.position = (now) => positionReport({ side: 'buy', size: 43, receivedAt: now });
    await d.start();
    d.actor.send({ type: 'RESUME', at: d.clock.now() });
    await d.send({ type: 'CLOSE', at: d.clock.now() });
    expect(d.log.errors).toEqual([]);
    expect(d.top()).toBe('closing');
  });
});
