import { beforeAll, describe, expect, it } from 'vitest';
import { asAccountId, asClientOrderId, newPositionId, type PositionId } from '../../src/domain/ids.js';
import { LeaseLost, RedisStore } from '../../src/persistence/redis-store.js';
import { redisForThisFile } from '../support/redis.js';

const db = redisForThisFile('store');
const prefix = db.prefix;
let store: RedisStore;
const A = asAccountId('main');
const intent = { account: A, symbol: 'AVL/USDT:USDT', side: 'buy' as const, amount: 43, idempotencyKey: 'bot-1' };
let n = 0;
const newId = (): PositionId => newPositionId(1_764_000_000_000 + n++, new Uint8Array(10).fill(n));

beforeAll(() => {
  store = new RedisStore(db.redis, prefix);
});

describe('the Redis store', () => {
  it('gives one lease per account: a second worker is refused, the holder renews, a new holder gets a higher token', async () => {
    const acct = asAccountId('lease-1');
    const t1 = await store.acquireLease(acct, 'w1', 5_000);
    expect(t1).toBeGreaterThan(0);
    expect(await store.acquireLease(acct, 'w2', 5_000)).toBe(0);
    expect(await store.acquireLease(acct, 'w1', 5_000)).toBe(t1);
    expect(await store.renewLease(acct, `w1|${t1}`, 5_000)).toBe(true);
    await store.releaseLease(acct, `w1|${t1}`);
    const t2 = await store.acquireLease(acct, 'w2', 5_000);
    expect(t2).toBeGreaterThan(t1);
    expect(await store.renewLease(acct, `w1|${t1}`, 5_000)).toBe(false);
  });

  it('loses the lease when it is not renewed within its ttl', async () => {
    const acct = asAccountId('lease-2');
    const t1 = await store.acquireLease(acct, 'w1', 50);
    await new Promise((r) => setTimeout(r, 120));
    const t2 = await store.acquireLease(acct, 'w2', 5_000);
    expect(t2).toBeGreaterThan(t1);
  });

  it('journals an intent once: a second write after a restart answers the first baseline and whether it was confirmed', async () => {
    const t = await store.acquireLease(A, 'w1', 60_000);
    const holder = `w1|${t}`;
    const id = newId();
    const entry = { positionId: id, intent, entryClientOrderId: asClientOrderId(`pg-${id}-e`), at: 1 };
    expect(await store.recordIntent(A, holder, { ...entry, baseline: { side: undefined, size: 0 } })).toEqual({
      kind: 'new',
      baseline: { size: 0 },
    });
    expect(await store.recordIntent(A, holder, { ...entry, baseline: { side: 'buy', size: 43 } })).toEqual({
      kind: 'unconfirmed',
      baseline: { size: 0 },
    });
    await store.confirmIntent(A, holder, id);
    expect(await store.recordIntent(A, holder, { ...entry, baseline: { side: 'buy', size: 43 } })).toEqual({
      kind: 'confirmed',
      baseline: { size: 0 },
    });
    expect(await store.positionForKey(A, 'bot-1')).toBe(id);
    const live = await store.loadLive(A);
    expect(live.find((p) => p.id === id)).toMatchObject({ intent, baseline: { size: 0 }, snapshot: undefined });
  });

  it('grants the about-to-send claim of a client order id once only', async () => {
    const t = await store.acquireLease(A, 'w1', 60_000);
    const id = newId();
    const cid = asClientOrderId(`pg-${id}-e`);
    expect(await store.claimSend(A, `w1|${t}`, id, cid, 1)).toBe(true);
    expect(await store.claimSend(A, `w1|${t}`, id, cid, 2)).toBe(false);
  });

  it('refuses every write from a stale worker with an old fencing token', async () => {
    const acct = asAccountId('fenced');
    const t1 = await store.acquireLease(acct, 'w1', 50);
    await new Promise((r) => setTimeout(r, 120));
    const t2 = await store.acquireLease(acct, 'w2', 60_000);
    expect(t2).toBeGreaterThan(t1);
    const id = newId();
    const stale = `w1|${t1}`;
    const entry = {
      positionId: id,
      intent: { ...intent, account: acct },
      entryClientOrderId: asClientOrderId(`pg-${id}-e`),
      baseline: { size: 0, side: undefined },
      at: 1,
    };
    await expect(store.recordIntent(acct, stale, entry)).rejects.toBeInstanceOf(LeaseLost);
    await expect(store.claimSend(acct, stale, id, entry.entryClientOrderId, 1)).rejects.toBeInstanceOf(LeaseLost);
    await expect(
      store.saveSnapshot(acct, stale, {
        positionId: id,
        state: 'open',
        final: false,
        snapshot: {},
        at: 1,
        event: { type: 'x', payload: null },
      }),
    ).rejects.toBeInstanceOf(LeaseLost);
    expect(await db.redis.exists(store.keys.position(id), store.keys.claims(id), store.keys.history(id))).toBe(0);
  });

  it('saves snapshots with their history atomically and keeps the per-state and live indexes', async () => {
    const t = await store.acquireLease(A, 'w1', 60_000);
    const holder = `w1|${t}`;
    const id = newId();
    await store.recordIntent(A, holder, {
      positionId: id,
      intent: { ...intent, idempotencyKey: undefined },
      entryClientOrderId: asClientOrderId(`pg-${id}-e`),
      baseline: { size: 0, side: undefined },
      at: 1,
    });
    await store.saveSnapshot(A, holder, {
      positionId: id,
      state: 'verifying',
      final: false,
      snapshot: { value: 'verifying' },
      at: 2,
      event: { type: 'xstate.done.actor.send', payload: { id: '42' } },
    });
    expect(await store.idsInState(A, 'verifying')).toContain(id);
    await store.saveSnapshot(A, holder, {
      positionId: id,
      state: 'open',
      final: false,
      snapshot: { value: 'open' },
      at: 3,
      event: { type: 'FILL_REPORT', payload: { tradeId: 't1' } },
    });
    expect(await store.idsInState(A, 'verifying')).not.toContain(id);
    expect(await store.idsInState(A, 'open')).toContain(id);
    expect((await store.loadLive(A)).find((p) => p.id === id)?.snapshot).toEqual({ value: 'open' });
    await store.saveSnapshot(A, holder, {
      positionId: id,
      state: 'closed',
      final: true,
      snapshot: { value: 'closed' },
      at: 4,
      event: { type: 'POSITION_REPORT', payload: { size: 0 } },
    });
    expect((await store.loadLive(A)).map((p) => p.id)).not.toContain(id);
    const history = await store.history(id);
    expect(history.map((h) => [h.state, h.event])).toEqual([
      ['verifying', 'xstate.done.actor.send'],
      ['open', 'FILL_REPORT'],
      ['closed', 'POSITION_REPORT'],
    ]);
    expect(history[1]?.payload).toEqual({ tradeId: 't1' });
  });
});

describe('journalling an intent and claiming its entry in one script (the entry fast path)', () => {
  const entryOf = (account: ReturnType<typeof asAccountId>, id: PositionId) => ({
    positionId: id,
    intent: { account, symbol: 'AVL/USDT:USDT', side: 'buy' as const, amount: 43 },
    entryClientOrderId: asClientOrderId(`pg-${id}-e`),
    baseline: { side: undefined, size: 0 },
    at: 1,
  });

  it('refuses a halted account with Halted and writes nothing: no record, no claim, no live entry', async () => {
    const acct = asAccountId('rc-halt');
    const holder = `w1|${await store.acquireLease(acct, 'w1', 60_000)}`;
    await db.redis.set(store.keys.halt(acct), JSON.stringify({ reason: 'incident 9', by: 'ops', at: 1 }));
    const id = newId();
    await expect(store.recordAndClaim(acct, holder, entryOf(acct, id))).rejects.toMatchObject({ code: 'HALTED' });
    expect(await db.redis.exists(store.keys.position(id), store.keys.claims(id))).toBe(0);
    expect(await store.loadLive(acct)).toEqual([]);
  });

  it("answers a command resent after a dropped connection with its own claim; a flatten's abort refuses the entry, also at a later hold", async () => {
    const acct = asAccountId('rc-resent');
    const holder = `w1|${await store.acquireLease(acct, 'w1', 60_000)}`;
    const id = newId();
    const cid = asClientOrderId(`pg-${id}-e`);
    const writes = (
      store as unknown as {
        writes: { write(scope: unknown, holder: string, op: string, keys: string[], args: string[]): Promise<unknown> };
      }
    ).writes;
    const scope = (store as unknown as { scope(a: typeof acct): unknown }).scope(acct);
    const e = entryOf(acct, id);
    const keys = [
      store.keys.position(id),
      store.keys.halt(acct),
      store.keys.handover(id),
      store.keys.claims(id),
      store.keys.abortEntries(acct),
    ];
    const args = [id, JSON.stringify(e.intent), cid, JSON.stringify(e.baseline), '1', '', 'intent', '1:resent'];
    const first = await writes.write(scope, holder, 'recordAndClaim', keys, args);
    const resent = await writes.write(scope, holder, 'recordAndClaim', keys, args);
    expect(first).toEqual(['new', JSON.stringify(e.baseline), 1]);
    expect(resent).toEqual(first);
    expect(await store.holdClaim(acct, holder, id, cid, '1:resent')).toBe(true);
    // A flatten aborts entries not sent yet: one held after its claim does not leave either.
    await db.redis.set(store.keys.abortEntries(acct), '1');
    await expect(store.holdClaim(acct, holder, id, cid, '1:resent')).rejects.toMatchObject({ code: 'ENTRY_ABORTED' });
    const aborted = newId();
    await expect(store.recordAndClaim(acct, holder, entryOf(acct, aborted))).rejects.toMatchObject({
      code: 'ENTRY_ABORTED',
    });
    expect(await db.redis.exists(store.keys.claims(aborted))).toBe(0);
    expect((await store.recordIntent(acct, holder, entryOf(acct, aborted))).kind).toBe('unconfirmed');
  });
});
