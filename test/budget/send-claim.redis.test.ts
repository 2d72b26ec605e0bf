import { SimulatedClock, createActor, toPromise, type AnyActorLogic } from 'xstate';
import { beforeAll, describe, expect, it } from 'vitest';
import { LimitBudget } from '../../src/budget/host-budget.js';
import { RequestScheduler } from '../../src/budget/request-scheduler.js';
import { scheduledPort } from '../../src/budget/scheduled-port.js';
import { venueLimits } from '../../src/budget/venue-limits.js';
import { wirePositionMachine } from '../../src/actors/position.wiring.js';
import { asAccountId, asClientOrderId, newPositionId } from '../../src/domain/ids.js';
import { SimExchange, createSimPort } from '../../src/exchange/sim/index.js';
import { RedisJournal } from '../../src/persistence/journal.js';
import { RedisStore } from '../../src/persistence/redis-store.js';
import type { SendOrderOutput } from '../../src/machines/position.effects.js';
import { redisForThisFile } from '../support/redis.js';
import { AVL, T0 } from '../exchange/sim/helpers.js';

const db = redisForThisFile('budget-claim');
let store: RedisStore;
beforeAll(() => {
  store = new RedisStore(db.redis, db.prefix);
});

const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i += 1) await new Promise<void>((r) => setImmediate(r));
};

describe('the send claim and the request budget', () => {
  it('claims an order when the budget releases it: held in a backoff while its worker lost the lease, it never leaves', async () => {
    const clock = new SimulatedClock();
    clock.set(T0);
    const venue = new SimExchange({ clock, seed: 1 });
    const account = asAccountId('claim-1');
    const limits = venueLimits('sim');
    const scheduler = new RequestScheduler({ account, limits, host: LimitBudget.of('sim', limits, 'host', T0), clock });
    const port = scheduledPort(createSimPort(venue, account), scheduler, limits, 'query');
    const token = await store.acquireLease(account, 'w1', 60_000);
    const holder = `w1|${token}`;
    const journal = new RedisJournal(store, account, () => holder);
    const machine = wirePositionMachine({
      account,
      port,
      journal,
      alerts: { raise: () => {}, list: async () => [] },
      clock,
    });
    // A 429 backs the account off for 3 s.
    venue.faults.set({ fault: { kind: 'rateLimited', retryAfterMs: 3_000 }, when: { calls: 1 }, account });
    await port.fetchPositions().catch(() => {});
    const positionId = newPositionId(T0, new Uint8Array(10).fill(7));
    const request = {
      symbol: AVL,
      side: 'buy' as const,
      type: 'market' as const,
      amount: 43,
      clientOrderId: asClientOrderId(`pg-${positionId}-e`),
      reduceOnly: false,
    };
    const sendOrder = machine.implementations.actors.sendOrder as AnyActorLogic;
    const send = toPromise(
      createActor(sendOrder, { input: { positionId, role: 'entry', request, phase: 'pending' } }).start(),
    ) as Promise<SendOrderOutput>;
    await settle();
    // Another worker takes the account while the order waits in the backoff.
    await store.releaseLease(account, holder);
    expect(await store.acquireLease(account, 'w2', 60_000)).toBeGreaterThan(token);
    clock.increment(3_000);
    await settle();
    const out = await send;
    expect(out.outcome).toMatchObject({ kind: 'rejected', code: 'NOT_SENT' });
    expect(venue.requests({ method: 'createOrder' })).toHaveLength(0);
    scheduler.close();
    venue.close();
  });

  /** An entry journalled and claimed in one write (the budget free then), then held in a backoff before it is sent. */
  async function claimedThenHeld(label: string, seed: number) {
    const clock = new SimulatedClock();
    clock.set(T0);
    const venue = new SimExchange({ clock, seed: 1 });
    const account = asAccountId(label);
    const limits = venueLimits('sim');
    const scheduler = new RequestScheduler({ account, limits, host: LimitBudget.of('sim', limits, 'host', T0), clock });
    const port = scheduledPort(createSimPort(venue, account), scheduler, limits, 'query');
    const token = await store.acquireLease(account, 'w1', 60_000);
    const holder = `w1|${token}`;
    const journal = new RedisJournal(store, account, () => holder);
    const machine = wirePositionMachine({
      account,
      port,
      journal,
      alerts: { raise: () => {}, list: async () => [] },
      clock,
    });
    const positionId = newPositionId(T0, new Uint8Array(10).fill(seed));
    const clientOrderId = asClientOrderId(`pg-${positionId}-e`);
    const intent = { account, symbol: AVL, side: 'buy' as const, amount: 43 };
    const prepare = machine.implementations.actors.prepareEntry as AnyActorLogic;
    const prepared = createActor(prepare, { input: { positionId, intent, clientOrderId } }).start();
    await settle();
    await toPromise(prepared);
    // Journalled, confirmed and claimed in one write: the budget was free.
    expect(
      (
        await store.recordIntent(account, holder, {
          positionId,
          intent,
          entryClientOrderId: clientOrderId,
          baseline: { side: undefined, size: 0 },
          at: T0,
        })
      ).kind,
    ).toBe('confirmed');
    expect(await store.claimSend(account, holder, positionId, clientOrderId, T0)).toBe(false);
    // Then a 429 backs the account off for 3 s, and the entry is asked for: it waits.
    venue.faults.set({ fault: { kind: 'rateLimited', retryAfterMs: 3_000 }, when: { calls: 1 }, account });
    await port.fetchPositions().catch(() => {});
    const request = {
      symbol: AVL,
      side: 'buy' as const,
      type: 'market' as const,
      amount: 43,
      clientOrderId,
      reduceOnly: false,
    };
    const sendOrder = machine.implementations.actors.sendOrder as AnyActorLogic;
    const send = toPromise(
      createActor(sendOrder, { input: { positionId, role: 'entry', request, phase: 'pending' } }).start(),
    ) as Promise<SendOrderOutput>;
    await settle();
    expect(venue.requests({ method: 'createOrder' })).toHaveLength(0);
    const release = async (): Promise<SendOrderOutput> => {
      clock.increment(3_000);
      await settle();
      const out = await send;
      scheduler.close();
      venue.close();
      return out;
    };
    return { account, holder, token, venue, release };
  }

  it('an entry claimed with its journal write whose send starts only later (its actor restarted in between) is fenced again: a worker that lost the lease meanwhile never sends it', async () => {
    const clock = new SimulatedClock();
    clock.set(T0);
    const venue = new SimExchange({ clock, seed: 1 });
    const account = asAccountId('claim-late-send');
    const limits = venueLimits('sim');
    const scheduler = new RequestScheduler({ account, limits, host: LimitBudget.of('sim', limits, 'host', T0), clock });
    const port = scheduledPort(createSimPort(venue, account), scheduler, limits, 'query');
    const token = await store.acquireLease(account, 'w1', 60_000);
    const holder = `w1|${token}`;
    const journal = new RedisJournal(store, account, () => holder);
    const machine = wirePositionMachine({
      account,
      port,
      journal,
      alerts: { raise: () => {}, list: async () => [] },
      clock,
    });
    const positionId = newPositionId(T0, new Uint8Array(10).fill(14));
    const clientOrderId = asClientOrderId(`pg-${positionId}-e`);
    const intent = { account, symbol: AVL, side: 'buy' as const, amount: 43 };
    const prepare = machine.implementations.actors.prepareEntry as AnyActorLogic;
    await toPromise(createActor(prepare, { input: { positionId, intent, clientOrderId } }).start());
    await settle();
    // The account changes hands before the entry's send starts; the budget is free, so it is released at once.
    await store.releaseLease(account, holder);
    expect(await store.acquireLease(account, 'w2', 60_000)).toBeGreaterThan(token);
    const request = {
      symbol: AVL,
      side: 'buy' as const,
      type: 'market' as const,
      amount: 43,
      clientOrderId,
      reduceOnly: false,
    };
    const sendOrder = machine.implementations.actors.sendOrder as AnyActorLogic;
    const out = (await toPromise(
      createActor(sendOrder, { input: { positionId, role: 'entry', request, phase: 'pending' } }).start(),
    )) as SendOrderOutput;
    expect(out.outcome).toMatchObject({ kind: 'rejected', code: 'NOT_SENT' });
    expect(venue.requests({ method: 'createOrder' })).toHaveLength(0);
    scheduler.close();
    venue.close();
  });

  it('an entry claimed with its journal write, then held in a backoff while its worker lost the lease, never leaves', async () => {
    const { account, holder, token, venue, release } = await claimedThenHeld('claim-held-lost', 11);
    await store.releaseLease(account, holder);
    expect(await store.acquireLease(account, 'w2', 60_000)).toBeGreaterThan(token);
    const out = await release();
    expect(out.outcome).toMatchObject({ kind: 'rejected', code: 'NOT_SENT' });
    expect(venue.requests({ method: 'createOrder' })).toHaveLength(0);
  });

  it("an entry claimed with its journal write, then held while a flatten aborts the account's entries, never leaves", async () => {
    const { account, venue, release } = await claimedThenHeld('claim-held-flatten', 12);
    await db.redis.set(store.keys.abortEntries(account), String(T0));
    const out = await release();
    expect(out.outcome).toMatchObject({ kind: 'rejected', code: 'ENTRY_ABORTED' });
    expect(venue.requests({ method: 'createOrder' })).toHaveLength(0);
  });

  it('an entry claimed with its journal write and held while its worker kept the lease leaves once, when released', async () => {
    const { venue, release } = await claimedThenHeld('claim-held-kept', 13);
    const out = await release();
    expect(out.outcome.kind).toBe('accepted');
    expect(venue.requests({ method: 'createOrder' })).toHaveLength(1);
  });
});
