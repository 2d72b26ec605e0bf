/**
 * Section "persistence" (issue 6), on the local Redis under a unique key prefix (deleted at
 * the end, keys of that prefix only):
 * - transitions persisted per second — journal + snapshot + history as the guard writes them
 *   (see `persist-throughput.ts`), against raw pipelined SETs of the same payload size from
 *   this process in the same run; goal ≥ 20,000 transitions/s;
 * - the time `createGuard` takes to rehydrate 10,000 live positions (see `rehydrate.ts`);
 *   goal < 2 s.
 *
 * Touches: Redis under `pgbench:<random>:`, its own venue and guard; prints to the report.
 */
import { cpus, loadavg } from 'node:os';
import { openTemplate } from './open-template.js';
import {
  persistTransitions,
  rawPipelinedSets,
  snapshotsOnly,
  type SetRun,
  type TransitionRun,
} from './persist-throughput.js';
import { costSince, costSnapshot, type Cost } from './redis-stats.js';
import { rehydrate, type RehydrateRun } from './rehydrate.js';
import { BENCH_REDIS_URL, benchPrefix, connectBench, deletePrefix } from './redis-keys.js';
import type { BenchContext, BenchSection } from './section.js';
import { fmtInt, formatTable } from './table.js';

const ACCOUNTS = 10;
const POSITIONS = Number(process.env.BENCH_PERSIST_POSITIONS ?? 5_000);
const CONCURRENCY = 500;
const SETS = 100_000;
const REHYDRATE = Number(process.env.BENCH_REHYDRATE_POSITIONS ?? 10_000);
const TRANSITIONS_GOAL = 20_000;
const REHYDRATE_GOAL_MS = 2_000;

const perSec = (count: number, ms: number): number => count / (ms / 1000);
const verdict = (met: boolean): string => (met ? 'met' : 'NOT MET');

interface Results {
  readonly load: number;
  readonly prefix: string;
  readonly transitions: TransitionRun;
  readonly transitionCost: Cost;
  readonly only: { readonly count: number; readonly ms: number };
  readonly sets: SetRun;
  readonly rehydration: RehydrateRun;
  readonly deleted: number;
}

function print({ out, record }: BenchContext, r: Results): void {
  const t = r.transitions;
  const snapPerSec = perSec(t.snapshotWrites, t.ms);
  const setsPerSec = perSec(r.sets.count, r.sets.ms);
  record({
    figure: 'persisted transitions (fenced snapshot + history, with the journal)',
    unit: '/s',
    posguard: snapPerSec,
    reference: { label: 'raw pipelined SETs', value: setsPerSec },
    ratio: snapPerSec / setsPerSec,
    goal: `≥ ${fmtInt(TRANSITIONS_GOAL)}/s`,
    met: snapPerSec >= TRANSITIONS_GOAL,
  });
  record({
    figure: `rehydration of ${fmtInt(r.rehydration.positions)} positions (createGuard resolved)`,
    unit: 's',
    posguard: r.rehydration.createGuardMs / 1000,
    goal: `< ${REHYDRATE_GOAL_MS / 1000} s`,
    met: r.rehydration.createGuardMs < REHYDRATE_GOAL_MS,
  });
  out(
    `Redis ${BENCH_REDIS_URL.replace(/\/\/[^@]*@/, '//')}, keys under ${r.prefix}; host load average (1 min) at the start: ${r.load.toFixed(1)} on ${cpus().length} cores.`,
  );
  out(
    `Transitions: ${fmtInt(t.positions)} positions on ${t.accounts} accounts (one lease each, every write fenced), ${fmtInt(t.concurrency)} in flight at once, one`,
  );
  out(
    'connection, through RedisStore as the guard writes (the writes of one tick go as one script call, fenced per account).',
  );
  out("Each replays the real writes of a position's life from intent to open with a stop (the template):");
  out(`its journal writes (${t.journalKinds}), each awaited in order, while its snapshots go to its PositionWriter`);
  out(
    `(${fmtInt(t.snapshotsOffered / t.positions)} snapshots, ${fmtInt(t.stateChanges / t.positions)} of them state changes; one write in flight, context-only ones coalesced, as in the guard).`,
  );
  out(
    "Keys, ids and journal entries are each position's own; snapshot bodies are the template's objects (same JSON size), stringified per write.",
  );
  out(
    formatTable(
      ['writes', 'count', 'wall s', 'per s'],
      [
        [
          'saveSnapshot: snapshot + history entry, fenced (= persisted transitions)',
          fmtInt(t.snapshotWrites),
          (t.ms / 1000).toFixed(2),
          fmtInt(Math.round(snapPerSec)),
        ],
        [
          `journal: ${t.journalKinds} (same run)`,
          fmtInt(t.journalWrites),
          (t.ms / 1000).toFixed(2),
          fmtInt(Math.round(perSec(t.journalWrites, t.ms))),
        ],
        [
          '  all writes of the run',
          fmtInt(t.snapshotWrites + t.journalWrites),
          (t.ms / 1000).toFixed(2),
          fmtInt(Math.round(perSec(t.snapshotWrites + t.journalWrites, t.ms))),
        ],
        [
          `saveSnapshot alone (no journal; ${fmtInt(CONCURRENCY)} positions writing in a row)`,
          fmtInt(r.only.count),
          (r.only.ms / 1000).toFixed(2),
          fmtInt(Math.round(perSec(r.only.count, r.only.ms))),
        ],
        [
          `reference: raw SETs of ${fmtInt(r.sets.payloadBytes)} B, pipelined (redis-benchmark -c 50 -P 16 style)`,
          fmtInt(r.sets.count),
          (r.sets.ms / 1000).toFixed(2),
          fmtInt(Math.round(setsPerSec)),
        ],
      ],
    ),
  );
  const c = r.transitionCost;
  out(`ratio persisted transitions/s ÷ raw SETs/s: ${(snapPerSec / setsPerSec).toFixed(3)}`);
  out(
    `persisted transitions: ${fmtInt(Math.round(snapPerSec))}/s — goal ≥ ${fmtInt(TRANSITIONS_GOAL)}/s: ${verdict(snapPerSec >= TRANSITIONS_GOAL)}`,
  );
  out(
    `where it goes (per persisted transition, with its share of the journal): this process ${fmtInt(Math.round(c.processUsec / t.snapshotWrites))} µs CPU; ` +
      `Redis ${fmtInt(Math.round(c.serverUsec / t.snapshotWrites))} µs CPU (INFO cpu); ${fmtInt(Math.round(c.scriptUsec / t.snapshotWrites))} µs in scripts by the server's clock, ` +
      `${fmtInt(c.scriptCalls)} script calls for ${fmtInt(t.snapshotWrites + t.journalWrites)} writes, ${(c.scriptUsec / Math.max(1, c.scriptCalls)).toFixed(1)} µs each ` +
      "(INFO commandstats; the server's figures count every client of the server in the window).",
  );
  out('');
  const h = r.rehydration;
  out(
    `Rehydration: ${fmtInt(h.positions)} open positions with a resting stop written under the prefix as the guard writes them (${(h.seedMs / 1000).toFixed(1)} s, not timed),`,
  );
  out(
    'the venue (in-process SimExchange, one market per position) holding the same positions and stops; then createGuard({ accounts: [sim],',
  );
  out(
    "persistence: 'redis' }) with the default config: it takes the lease, restores every live position (deadlines re-armed), runs the first",
  );
  out(
    "orphan sweep, starts the sweep schedulers and then the feed, and resolves; the feed's REST resync of the restored positions runs after that.",
  );
  out(
    formatTable(
      ['step', 's'],
      [
        [
          'createGuard → resolved (lease, loadLive, restore + RESUME every actor, first orphan sweep, schedulers, feed started)',
          (h.createGuardMs / 1000).toFixed(2),
        ],
        [
          '  of which RedisStore.loadLive alone (timed apart: read + parse of every live position)',
          (h.loadLiveMs / 1000).toFixed(2),
        ],
        [
          "then guard.flushed(): the snapshots queued so far written (the feed's resync runs meanwhile)",
          (h.flushedMs / 1000).toFixed(2),
        ],
        ['then guard.stop()', (h.stopMs / 1000).toFixed(2)],
      ],
    ),
  );
  out(
    `restored: ${fmtInt(h.restored)}/${fmtInt(h.positions)} positions, ${fmtInt(h.open)} open; warnings the guard logged: ${fmtInt(h.troubleCount)}` +
      `${h.troubles.length === 0 ? '' : ` (first: ${h.troubles.map((s) => `"${s}"`).join('; ')})`}`,
  );
  out(
    `venue calls while restoring (until flushed; a page is one call): ${
      Object.entries(h.venueCalls)
        .map(([method, n]) => `${method} ${fmtInt(n)}`)
        .join(', ') || 'none'
    }`,
  );
  out(
    `rehydration of ${fmtInt(h.positions)} positions: ${(h.createGuardMs / 1000).toFixed(2)} s — goal < ${REHYDRATE_GOAL_MS / 1000} s: ${verdict(h.createGuardMs < REHYDRATE_GOAL_MS)}`,
  );
  out(`cleanup: ${fmtInt(r.deleted)} keys under ${r.prefix} deleted (SCAN MATCH + DEL).`);
}

export const persistence: BenchSection = {
  title: 'persistence on Redis: transitions persisted per second, rehydration of 10,000 positions',
  async run(ctx) {
    const load = loadavg()[0] ?? 0;
    const template = await openTemplate();
    const redis = connectBench();
    const prefix = benchPrefix();
    let deleted = 0;
    try {
      await redis.ping();
      // Warm-up (not reported): loads the scripts into Redis and the code paths into the JIT.
      await persistTransitions(redis, `${prefix}warm:`, template, {
        accounts: ACCOUNTS,
        positions: 500,
        concurrency: CONCURRENCY,
      });
      const before = await costSnapshot(redis);
      const transitions = await persistTransitions(redis, prefix, template, {
        accounts: ACCOUNTS,
        positions: POSITIONS,
        concurrency: CONCURRENCY,
      });
      const transitionCost = costSince(before, await costSnapshot(redis));
      const only = await snapshotsOnly(redis, prefix, template, CONCURRENCY, 20);
      const sets = await rawPipelinedSets(redis, prefix, SETS, transitions.payloadBytes);
      const rehydration = await rehydrate(redis, `${prefix}rehydrate:`, template, REHYDRATE);
      deleted = await deletePrefix(redis, prefix);
      print(ctx, { load, prefix, transitions, transitionCost, only, sets, rehydration, deleted });
    } finally {
      if (deleted === 0) await deletePrefix(redis, prefix).catch(() => 0);
      await redis.quit().catch(() => {});
    }
  },
};
