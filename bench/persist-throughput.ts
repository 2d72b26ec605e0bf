/**
 * Persisted transitions per second on Redis, written as the guard writes them, through
 * `RedisStore`: per account one ownership lease (fenced writes); per position the journal
 * calls awaited in order, as the wiring made them for the template (the intent journalled with
 * its entry's claim in one `recordAndClaim`, then `claimSend` before the stop) while every snapshot goes to the position's `PositionWriter`, which
 * writes it with its history entry (`saveSnapshot`) — one write in flight per position, state
 * changes always kept, context-only snapshots coalesced. Many positions at once, on one
 * connection: the store sends the writes asked for in one tick as one script call, fenced
 * per account (`write-batch.ts`), and answers each write once Redis has. The writes are the
 * template position's real ones (its life from intent to `open`), for a different position id
 * and symbol each.
 *
 * The reference: raw SETs of the mean snapshot-write payload from the same process,
 * `redis-benchmark -c 50 -P 16` style (50 loops, each sending pipelines of 16).
 *
 * Receives: a template, counts, a connection and a key prefix. Touches: Redis under the prefix.
 *
 * @example
 * const t = await persistTransitions(redis, prefix, template, { accounts: 10, positions: 5_000, concurrency: 500 });
 */
import type { Redis } from 'ioredis';
import { systemClock } from '../src/clock.js';
import { asAccountId, type AccountId, type ClientOrderId } from '../src/domain/ids.js';
import { PositionWriter } from '../src/persistence/position-writer.js';
import { RedisStore, type SnapshotWrite } from '../src/persistence/redis-store.js';
import { benchSymbol, cloneIds, type OpenTemplate } from './open-template.js';

export interface TransitionRun {
  readonly positions: number;
  readonly accounts: number;
  readonly concurrency: number;
  readonly ms: number;
  /** `saveSnapshot` writes done (snapshot + history entry), and of them state changes. */
  readonly snapshotWrites: number;
  readonly stateChanges: number;
  /** Journal writes done (`recordIntent` or `recordAndClaim`, `confirmIntent`, `claimSend`). */
  readonly journalWrites: number;
  /** One position's journal writes, in order (e.g. `recordAndClaim, claimSend`). */
  readonly journalKinds: string;
  /** Snapshots handed to the writers (some coalesced, as in the guard). */
  readonly snapshotsOffered: number;
  /** Mean bytes of one snapshot write's payload (snapshot JSON + event payload JSON). */
  readonly payloadBytes: number;
}

export interface RunShape {
  readonly accounts: number;
  readonly positions: number;
  /** Positions in flight at once. */
  readonly concurrency: number;
}

/** The template's writes with their JSON parsed once (the guard hands objects to the store, which stringifies them). */
function parsedWrites(template: OpenTemplate) {
  return template.writes.map((w) => (w.kind === 'snapshot' ? { ...w, snapshot: JSON.parse(w.json) as unknown } : w));
}

export async function persistTransitions(
  redis: Redis,
  prefix: string,
  template: OpenTemplate,
  shape: RunShape,
): Promise<TransitionRun> {
  const store = new RedisStore(redis, prefix);
  const writes = parsedWrites(template);
  const holders = new Map<AccountId, string>();
  for (let a = 0; a < shape.accounts; a++) {
    const account = asAccountId(`bench-${a}`);
    const token = await store.acquireLease(account, 'bench-worker', 120_000);
    if (token <= 0) throw new Error(`could not take the lease of ${account}`);
    holders.set(account, `bench-worker|${token}`);
  }
  let snapshotWrites = 0;
  let stateChanges = 0;
  let journalWrites = 0;
  let snapshotsOffered = 0;
  let payloadTotal = 0;

  const onePosition = async (i: number): Promise<void> => {
    const account = asAccountId(`bench-${i % shape.accounts}`);
    const holder = holders.get(account) as string;
    const { id } = cloneIds(template, i, benchSymbol(i));
    const cid = (c: ClientOrderId) => c.split(template.id).join(id) as ClientOrderId;
    const writer = new PositionWriter(
      {
        save: (w: SnapshotWrite) =>
          store.saveSnapshot(account, holder, w).then(() => {
            snapshotWrites++;
          }),
      },
      systemClock,
    );
    for (const w of writes) {
      switch (w.kind) {
        case 'recordIntent':
        case 'recordAndClaim': {
          const entry = {
            ...w.entry,
            positionId: id,
            entryClientOrderId: cid(w.entry.entryClientOrderId),
            intent: { ...w.entry.intent, account, symbol: benchSymbol(i) },
          };
          if (w.kind === 'recordIntent') await store.recordIntent(account, holder, entry);
          else if ((await store.recordAndClaim(account, holder, entry)).claim === undefined)
            throw new Error(`the entry claim of ${entry.entryClientOrderId} was not taken with its journal write`);
          journalWrites++;
          break;
        }
        case 'confirmIntent':
          await store.confirmIntent(account, holder, id);
          journalWrites++;
          break;
        case 'claimSend':
          if (!(await store.claimSend(account, holder, id, cid(w.clientOrderId), w.at)))
            throw new Error(`claim of ${w.clientOrderId} refused`);
          journalWrites++;
          break;
        case 'snapshot':
          snapshotsOffered++;
          if (w.transition) stateChanges++;
          writer.save(
            { positionId: id, state: w.state, final: w.final, snapshot: w.snapshot, at: w.at, event: w.event },
            w.transition,
          );
          break;
      }
    }
    await writer.flushed();
    writer.close();
  };

  for (const w of writes)
    if (w.kind === 'snapshot') payloadTotal += w.json.length + JSON.stringify(w.event.payload ?? null).length;
  // A client order id holds the position id and nothing else that a clone rewrites: each
  // clone's ids are the template's with its own position id (checked here once).
  const probe = cloneIds(template, 1, benchSymbol(1));
  for (const w of writes) {
    const c =
      w.kind === 'claimSend'
        ? w.clientOrderId
        : w.kind === 'recordIntent' || w.kind === 'recordAndClaim'
          ? w.entry.entryClientOrderId
          : undefined;
    if (c !== undefined && probe.rewrite(c) !== c.split(template.id).join(probe.id))
      throw new Error(`client order id ${c} holds more than the position id`);
  }
  const snapshotsPerPosition = writes.filter((w) => w.kind === 'snapshot').length;

  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: shape.concurrency }, async () => {
      while (next < shape.positions) await onePosition(next++);
    }),
  );
  const ms = performance.now() - started;
  for (const [account, holder] of holders) await store.releaseLease(account, holder);
  return {
    positions: shape.positions,
    accounts: shape.accounts,
    concurrency: shape.concurrency,
    ms,
    snapshotWrites,
    stateChanges,
    journalWrites,
    journalKinds: writes
      .filter((w) => w.kind !== 'snapshot')
      .map((w) => w.kind)
      .join(', '),
    snapshotsOffered,
    payloadBytes: Math.round(payloadTotal / snapshotsPerPosition),
  };
}

export interface SetRun {
  readonly count: number;
  readonly payloadBytes: number;
  readonly ms: number;
}

/** `count` SETs of `payloadBytes` under `prefix`, from 50 loops each sending pipelines of 16. */
export async function rawPipelinedSets(
  redis: Redis,
  prefix: string,
  count: number,
  payloadBytes: number,
): Promise<SetRun> {
  const payload = 'x'.repeat(payloadBytes);
  const clients = 50;
  const depth = 16;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < count) {
        const pipeline = redis.pipeline();
        for (let k = 0; k < depth && next < count; k++) pipeline.set(`${prefix}set:${next++ % 10_000}`, payload);
        await pipeline.exec();
      }
    }),
  );
  return { count, payloadBytes, ms: performance.now() - started };
}

/** `saveSnapshot` alone: `writers` positions, each writing the open snapshot `perWriter` times in a row (one in flight each). */
export async function snapshotsOnly(
  redis: Redis,
  prefix: string,
  template: OpenTemplate,
  writers: number,
  perWriter: number,
): Promise<{ count: number; ms: number }> {
  const store = new RedisStore(redis, prefix);
  const account = asAccountId('bench-only');
  const token = await store.acquireLease(account, 'bench-worker', 120_000);
  const holder = `bench-worker|${token}`;
  const snapshot = JSON.parse(template.json) as unknown;
  const last = [...template.writes].reverse().find((w) => w.kind === 'snapshot');
  const event = last?.kind === 'snapshot' ? last.event : { type: 'ORDER_REPORT', payload: null };
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, i) => {
      const { id } = cloneIds(template, i, benchSymbol(i), 7);
      for (let k = 0; k < perWriter; k++) {
        await store.saveSnapshot(account, holder, {
          positionId: id,
          state: 'open',
          final: false,
          snapshot,
          at: systemClock.now(),
          event,
        });
      }
    }),
  );
  const ms = performance.now() - started;
  await store.releaseLease(account, holder);
  return { count: writers * perWriter, ms };
}
