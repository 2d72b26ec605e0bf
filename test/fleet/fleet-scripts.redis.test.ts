/**
 * The fleet's Redis scripts on the real Redis (see docs/architecture.md, The fleet): the
 * journal script refuses a new intent of a halted account (the flag read in the same script);
 * a hand-over is journalled or expired, never both (journal-or-expire); a hand-over needs a
 * lease holder; a released lease bumps its token and is announced.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Halted } from '../../src/domain/errors.js';
import { clientOrderId } from '../../src/domain/client-order-id.js';
import { asAccountId, newPositionId, type PositionId } from '../../src/domain/ids.js';
import { EntryAborted, HandoverWithdrawn } from '../../src/fleet/errors.js';
import { FleetStore } from '../../src/persistence/fleet-scripts.js';
import type { JournalEntry } from '../../src/persistence/journal.js';
import { RedisStore } from '../../src/persistence/redis-store.js';
import { connect, redisForThisFile } from '../support/redis.js';

const db = redisForThisFile('fleet-scripts');
let store: RedisStore;
let fleet: FleetStore;
let n = 0;
const newId = (): PositionId => newPositionId(1_764_000_000_000 + n++, new Uint8Array(10).fill(n));

const entry = (account: string, positionId: PositionId, origin: 'intent' | 'adopted' = 'intent'): JournalEntry => ({
  positionId,
  intent: { account: asAccountId(account), symbol: 'AVL/USDT:USDT', side: 'buy', amount: 43 },
  entryClientOrderId: clientOrderId(positionId, 'entry'),
  baseline: { side: undefined, size: 0, timing: undefined },
  at: 1,
  origin,
});

/** Takes the account's lease for `worker`; answers the holder value the journal is written under. */
async function holderOf(account: string, worker = 'w1'): Promise<string> {
  const token = await store.acquireLease(asAccountId(account), worker, 10_000);
  return `${worker}|${token}`;
}

beforeAll(() => {
  store = new RedisStore(db.redis, db.prefix);
  fleet = new FleetStore(store);
});

describe('the persisted halt', () => {
  it('refuses a new intent in the journal script while the account is halted, and accepts it once resumed', async () => {
    const holder = await holderOf('halt-1');
    await fleet.halt('halt-1', { reason: 'incident 42', by: 'ops', at: 1 });
    const id = newId();
    const refused = await store
      .recordIntent(asAccountId('halt-1'), holder, entry('halt-1', id))
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Halted);
    expect((refused as Error).message).toContain('incident 42, by ops');
    expect(await db.redis.exists(store.keys.position(id))).toBe(0); // nothing journalled
    expect(await fleet.halted('halt-1')).toEqual({ reason: 'incident 42', by: 'ops', at: 1 });

    await fleet.resume('halt-1');
    expect(await fleet.halted('halt-1')).toBeUndefined();
    expect((await store.recordIntent(asAccountId('halt-1'), holder, entry('halt-1', id))).kind).toBe('new');
  });

  it('still journals an adopted orphan, and still answers an intent journalled before the halt', async () => {
    const holder = await holderOf('halt-2');
    const before = newId();
    await store.recordIntent(asAccountId('halt-2'), holder, entry('halt-2', before));
    await fleet.halt('halt-2', { reason: 'flatten', by: 'ops', at: 1 });
    expect((await store.recordIntent(asAccountId('halt-2'), holder, entry('halt-2', before))).kind).toBe('unconfirmed');
    expect((await store.recordIntent(asAccountId('halt-2'), holder, entry('halt-2', newId(), 'adopted'))).kind).toBe(
      'new',
    );
  });
});

describe("a flatten's abort of entries not claimed yet", () => {
  it('refuses the claim of an entry not claimed yet, in the claim script; a stop, a close and an entry claimed before are granted', async () => {
    const account = asAccountId('abort-1');
    const holder = await holderOf('abort-1');
    const claimedBefore = newId();
    const before = await store.claimSend(account, holder, claimedBefore, clientOrderId(claimedBefore, 'entry'), 1);
    expect(before).toBe(true);
    await fleet.haltToFlatten('abort-1', { reason: 'flatten', by: 'ops', at: 2 });
    const id = newId();
    await expect(store.claimSend(account, holder, id, clientOrderId(id, 'entry'), 3)).rejects.toBeInstanceOf(
      EntryAborted,
    );
    expect(await db.redis.hlen(store.keys.claims(id))).toBe(0); // never claimed: never sent
    expect(await store.claimSend(account, holder, id, clientOrderId(id, 'stop'), 3)).toBe(true);
    expect(await store.claimSend(account, holder, id, clientOrderId(id, 'close-1'), 3)).toBe(true);
    expect(await store.claimSend(account, holder, claimedBefore, clientOrderId(claimedBefore, 'entry'), 4)).toBe(false); // claimed before: looked up, as ever
    expect(await fleet.halted('abort-1')).toMatchObject({ reason: 'flatten' });
    await fleet.resume('abort-1');
    const after = newId();
    expect(await store.claimSend(account, holder, after, clientOrderId(after, 'entry'), 5)).toBe(true);
  });
});

describe('journal-or-expire', () => {
  it('journals a pending hand-over once and marks it journalled; withdrawing it afterwards changes nothing', async () => {
    const holder = await holderOf('ho-1');
    const id = newId();
    expect(await fleet.handOver('ho-1', { id, kind: 'open', body: { x: 1 } }, 10_000)).toBe('queued');
    expect(await db.redis.lrange(store.keys.handovers('ho-1'), 0, -1)).toEqual([id]);
    expect((await store.recordIntent(asAccountId('ho-1'), holder, entry('ho-1', id))).kind).toBe('new');
    expect(await fleet.handoverState(id)).toMatchObject({ status: 'journalled' });
    expect(await fleet.settle(id, 'expired', null)).toMatchObject({ status: 'journalled' });
    // The same id again (a hand-over delivered twice) is the intent journalled before.
    expect((await store.recordIntent(asAccountId('ho-1'), holder, entry('ho-1', id))).kind).toBe('unconfirmed');
  });

  it('refuses to journal a hand-over withdrawn at its deadline: nothing is written', async () => {
    const holder = await holderOf('ho-2');
    const id = newId();
    await fleet.handOver('ho-2', { id, kind: 'open', body: {} }, 10_000);
    expect(await fleet.settle(id, 'expired', null)).toMatchObject({ status: 'expired' });
    await expect(store.recordIntent(asAccountId('ho-2'), holder, entry('ho-2', id))).rejects.toBeInstanceOf(
      HandoverWithdrawn,
    );
    expect(await db.redis.exists(store.keys.position(id))).toBe(0);
  });

  it('expires, in the journal script itself, a hand-over whose deadline passed before the owner took it', async () => {
    const holder = await holderOf('ho-3');
    const id = newId();
    await fleet.handOver('ho-3', { id, kind: 'open', body: {} }, 5);
    await new Promise((r) => setTimeout(r, 30));
    await expect(store.recordIntent(asAccountId('ho-3'), holder, entry('ho-3', id))).rejects.toBeInstanceOf(
      HandoverWithdrawn,
    );
    expect(await fleet.handoverState(id)).toMatchObject({ status: 'expired' });
    expect(await db.redis.exists(store.keys.position(id))).toBe(0);
  });

  it("queues nothing when no worker holds the account's lease", async () => {
    const id = newId();
    expect(await fleet.handOver('nobody', { id, kind: 'open', body: {} }, 10_000)).toBe('noOwner');
    expect(await fleet.handoverState(id)).toBeUndefined();
    expect(await db.redis.llen(store.keys.handovers('nobody'))).toBe(0);
  });

  it('answers a close once: a second answer or a late withdrawal changes nothing', async () => {
    await holderOf('ho-4');
    const id = `close:${newId()}:r1`;
    await fleet.handOver('ho-4', { id, kind: 'close', body: {} }, 10_000);
    expect(await fleet.settle(id, 'done', { result: 'requested' })).toEqual({
      status: 'done',
      answer: { result: 'requested' },
    });
    expect(await fleet.settle(id, 'expired', null)).toEqual({ status: 'done', answer: { result: 'requested' } });
    expect(await fleet.settle(id, 'refused', { code: 'X' })).toEqual({
      status: 'done',
      answer: { result: 'requested' },
    });
  });
});

describe('releasing a lease', () => {
  it('bumps the fencing token and announces the account, only for its holder', async () => {
    const holder = await holderOf('rel-1');
    const token = Number(holder.split('|')[1]);
    const listener = connect();
    const heard: string[] = [];
    listener.on('message', (_c: string, account: string) => heard.push(account));
    await listener.subscribe(store.keys.released());
    try {
      expect(await fleet.releaseLease('rel-1', 'someone-else|1')).toBe(false);
      expect(await fleet.releaseLease('rel-1', holder)).toBe(true);
      expect(await db.redis.get(store.keys.lease('rel-1'))).toBeNull();
      expect(Number(await db.redis.get(store.keys.token('rel-1')))).toBe(token + 1);
      for (let i = 0; i < 50 && heard.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(heard).toEqual(['rel-1']);
      expect(await store.acquireLease(asAccountId('rel-1'), 'w2', 10_000)).toBe(token + 2);
    } finally {
      listener.disconnect();
    }
  });
});
