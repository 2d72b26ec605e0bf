/**
 * `createGuard`: the library entry (see docs/architecture.md, Public contracts). It runs, under one root supervisor,
 * a supervisor per account with that account's feed and position actors; with Redis it takes
 * each account's ownership lease, rehydrates the positions a previous worker left (before it
 * resolves) and persists every transition. It keeps the read model (`positions()`) and the
 * alerts. A supervisor that runs out of restarts at the root halts the guard: new intents are
 * refused, the process is never killed. With Redis it joins the fleet (`src/fleet`): what
 * concerns an account another worker owns is handed over, and the hand-overs for its own
 * accounts are carried out by `operations.ts`. The parts are built and torn down by
 * `assembly.ts` (the composition root); this file is the API object over them.
 *
 * @example
 * const guard = await createGuard({ accounts: [{ id: 'paper', exchange: 'sim' }] }, { persistence: 'memory' });
 * const pos = await guard.open({ account: 'paper', symbol: 'AVL/USDT:USDT', side: 'buy', amount: 43, stopLoss: 0.21 });
 * await pos.settled({ timeoutMs: 60_000 }); // 'open'
 * await guard.close(pos.id);
 * await guard.stop();
 */
import { closePreviewOf, entryPriceOf, ordersOf } from '../machines/position.queries.js';
import { parseConfig, type Config, type ConfigInput } from '../config/config.js';
import { GuardStopped, Halted, NotOwner, UnknownPosition } from '../domain/errors.js';
import { asAccountId } from '../domain/ids.js';
import { parseIntent, type Intent } from '../domain/intent.js';
import { closeEveryPosition } from '../fleet/flatten.js';
import type { PositionStateName } from '../machines/position.machine.js';
import type { SweepReport } from '../sweeps/sweep.js';
import { assemble } from './assembly.js';
import type { Guard, GuardOptions } from './guard-api.js';
import { actorOf, closeHere, haltOf, handleOf, knownId, openHere, workerOf } from './operations.js';
import type { PositionHandle } from './position-handle.js';
import { stateName } from './registry.js';
import { within } from './within.js';

export type { Guard, GuardEvent, GuardOptions } from './guard-api.js';
export type { PositionHandle } from './position-handle.js';
export type { CloseAnswer } from './close-answer.js';

export async function createGuard(input: ConfigInput | Config, options: GuardOptions = {}): Promise<Guard> {
  const config = parseConfig(input);
  const parts = await assemble(config, options);
  const { clock, registry, alerts, workers, store, log } = parts;

  // Not async: the promise of `openHere` is handed back as it is, so the caller hears of the
  // journalled intent in the same tick (its state still `pending`).
  function open(raw: unknown): Promise<PositionHandle> {
    let intent: Intent;
    try {
      if (parts.stopped) throw new GuardStopped();
      if (parts.halted !== undefined) throw new Halted('the guard', parts.halted);
      intent = parseIntent(raw);
      const worker = workerOf(parts, intent.account);
      // An account another worker owns: handed to its lease holder (see docs/architecture.md, The fleet).
      if (!worker.owned && worker.unavailable === undefined && parts.fleet !== undefined)
        return parts.fleet.open(intent);
    } catch (e) {
      return Promise.reject(e);
    }
    return openHere(parts, intent);
  }

  return {
    config,
    persistence: parts.redisStore === undefined ? 'memory' : 'redis',
    open,
    get halted() {
      return parts.halted;
    },
    position: (raw) => {
      const id = knownId(raw);
      if (registry.get(id) === undefined && parts.fleet === undefined) throw new UnknownPosition(id);
      return handleOf(parts, id);
    },
    close: async (positionId, closeOptions) => {
      if (parts.stopped) throw new GuardStopped();
      const id = knownId(positionId);
      // Accepted only by the owner, checked in Redis: a worker that lost the account refuses rather than drop the close.
      const here = await closeHere(parts, id, closeOptions?.requestId);
      if (here !== undefined) return here;
      if (parts.fleet === undefined) {
        const row = registry.get(id);
        throw row === undefined ? new UnknownPosition(id) : new NotOwner(row.account);
      }
      return parts.fleet.close(id, closeOptions?.requestId, registry.get(id)?.account);
    },
    positions: async () => registry.rows(),
    alerts: async () => [...(await alerts.list())],
    halt: async (name, reason = 'halted by the operator', by = 'library') => {
      const worker = workerOf(parts, name);
      if (parts.fleet === undefined) worker.runtime.halted = reason;
      else await parts.fleet.halt(name, { reason, by, at: clock.now() });
    },
    resume: async (name) => {
      const worker = workerOf(parts, name);
      if (parts.fleet === undefined) worker.runtime.halted = undefined;
      else await parts.fleet.resume(name);
    },
    haltedBecause: async (name) => parts.halted ?? haltOf(parts, name),
    flatten: async (name, reason = 'flattened by the operator', by = 'library') => {
      const worker = workerOf(parts, name);
      if (parts.fleet !== undefined) return parts.fleet.flatten(name, { reason, by, at: clock.now() });
      worker.runtime.halted = reason;
      return closeEveryPosition(worker, `flatten-${clock.now()}`);
    },
    stateOf: async (positionId) => {
      const id = knownId(positionId);
      const actor = actorOf(parts, id);
      if (actor !== undefined) return stateName(actor.getSnapshot().value);
      const row = registry.get(id);
      const fleet = parts.fleet;
      if (row !== undefined || fleet === undefined) return row?.state;
      const account = await fleet.store.accountOf(id);
      return account === undefined
        ? undefined
        : ((await fleet.store.stateOf(account, id)) as PositionStateName | undefined);
    },
    flushed: async () => {
      await Promise.all([...workers.values()].map((w) => w.flushed()));
      await alerts.settled?.();
    },
    sweep: async (kind, account) => {
      if (parts.stopped) throw new GuardStopped();
      const fleet = parts.fleet;
      // Each on the worker that owns the account: here, else handed over (see docs/architecture.md, The fleet).
      const chosen =
        account === undefined
          ? [...workers.values()].filter((w) => w.owned || fleet !== undefined)
          : [workerOf(parts, account)];
      return Promise.all(
        chosen.map((w) => {
          if (w.owned) return w.sweep(kind);
          if (fleet === undefined) throw new NotOwner(w.runtime.id);
          return fleet.sweep(w.runtime.id, kind);
        }),
      );
    },
    takeOrphan: async (account, symbol, how, expected) => {
      if (parts.stopped) throw new GuardStopped();
      if (parts.halted !== undefined) throw new Halted('the guard', parts.halted);
      return workerOf(parts, account).takeOrphan(symbol, how, expected);
    },
    lastStreamMessageAt: (account) => {
      const w = workers.get(account);
      return w?.owned === true ? w.runtime.lastHeardAt : undefined;
    },
    requestHeadroom: (account) => {
      const w = workers.get(account);
      return w?.owned === true ? w.runtime.scheduler.headroom() : [];
    },
    inspectPosition: (positionId) => {
      const actor = actorOf(parts, knownId(positionId));
      if (actor === undefined) return undefined;
      const ctx = actor.getSnapshot().context;
      return { orders: ordersOf(ctx), closePreview: closePreviewOf(ctx), entryPrice: entryPriceOf(ctx) };
    },
    sweeps: async (account) => {
      const names = account === undefined ? [...workers.keys()] : [workerOf(parts, account).runtime.id];
      if (store === undefined) return parts.memoryReports.filter((r) => names.includes(r.account));
      const lists = await Promise.all(names.map((a) => store.sweepReports(asAccountId(a))));
      return (lists.flat() as SweepReport[]).sort((a, b) => b.startedAt - a.startedAt);
    },
    stop: async () => {
      if (parts.stopped) return;
      parts.stopped = true;
      const bound = options.stopTimeoutMs ?? 10_000;
      const unfinished: string[] = [];
      await parts.teardown(
        (what, work) =>
          within(work, bound).then((done) => {
            if (!done) unfinished.push(what);
          }),
        true,
      );
      if (unfinished.length > 0) {
        log
          .child({ component: 'guard' })
          .warn(
            { unfinished, abandonedAfterMs: bound },
            `stopped without finishing: ${unfinished.join('; ')} (each step abandoned after ${bound} ms; what was written before is kept)`,
          );
      }
    },
  };
}
