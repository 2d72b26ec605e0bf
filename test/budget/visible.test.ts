import { afterEach, describe, expect, it } from 'vitest';
import { guardHarness, type GuardHarness } from '../support/guard-harness.js';
import type { GuardEvent } from '../../src/guard/guard.js';

let h: GuardHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe('a rate-limit backoff is visible', () => {
  it('is told as a guard event (logged and counted) and, when the venue bans for 10 minutes, alerted at once as rateLimited; nothing leaves meanwhile', async () => {
    const events: GuardEvent[] = [];
    h = await guardHarness({}, { onEvent: (e) => events.push(e) });
    await h.advance(6_000);
    h.sim.faults.set({
      fault: { kind: 'rateLimited', retryAfterMs: 600_000, http: 418 },
      when: { calls: 1 },
      account: 'main',
    });
    const pos = await h.guard
      .open({ account: 'main', symbol: 'AVL/USDT:USDT', side: 'buy', amount: 43, stopLoss: 0.21 })
      .catch((e: unknown) => e);
    await h.advance(2_000);
    expect(events.filter((e) => e.type === 'budget').map((e) => e.type === 'budget' && e.event.type)).toContain(
      'backoff',
    );
    expect(await h.alertKinds()).toContain('rateLimited');
    const since = h.clock.now();
    await h.advance(5_000);
    expect(h.sim.requests({ account: 'main', since })).toHaveLength(0);
    void pos;
  });
});
