/**
 * The store's contract, run against every implementation (`RedisStore` on the local Redis,
 * `MemoryStore` on a simulated clock): leases and fencing tokens, the journal's once-only
 * answers, claims, fenced-out writes refused with nothing kept, snapshots with their indexes,
 * unreadable records answered apart, sweep reports. See docs/architecture.md, Persistence and
 * ownership.
 */
import { describe, expect, it } from 'vitest';
import { asAccountId, asClientOrderId, newPositionId, type AccountId, type PositionId } from '../../src/domain/ids.js';
import { clientOrderId } from '../../src/domain/client-order-id.js';
import { LeaseLost, type Store } from '../../src/persistence/store.js';

export interface StoreUnderTest {
  readonly store: Store;
  /** Lets `ms` pass on the store's clock (real time for Redis). */
  wait(ms: number): Promise<void>;
  /** Makes a position's stored snapshot unreadable. */
  corrupt(positionId: PositionId): Promise<void>;
}

let n = 0;
const newId = (): PositionId => newPositionId(1_764_000_000_000 + n++, new Uint8Array(10).fill(n % 256));
const intentOf = (account: AccountId, key?: string) => ({
  account,
  symbol: 'AVL/USDT:USDT',
  side: 'buy' as const,
  amount: 43,
  ...(key === undefined ? {} : { idempotencyKey: key }),
});
const journal = (account: AccountId, id: PositionId, key?: string) => ({
  positionId: id,
  intent: intentOf(account, key),
  entryClientOrderId: asClientOrderId(`pg-${id}-e`),
  baseline: { side: undefined, size: 0 },
  at: 1,
});
const snapshotOf = (id: PositionId, state: string, final = false) => ({
  positionId: id,
  state,
  final,
  snapshot: { value: state },
  at: 2,
  event: { type: 'X', payload: { n: 1 } },
});

/** Registers the conformance suite for one store; `make` is called once per test. */
export function storeConformance(name: string, make: () => StoreUnderTest): void {
  describe(`the store contract (${name})`, () => {
    const fresh = (label: string) => asAccountId(`${label}-${n++}`);

    it('gives one lease per account: a second worker is refused, the holder renews, a new holder gets a higher token', async () => {
      const { store } = make();
      const a = fresh('lease');
      const t1 = await store.acquireLease(a, 'w1', 5_000);
      expect(t1).toBeGreaterThan(0);
      expect(await store.acquireLease(a, 'w2', 5_000)).toBe(0);
      expect(await store.acquireLease(a, 'w1', 5_000)).toBe(t1);
      expect(await store.renewLease(a, `w1|${t1}`, 5_000)).toBe(true);
      expect(await store.leaseToken(a)).toBe(t1);
      await store.releaseLease(a, `w2|${t1}`); // not the holder: nothing happens
      expect(await store.leaseToken(a)).toBe(t1);
      await store.releaseLease(a, `w1|${t1}`);
      expect(await store.leaseToken(a)).toBeUndefined();
      const t2 = await store.acquireLease(a, 'w2', 5_000);
      expect(t2).toBeGreaterThan(t1);
      expect(await store.renewLease(a, `w1|${t1}`, 5_000)).toBe(false);
    });

    it('loses a lease that is not renewed within its ttl', async () => {
      const { store, wait } = make();
      const a = fresh('ttl');
      const t1 = await store.acquireLease(a, 'w1', 50);
      await wait(120);
      expect(await store.renewLease(a, `w1|${t1}`, 50)).toBe(false);
      expect(await store.acquireLease(a, 'w2', 5_000)).toBeGreaterThan(t1);
    });

    it('never answers a token at or below the floor: a counter below it says the store lost its data', async () => {
      const { store } = make();
      const a = fresh('floor');
      const taken = await store.takeLease(a, 'w1', 5_000, 40);
      expect(taken).toEqual({ token: 41, wiped: true });
      // A release bumps the counter (whatever was written under 41 stays fenced out): the next token is 43.
      await store.releaseLease(a, 'w1|41');
      expect(await store.takeLease(a, 'w1', 5_000, 41)).toEqual({ token: 43, wiped: false });
    });

    it('journals an intent once: later writes answer the first baseline and whether it was confirmed or adopted', async () => {
      const { store } = make();
      const a = fresh('journal');
      const h = `w1|${await store.acquireLease(a, 'w1', 60_000)}`;
      const id = newId();
      expect(await store.recordIntent(a, h, journal(a, id, 'bot-1'))).toEqual({ kind: 'new', baseline: { size: 0 } });
      expect(await store.recordIntent(a, h, { ...journal(a, id), baseline: { side: 'buy', size: 43 } })).toEqual({
        kind: 'unconfirmed',
        baseline: { size: 0 },
      });
      await store.confirmIntent(a, h, id);
      expect((await store.recordIntent(a, h, journal(a, id))).kind).toBe('confirmed');
      expect(await store.positionForKey(a, 'bot-1')).toBe(id);
      const adopted = newId();
      await store.recordIntent(a, h, { ...journal(a, adopted), origin: 'adopted' });
      expect((await store.recordIntent(a, h, journal(a, adopted))).kind).toBe('adopted');
      const live = await store.loadLive(a);
      expect(live.map((p) => p.id).sort()).toEqual([id, adopted].sort());
      expect(live.find((p) => p.id === id)).toMatchObject({
        intent: intentOf(a, 'bot-1'),
        baseline: { size: 0 },
        snapshot: undefined,
      });
    });

    it('grants the claim of a client order id once; a released claim may be taken again', async () => {
      const { store } = make();
      const a = fresh('claim');
      const h = `w1|${await store.acquireLease(a, 'w1', 60_000)}`;
      const id = newId();
      const cid = asClientOrderId(`pg-${id}-e`);
      expect(await store.claimSend(a, h, id, cid, 1)).toBe(true);
      expect(await store.claimSend(a, h, id, cid, 2)).toBe(false);
      await store.releaseClaim(a, h, id, cid);
      expect(await store.claimSend(a, h, id, cid, 3)).toBe(true);
    });

    it("confirms a journalled intent with its entry's claim, in the same write; an intent whose journal reply was lost (never claimed) stays unconfirmed", async () => {
      const { store } = make();
      const a = fresh('confirm');
      const h = `w1|${await store.acquireLease(a, 'w1', 60_000)}`;
      const lost = newId();
      // Journalled, but the worker never heard so: it claims nothing, and the intent is never sent after a restart.
      await store.recordIntent(a, h, journal(a, lost));
      expect((await store.recordIntent(a, h, journal(a, lost))).kind).toBe('unconfirmed');
      const heard = newId();
      await store.recordIntent(a, h, journal(a, heard));
      expect(await store.claimSend(a, h, heard, clientOrderId(heard, 'entry'), 1)).toBe(true);
      expect((await store.recordIntent(a, h, journal(a, heard))).kind).toBe('confirmed');
      // Another order's claim (a stop) confirms nothing.
      const other = newId();
      await store.recordIntent(a, h, journal(a, other));
      expect(await store.claimSend(a, h, other, clientOrderId(other, 'stop'), 1)).toBe(true);
      expect((await store.recordIntent(a, h, journal(a, other))).kind).toBe('unconfirmed');
    });

    it('leaves no confirmation behind when a fenced-out worker claims an entry', async () => {
      const { store, wait } = make();
      const a = fresh('confirm-fenced');
      const t1 = await store.acquireLease(a, 'w1', 50);
      const id = newId();
      await store.recordIntent(a, `w1|${t1}`, journal(a, id));
      await wait(120);
      const h2 = `w2|${await store.acquireLease(a, 'w2', 60_000)}`;
      await expect(store.claimSend(a, `w1|${t1}`, id, clientOrderId(id, 'entry'), 1)).rejects.toBeInstanceOf(LeaseLost);
      expect((await store.recordIntent(a, h2, journal(a, id))).kind).toBe('unconfirmed');
    });

    it('journals a new intent and claims its entry in one write: confirmed, claimed once, the claim held by its taker only', async () => {
      const { store } = make();
      const a = fresh('record-claim');
      const h = `w1|${await store.acquireLease(a, 'w1', 60_000)}`;
      const id = newId();
      const cid = clientOrderId(id, 'entry');
      const first = await store.recordAndClaim(a, h, journal(a, id, 'bot-rc'));
      expect(first.result).toEqual({ kind: 'new', baseline: { size: 0 } });
      expect(first.claim).toEqual(expect.any(String));
      expect(await store.positionForKey(a, 'bot-rc')).toBe(id);
      expect((await store.recordIntent(a, h, journal(a, id))).kind).toBe('confirmed');
      expect(await store.claimSend(a, h, id, cid, 2)).toBe(false); // claimed: anyone else looks it up
      expect(await store.holdClaim(a, h, id, cid, first.claim as string)).toBe(true);
      expect(await store.holdClaim(a, h, id, cid, 'someone else')).toBe(false);
      // Journalled before (a restart): nothing claimed now, the entry goes through its own claim.
      const again = await store.recordAndClaim(a, h, journal(a, id));
      expect(again).toEqual({ result: { kind: 'confirmed', baseline: { size: 0 } }, claim: undefined });
      const unconfirmed = newId();
      await store.recordIntent(a, h, journal(a, unconfirmed));
      expect((await store.recordAndClaim(a, h, journal(a, unconfirmed))).result.kind).toBe('unconfirmed');
      expect(await store.claimSend(a, h, unconfirmed, clientOrderId(unconfirmed, 'entry'), 3)).toBe(true);
    });

    it('keeps nothing of a fenced-out journal-and-claim, and a fenced-out worker cannot hold its claim', async () => {
      const { store, wait } = make();
      const a = fresh('record-claim-fenced');
      const t1 = await store.acquireLease(a, 'w1', 50);
      const id = newId();
      const cid = clientOrderId(id, 'entry');
      const before = newId();
      const held = await store.recordAndClaim(a, `w1|${t1}`, journal(a, before));
      await wait(120);
      const h2 = `w2|${await store.acquireLease(a, 'w2', 60_000)}`;
      await expect(store.recordAndClaim(a, `w1|${t1}`, journal(a, id, 'k-rc'))).rejects.toBeInstanceOf(LeaseLost);
      await expect(
        store.holdClaim(a, `w1|${t1}`, before, clientOrderId(before, 'entry'), held.claim as string),
      ).rejects.toBeInstanceOf(LeaseLost);
      expect((await store.loadLive(a)).map((p) => p.id)).not.toContain(id);
      expect(await store.positionForKey(a, 'k-rc')).toBeUndefined();
      expect(await store.claimSend(a, h2, id, cid, 1)).toBe(true); // the stale claim was never written
    });

    it('refuses every write of a fenced-out holder with LeaseLost and keeps nothing of it', async () => {
      const { store, wait } = make();
      const a = fresh('fenced');
      const t1 = await store.acquireLease(a, 'w1', 50);
      await wait(120);
      const t2 = await store.acquireLease(a, 'w2', 60_000);
      const stale = `w1|${t1}`;
      const id = newId();
      const cid = asClientOrderId(`pg-${id}-e`);
      await expect(store.recordIntent(a, stale, journal(a, id, 'k-stale'))).rejects.toBeInstanceOf(LeaseLost);
      await expect(store.confirmIntent(a, stale, id)).rejects.toBeInstanceOf(LeaseLost);
      await expect(store.claimSend(a, stale, id, cid, 1)).rejects.toBeInstanceOf(LeaseLost);
      await expect(store.releaseClaim(a, stale, id, cid)).rejects.toBeInstanceOf(LeaseLost);
      await expect(store.keepKey(a, stale, 'k2', id)).rejects.toBeInstanceOf(LeaseLost);
      await expect(store.fence(a, stale, 'cancelling')).rejects.toBeInstanceOf(LeaseLost);
      await expect(store.saveSnapshot(a, stale, snapshotOf(id, 'open'))).rejects.toBeInstanceOf(LeaseLost);
      expect(await store.loadLive(a)).toEqual([]);
      expect(await store.positionForKey(a, 'k-stale')).toBeUndefined();
      expect(await store.positionForKey(a, 'k2')).toBeUndefined();
      expect(await store.history(id)).toEqual([]);
      expect(await store.claimSend(a, `w2|${t2}`, id, cid, 1)).toBe(true); // the stale claim was never written
    });

    it('saves snapshots with their history and keeps the live set and the per-state index', async () => {
      const { store } = make();
      const a = fresh('snap');
      const h = `w1|${await store.acquireLease(a, 'w1', 60_000)}`;
      const id = newId();
      await store.recordIntent(a, h, journal(a, id));
      await store.saveSnapshot(a, h, snapshotOf(id, 'pending'));
      await store.saveSnapshot(a, h, snapshotOf(id, 'open'));
      expect(await store.idsInState(a, 'open')).toEqual([id]);
      expect(await store.idsInState(a, 'pending')).toEqual([]);
      expect((await store.loadLive(a))[0]).toMatchObject({ id, state: 'open', snapshot: { value: 'open' } });
      await store.saveSnapshot(a, h, snapshotOf(id, 'closed', true));
      expect(await store.loadLive(a)).toEqual([]);
      expect(await store.idsInState(a, 'closed')).toEqual([id]);
      expect((await store.history(id)).map((e) => [e.state, e.event, e.payload])).toEqual([
        ['pending', 'X', { n: 1 }],
        ['open', 'X', { n: 1 }],
        ['closed', 'X', { n: 1 }],
      ]);
    });

    it('answers a record that cannot be read apart, naming it, and still answers the others', async () => {
      const sut = make();
      const { store } = sut;
      const a = fresh('bad');
      const h = `w1|${await store.acquireLease(a, 'w1', 60_000)}`;
      const good = newId();
      const bad = newId();
      for (const id of [good, bad]) {
        await store.recordIntent(a, h, journal(a, id));
        await store.saveSnapshot(a, h, snapshotOf(id, 'open'));
      }
      await sut.corrupt(bad);
      const { positions, unreadable } = await store.loadLiveRecords(a);
      expect(positions.map((p) => p.id)).toEqual([good]);
      expect(unreadable).toMatchObject([{ id: bad, symbol: 'AVL/USDT:USDT' }]);
      expect(unreadable[0]?.reason).toMatch(/not JSON/);
    });

    it('keeps the latest sweep reports, newest first', async () => {
      const { store } = make();
      const a = fresh('sweeps');
      for (let i = 1; i <= 4; i++) await store.saveSweepReport(a, { i }, 3);
      expect(await store.sweepReports(a)).toEqual([{ i: 4 }, { i: 3 }, { i: 2 }]);
    });
  });
}
