/**
 * `guard.stop()` (issue 11, case 11): it ends within a bounded time even when Redis does not
 * answer, saying what it could not finish; no order leaves once it has begun, and a claim
 * taken for an order that never left is given back for the next owner.
 */
import { SimulatedClock } from 'xstate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientOrderId, PositionId } from '../../src/domain/ids.js';
import { SimExchange } from '../../src/exchange/sim/index.js';
import { createGuard } from '../../src/guard/guard.js';
import { MemoryJournal, type Journal } from '../../src/persistence/journal.js';
import { startOwnRedis, type OwnRedis } from '../support/own-redis.js';
import { testPrefix } from '../support/redis.js';
import { driveUntil } from '../support/sim-drive.js';
import { T0 } from '../support/sim-harness.js';
import { memoryLogger } from '../alerts/support.js';

const AVL = 'AVL/USDT:USDT';

let own: OwnRedis;
beforeAll(async () => {
  own = await startOwnRedis();
});
afterAll(async () => {
  await own?.stop();
});

describe('guard.stop()', () => {
  it('ends within its bound while Redis does not answer, and names what it could not finish', async () => {
    const clock = new SimulatedClock();
    clock.set(T0);
    const sim = new SimExchange({ clock, seed: 3 });
    sim.setPrice(AVL, 0.25);
    const { log, lines } = memoryLogger();
    const guard = await createGuard(
      { redis: own.url, accounts: [{ id: 'main', exchange: 'sim' }] },
      {
        clock,
        sim,
        persistence: 'redis',
        redisPrefix: testPrefix('stop'),
        log,
        stopTimeoutMs: 1_000,
      },
    );
    const pos = await guard.open({ account: 'main', symbol: AVL, side: 'buy', amount: 43, stopLoss: 0.21 });
    await driveUntil(clock, () => pos.state === 'open', { realMsPerStep: 2, maxMs: 5_000 });
    own.pause();
    try {
      sim.setPrice(AVL, 0.2); // the stop fires: transitions to write while Redis is away
      await driveUntil(clock, () => pos.state === 'closed', { maxMs: 30_000 });
      const started = Date.now();
      await guard.stop();
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(lines().some((l) => /stopped without finishing/.test(String(l.msg)))).toBe(true);
    } finally {
      own.resume();
      sim.close();
    }
  }, 30_000);

  it('sends no order once it has begun, and gives back the claim of an order that never left', async () => {
    const clock = new SimulatedClock();
    clock.set(T0);
    const sim = new SimExchange({ clock, seed: 4 });
    sim.setPrice(AVL, 0.25);
    const inner = new MemoryJournal();
    let letClaimGo: (() => void) | undefined;
    const journal: Journal = {
      recordIntent: (e) => inner.recordIntent(e),
      confirmIntent: (id) => inner.confirmIntent(id),
      releaseClaim: (id, cid) => inner.releaseClaim(id, cid),
      fence: (op) => inner.fence(op),
      claimSend: async (id: PositionId, cid: ClientOrderId, at: number) => {
        await new Promise<void>((resolve) => {
          letClaimGo = resolve;
        });
        return inner.claimSend(id, cid, at);
      },
    };
    const guard = await createGuard(
      { accounts: [{ id: 'main', exchange: 'sim' }] },
      { clock, sim, persistence: 'memory', journal },
    );
    const pos = await guard.open({ account: 'main', symbol: AVL, side: 'buy', amount: 43 });
    await driveUntil(clock, () => letClaimGo !== undefined, { maxMs: 1_000 });
    const stopping = guard.stop();
    letClaimGo?.(); // the claim is granted after the stop began
    await stopping;
    expect(sim.requests({ method: 'createOrder' })).toEqual([]);
    // The claim was given back: the next owner may send this entry.
    expect(await inner.claimSend(pos.id, `pg-${pos.id}-e` as ClientOrderId, clock.now())).toBe(true);
    sim.close();
  });
});
