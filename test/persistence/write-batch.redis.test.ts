import { beforeAll, describe, expect, it } from 'vitest';
import { asAccountId, asClientOrderId, newPositionId, type AccountId, type PositionId } from '../../src/domain/ids.js';
import { LeaseLost, RedisStore, type SnapshotWrite } from '../../src/persistence/redis-store.js';
import { Script } from '../../src/persistence/scripts.js';
import { redisForThisFile } from '../support/redis.js';

const db = redisForThisFile('batch');
const prefix = db.prefix;
let store: RedisStore;
let n = 0;
const newId = (): PositionId => newPositionId(1_764_000_000_000 + n++, new Uint8Array(10).fill(n % 256));
const intent = (account: AccountId) => ({ account, symbol: 'AVL/USDT:USDT', side: 'buy' as const, amount: 43 });
const snapshot = (id: PositionId, state: string, at: number): SnapshotWrite => ({
  positionId: id,
  state,
  final: state === 'closed',
  snapshot: { value: state, at },
  at,
  event: { type: `E${at}`, payload: { at } },
});

/** The commands `run` writes to this test's connection, by name. */
async function commandsOf(run: () => Promise<unknown>): Promise<string[]> {
  const names: string[] = [];
  const send = db.redis.sendCommand.bind(db.redis);
  db.redis.sendCommand = (command, stream) => {
    names.push(command.name);
    return send(command, stream);
  };
  try {
    await run();
  } finally {
    db.redis.sendCommand = send;
  }
  return names;
}

beforeAll(() => {
  store = new RedisStore(db.redis, prefix);
});

describe('writes gathered into one script call per tick, one segment per account lease', () => {
  it('answers each write its own reply: of two claims of one client order id in one tick, only the first is granted', async () => {
    const A = asAccountId('batch-1');
    const holder = `w1|${await store.acquireLease(A, 'w1', 60_000)}`;
    const ids = Array.from({ length: 50 }, newId);
    const cid = asClientOrderId(`pg-${ids[0]}-e`);
    const [first, second, ...rest] = await Promise.all([
      store.claimSend(A, holder, ids[0] as PositionId, cid, 1),
      store.claimSend(A, holder, ids[0] as PositionId, cid, 2),
      ...ids.map((id) => store.saveSnapshot(A, holder, snapshot(id, 'open', 3))),
      ...ids.map((id) =>
        store.recordIntent(A, holder, {
          positionId: id,
          intent: intent(A),
          entryClientOrderId: asClientOrderId(`pg-${id}-e`),
          baseline: { size: 0, side: undefined },
          at: 4,
        }),
      ),
    ]);
    expect([first, second]).toEqual([true, false]);
    expect(rest.slice(ids.length)).toEqual(ids.map(() => ({ kind: 'new', baseline: { size: 0 } })));
    expect(await db.redis.hget(store.keys.claims(ids[0] as PositionId), cid)).toMatch(/^1:/);
    expect((await store.idsInState(A, 'open')).sort()).toEqual([...ids].sort());
    expect((await store.loadLive(A)).map((p) => p.id).sort()).toEqual([...ids].sort());
  });

  it("sends the writes of one tick, of every account, as one script call, each account's in the order they were asked for", async () => {
    const A = asAccountId('batch-2');
    const B = asAccountId('batch-2b');
    const holderA = `w1|${await store.acquireLease(A, 'w1', 60_000)}`;
    const holderB = `w1|${await store.acquireLease(B, 'w1', 60_000)}`;
    const [a, b] = [newId(), newId()];
    await store.saveSnapshot(A, holderA, snapshot(newId(), 'open', 0)); // the script is loaded in Redis
    const commands = await commandsOf(() =>
      Promise.all([
        store.saveSnapshot(A, holderA, snapshot(a, 'pending', 1)),
        store.saveSnapshot(B, holderB, snapshot(b, 'pending', 1)),
        store.saveSnapshot(A, holderA, snapshot(a, 'verifying', 2)),
        store.saveSnapshot(A, holderA, snapshot(a, 'open', 3)),
        store.saveSnapshot(B, holderB, snapshot(b, 'failed', 2)),
      ]),
    );
    expect(commands).toEqual(['evalsha']);
    expect((await store.history(a)).map((h) => h.state)).toEqual(['pending', 'verifying', 'open']);
    expect((await store.history(b)).map((h) => h.state)).toEqual(['pending', 'failed']);
    expect(await store.idsInState(A, 'verifying')).not.toContain(a);
    expect(await store.idsInState(A, 'open')).toContain(a);
    expect(await store.idsInState(B, 'failed')).toContain(b);
  });

  it("fences each account on its own within a call: a stale holder's writes all fail with LeaseLost and write nothing, the other account's are written", async () => {
    const stale = asAccountId('batch-stale');
    const fresh = asAccountId('batch-fresh');
    const t1 = await store.acquireLease(stale, 'w1', 60_000);
    await store.releaseLease(stale, `w1|${t1}`);
    await store.acquireLease(stale, 'w2', 60_000);
    const holder = `w1|${await store.acquireLease(fresh, 'w1', 60_000)}`;
    const [a, b] = [newId(), newId()];
    const results = await Promise.allSettled([
      store.saveSnapshot(stale, `w1|${t1}`, snapshot(a, 'open', 1)),
      store.claimSend(stale, `w1|${t1}`, a, asClientOrderId(`pg-${a}-e`), 1),
      store.saveSnapshot(fresh, holder, snapshot(b, 'open', 1)),
      store.claimSend(fresh, holder, b, asClientOrderId(`pg-${b}-e`), 1),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled', 'fulfilled']);
    expect((results[0] as PromiseRejectedResult).reason).toBeInstanceOf(LeaseLost);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(LeaseLost);
    expect(await db.redis.exists(store.keys.position(a), store.keys.claims(a), store.keys.history(a))).toBe(0);
    expect(await db.redis.exists(store.keys.position(b), store.keys.claims(b), store.keys.history(b))).toBe(3);
  });

  it("keeps apart the writes of two holders of one account asked for in one tick: the old holder's fail, the new holder's are written", async () => {
    const A = asAccountId('batch-handover');
    const t1 = await store.acquireLease(A, 'w1', 60_000);
    await store.releaseLease(A, `w1|${t1}`);
    const holder = `w2|${await store.acquireLease(A, 'w2', 60_000)}`;
    const [a, b] = [newId(), newId()];
    const results = await Promise.allSettled([
      store.saveSnapshot(A, `w1|${t1}`, snapshot(a, 'open', 1)),
      store.saveSnapshot(A, holder, snapshot(b, 'open', 1)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
    expect((results[0] as PromiseRejectedResult).reason).toBeInstanceOf(LeaseLost);
    expect((await store.history(b)).map((h) => h.state)).toEqual(['open']);
    expect(await db.redis.exists(store.keys.position(a), store.keys.history(a))).toBe(0);
  });

  it('fails only the write that Redis refuses: the others of its call are written', async () => {
    const A = asAccountId('batch-3');
    const holder = `w1|${await store.acquireLease(A, 'w1', 60_000)}`;
    const [broken, fine] = [newId(), newId()];
    await db.redis.set(store.keys.claims(broken), 'not a hash');
    const results = await Promise.allSettled([
      store.claimSend(A, holder, broken, asClientOrderId(`pg-${broken}-e`), 1),
      store.claimSend(A, holder, fine, asClientOrderId(`pg-${fine}-e`), 1),
      store.saveSnapshot(A, holder, snapshot(fine, 'open', 1)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/WRONGTYPE/);
    expect((results[1] as PromiseFulfilledResult<boolean>).value).toBe(true);
    expect((await store.history(fine)).map((h) => h.state)).toEqual(['open']);
  });

  it('answers every write of a batch larger than one call, across several calls', async () => {
    const A = asAccountId('batch-4');
    const holder = `w1|${await store.acquireLease(A, 'w1', 60_000)}`;
    const ids = Array.from({ length: 300 }, newId);
    const claimed = await Promise.all(
      ids.map((id) => store.claimSend(A, holder, id, asClientOrderId(`pg-${id}-e`), 1)),
    );
    expect(claimed.every((c) => c)).toBe(true);
    const again = await Promise.all(ids.map((id) => store.claimSend(A, holder, id, asClientOrderId(`pg-${id}-e`), 2)));
    expect(again.some((c) => c)).toBe(false);
  });

  it('grants a claim again to the very command that took it (a client resending after a dropped connection), never to another', async () => {
    const A = asAccountId('batch-resend');
    const holder = `w1|${await store.acquireLease(A, 'w1', 60_000)}`;
    const id = newId();
    const cid = asClientOrderId(`pg-${id}-e`);
    // What ioredis does after a reconnect: the same command, with the same arguments, sent twice.
    const writes = (
      store as unknown as {
        writes: { write(scope: unknown, holder: string, op: string, keys: string[], args: string[]): Promise<unknown> };
      }
    ).writes;
    const scope = (store as unknown as { scope(a: AccountId): unknown }).scope(A);
    const first = await writes.write(
      scope,
      holder,
      'claimSend',
      [store.keys.claims(id), store.keys.abortEntries(A), store.keys.position(id)],
      [cid, '5:resent', '1'],
    );
    const resent = await writes.write(
      scope,
      holder,
      'claimSend',
      [store.keys.claims(id), store.keys.abortEntries(A), store.keys.position(id)],
      [cid, '5:resent', '1'],
    );
    expect([first, resent]).toEqual([1, 1]);
    expect(await store.claimSend(A, holder, id, cid, 6)).toBe(false); // anyone else: claimed before, look it up
  });

  it('runs a script Redis has not loaded yet: the EVALSHA it refuses is sent again as EVAL', async () => {
    const fresh = new Script('probe', `return {KEYS[1], ARGV[1], ARGV[2], '${prefix}'}`);
    expect(await fresh.runNow(db.redis, [`${prefix}k`], ['é', 'x'.repeat(300)])).toEqual([
      `${prefix}k`,
      'é',
      'x'.repeat(300),
      prefix,
    ]);
  });
});
