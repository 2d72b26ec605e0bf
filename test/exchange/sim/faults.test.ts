import { describe, expect, it } from 'vitest';
import { InvalidFaultRule, createSimPort, type FaultRule } from '../../../src/exchange/sim/index.js';
import { T0, market, setup } from './helpers.js';

describe('simulated fault rules', () => {
  it('counts a call-limited rule down and drops it when spent', async () => {
    const { venue, port } = setup();
    const id = venue.faults.set({ fault: { kind: 'rateLimited' }, when: { calls: 2 } });
    expect(venue.faults.list()).toEqual([{ id, fault: { kind: 'rateLimited' }, when: { calls: 2 }, callsLeft: 2 }]);
    await expect(port.fetchPositions()).rejects.toThrow('rate limited');
    expect(venue.faults.list()[0]?.callsLeft).toBe(1);
    await expect(port.fetchPositions()).rejects.toThrow('rate limited');
    expect(venue.faults.list()).toEqual([]);
    await expect(port.fetchPositions()).resolves.toEqual([]);
  });

  it('applies a rule to its account only', async () => {
    const { venue, port } = setup();
    const other = createSimPort(venue, 'other');
    venue.faults.set({
      fault: { kind: 'reject', reason: 'insufficient margin', code: 'INSUFFICIENT_MARGIN' },
      account: 'other',
    });
    expect(await port.createOrder(market('buy', 43))).toMatchObject({ kind: 'accepted' });
    expect(await other.createOrder(market('buy', 43))).toMatchObject({ kind: 'rejected', code: 'INSUFFICIENT_MARGIN' });
  });

  it('removes one rule or all of them', async () => {
    const { venue, port } = setup();
    const lag = venue.faults.set({ fault: { kind: 'restLag', ms: 1_000 } });
    venue.faults.set({ fault: { kind: 'serverError' } });
    venue.faults.clear(lag);
    expect(venue.faults.list().map((r) => r.fault.kind)).toEqual(['serverError']);
    venue.faults.clear();
    await expect(port.fetchPositions()).resolves.toEqual([]);
  });

  it('takes rules as plain JSON and lists them as plain JSON', () => {
    const { venue } = setup();
    const rules = JSON.parse(
      JSON.stringify([
        { fault: { kind: 'streamDelay', ms: 250 }, when: { from: T0, until: T0 + 1_000 }, account: 'main' },
        { fault: { kind: 'partialFill', fraction: 0.5 }, when: 'always' },
      ]),
    ) as FaultRule[];
    for (const rule of rules) venue.faults.set(rule);
    const listed = venue.faults.list();
    expect(JSON.parse(JSON.stringify(listed))).toEqual(listed);
    expect(listed.map((r) => r.fault.kind)).toEqual(['streamDelay', 'partialFill']);
  });

  it('refuses a rule that does not validate, naming the field', () => {
    const { venue } = setup();
    expect(() => venue.faults.set({ fault: { kind: 'partialFill', fraction: 1.5 } })).toThrow(InvalidFaultRule);
    expect(() => venue.faults.set({ fault: { kind: 'restLag', ms: 1 }, when: { from: T0 + 5, until: T0 } })).toThrow(
      /from must be before until/,
    );
    expect(() => venue.faults.set(JSON.parse('{"fault":{"kind":"explode"}}') as FaultRule)).toThrow(/fault\.kind/);
  });
});
