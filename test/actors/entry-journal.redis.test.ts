/**
 * A journal write whose reply was lost never lets its entry leave (see docs/architecture.md,
 * Request budget): written and claimed in one script, or written alone and confirmed by the
 * entry's later claim. The position wiring over the Redis store and the in-process venue; a
 * lost reply is a journal that writes, then throws as a dropped connection does.
 */
import { SimulatedClock, createActor, toPromise, type AnyActorLogic } from 'xstate';
import { beforeAll, describe, expect, it } from 'vitest';
import { wirePositionMachine } from '../../src/actors/position.wiring.js';
import { asAccountId, asClientOrderId, newPositionId, type PositionId } from '../../src/domain/ids.js';
import { SimExchange, createSimPort } from '../../src/exchange/sim/index.js';
import { RedisJournal, type Journal } from '../../src/persistence/journal.js';
import { RedisStore } from '../../src/persistence/redis-store.js';
import type { SendOrderOutput } from '../../src/machines/position.effects.js';
import { redisForThisFile } from '../support/redis.js';
import { AVL, T0 } from '../exchange/sim/helpers.js';

const db = redisForThisFile('entry-journal');
let store: RedisStore;
beforeAll(() => {
  store = new RedisStore(db.redis, db.prefix);
});

const dropped = () => new Error('Connection is closed.');

/** A worker's position wiring over the store, its journal's replies lost when `lose` says so. */
function worker(account: ReturnType<typeof asAccountId>, holder: string, venue: SimExchange, lose: 'both' | 'none') {
  const clock = new SimulatedClock();
  clock.set(T0);
  const inner = new RedisJournal(store, account, () => holder);
  const journal: Journal = {
    recordIntent: async (e) => {
      const r = await inner.recordIntent(e);
      if (lose === 'both') throw dropped();
      return r;
    },
    confirmIntent: (id) => inner.confirmIntent(id),
    claimSend: (id, cid, at) => inner.claimSend(id, cid, at),
    recordAndClaim: async (e) => {
      const r = await inner.recordAndClaim(e);
      if (lose === 'both') throw dropped();
      return r;
    },
    holdClaim: (id, cid, claim) => inner.holdClaim(id, cid, claim),
    releaseClaim: (id, cid) => inner.releaseClaim(id, cid),
    fence: (op) => inner.fence(op),
  };
  const port = createSimPort(venue, account);
  const machine = wirePositionMachine({
    account,
    port,
    journal,
    alerts: { raise: () => {}, list: async () => [] },
    clock,
  });
  const prepare = (positionId: PositionId) =>
    toPromise(
      createActor(machine.implementations.actors.prepareEntry as AnyActorLogic, {
        input: {
          positionId,
          intent: { account, symbol: AVL, side: 'buy', amount: 43 },
          clientOrderId: asClientOrderId(`pg-${positionId}-e`),
        },
      }).start(),
    );
  const send = (positionId: PositionId) =>
    toPromise(
      createActor(machine.implementations.actors.sendOrder as AnyActorLogic, {
        input: {
          positionId,
          role: 'entry',
          phase: 'pending',
          request: {
            symbol: AVL,
            side: 'buy',
            type: 'market',
            amount: 43,
            clientOrderId: asClientOrderId(`pg-${positionId}-e`),
            reduceOnly: false,
          },
        },
      }).start(),
    ) as Promise<SendOrderOutput>;
  return { prepare, send };
}

describe("an entry whose journal write's reply was lost", () => {
  it('journalled and claimed in one script: the worker sends nothing, and a restarted one finds the entry claimed and never sends it', async () => {
    const account = asAccountId('lost-both');
    const holder = `w1|${await store.acquireLease(account, 'w1', 60_000)}`;
    const venue = new SimExchange({ clock: new SimulatedClock(), seed: 1 });
    venue.setPrice(AVL, 0.25);
    const id = newPositionId(T0, new Uint8Array(10).fill(21));
    await expect(worker(account, holder, venue, 'both').prepare(id)).rejects.toMatchObject({
      code: 'JOURNAL_UNAVAILABLE',
    });
    // Restarted: the intent is found journalled (and confirmed with its claim); its send finds the claim taken.
    const restarted = worker(account, holder, venue, 'none');
    await restarted.prepare(id);
    const out = await restarted.send(id);
    expect(out.outcome.kind).toBe('unknown');
    expect(venue.requests({ method: 'createOrder' })).toHaveLength(0);
    venue.close();
  });

  it('journalled alone (the two-write path): never confirmed, so a restarted worker refuses to send it', async () => {
    const account = asAccountId('lost-record');
    const holder = `w1|${await store.acquireLease(account, 'w1', 60_000)}`;
    const venue = new SimExchange({ clock: new SimulatedClock(), seed: 1 });
    venue.setPrice(AVL, 0.25);
    const id = newPositionId(T0, new Uint8Array(10).fill(22));
    // Written by a worker that never heard so (the reply of a recordIntent alone lost: the entry lane was busy, or a keyed intent).
    await store.recordIntent(account, holder, {
      positionId: id,
      intent: { account, symbol: AVL, side: 'buy', amount: 43 },
      entryClientOrderId: asClientOrderId(`pg-${id}-e`),
      baseline: { side: undefined, size: 0 },
      at: T0,
    });
    await expect(worker(account, holder, venue, 'none').prepare(id)).rejects.toMatchObject({
      code: 'INTENT_UNCONFIRMED',
    });
    expect(venue.requests({ method: 'createOrder' })).toHaveLength(0);
    venue.close();
  });
});
