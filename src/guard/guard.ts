/**
 * `createGuard`: the library entry (see docs/architecture.md, Public contracts). It runs, under one root supervisor,
 * a supervisor per account with that account's feed and position actors; with Redis it takes
 * each account's ownership lease, rehydrates the positions a previous worker left (before it
 * resolves) and persists every transition. It keeps the read model (`positions()`) and the
 * alerts. A supervisor that runs out of restarts at the root halts the guard: new intents are
 * refused, the process is never killed.
 *
 * @example
 * const guard = await createGuard({ accounts: [{ id: 'paper', exchange: 'sim' }] }, { persistence: 'memory' });
 * const pos = await guard.open({ account: 'paper', symbol: 'AVL/USDT:USDT', side: 'buy', amount: 43, stopLoss: 0.21 });
 * await pos.settled({ timeoutMs: 60_000 }); // 'open'
 * await guard.close(pos.id);
 * await guard.stop();
 */
import { createHash, randomBytes as nodeRandomBytes, webcrypto } from 'node:crypto';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import type { InspectionEvent } from 'xstate';
import { closePreviewOf, entryPriceOf, ordersOf, type ClosePreview, type OrderView } from '../machines/position.queries.js';
import { connectRedis, ensureReachable } from './redis-connection.js';
import type { StoredAlert } from '../alerts/alert-sink.js';
import { createHeartbeat } from '../alerts/alerts-from-config.js';
import { createLogger, type Logger } from '../log/logger.js';
import { createAlertSink } from './alert-wiring.js';
import { budgetWatcher } from './budget-watcher.js';
import type { BudgetEvent } from '../budget/request-scheduler.js';
import { systemClock, type Clock } from '../clock.js';
import { parseConfig, type Config, type ConfigInput } from '../config/config.js';
import {
  AccountUnavailable, GuardStopped, Halted, errorText, HedgeModeUnsupported, InvalidIntent, JournalUnavailable, NotOwner, SymbolBusy,
  UnknownAccount,
  UnknownPosition,
} from '../domain/errors.js';
import { accountId, newPositionId, type PositionId } from '../domain/ids.js';
import { checkIntentAgainstMarket, parseIntent } from '../domain/intent.js';
import { seededRandom } from '../domain/random.js';
import { didYouMean, suggestSymbol } from '../domain/suggest.js';
import type { ExchangePort } from '../exchange/port.js';
import { createCcxtPort } from '../exchange/ccxt/index.js';
import { SimExchange, createSimPort } from '../exchange/sim/index.js';
import { positionSettings } from './position-settings.js';
import { FINAL_STATES, type PositionStateName } from '../machines/position.machine.js';
import type { Journal } from '../persistence/journal.js';
import { RedisStore } from '../persistence/redis-store.js';
import type { Store } from '../persistence/store.js';
import { Supervisor, type SupervisorEscalation, type SupervisorSpec } from '../supervisors/index.js';
import { BullmqSweepScheduler, TimerSweepScheduler, type SweepScheduler } from '../sweeps/scheduler.js';
import type { SweepKind, SweepReport } from '../sweeps/sweep.js';
import { AccountRuntime, feedAlert, type PositionActor } from './account.js';
import { AccountWorker, type LeaseChange } from './account-worker.js';
import { SendGate } from '../actors/send-gate.js';
import { positionHandle, type PositionHandle } from './position-handle.js';
import { PositionRegistry, stateName, type PositionRow } from './registry.js';

export type { PositionHandle } from './position-handle.js';

export interface GuardOptions {
  /** The clock of every timer and timestamp (XState's `SimulatedClock` in tests). */
  readonly clock?: Clock;
  /** The simulated venue behind `sim` accounts; a new one on the guard's clock by default. */
  readonly sim?: SimExchange;
  /** Ports by account id, used instead of building one from the config (tests, embedding). */
  readonly ports?: Readonly<Record<string, ExchangePort>>;
  /**
   * `redis` (the config's URL), `memory` (nothing survives the process), or a store: a
   * `RedisStore`, or a `MemoryStore` (the deterministic simulation: leases, journal and
   * snapshots as with Redis, alerts in memory, sweeps on the guard's clock). Default: `memory`
   * when every account is the embedded simulator, else `redis`.
   */
  readonly persistence?: 'redis' | 'memory' | Store;
  /** Key prefix in Redis (default `pg:`). */
  readonly redisPrefix?: string;
  /** A journal to use instead of the store's (tests of journal failures). */
  readonly journal?: Journal;
  /** This worker's id in ownership leases (default: host, pid and random bytes). */
  readonly workerId?: string;
  /** The real-time clock of ownership leases (Redis keeps their TTL in real time). */
  readonly leaseClock?: Clock;
  /** Restart budgets and backoff of the account supervisors. */
  readonly supervision?: Omit<SupervisorSpec, 'id' | 'children'>;
  /** Random bytes for position ids; `crypto.getRandomValues` by default. */
  readonly randomBytes?: (n: number) => Uint8Array;
  /** Told of every state change and every alert (the logger, the event stream, the demo). */
  readonly onEvent?: (event: GuardEvent) => void;
  /** Told once when the guard halts (its root supervisor ran out of restarts). */
  readonly onHalt?: (reason: string) => void;
  /** The root logger (alerts are logged there too); silent unless given. */
  readonly log?: Logger;
  /**
   * How long `stop()` waits, in real time, for each of its steps that needs Redis or the venue
   * (sends in flight, snapshot writes, letting accounts go): 10 s unless given. A step that
   * does not finish is abandoned and named in the log; a send claim is never abandoned.
   */
  readonly stopTimeoutMs?: number;
  /**
   * Told of every inspection event of the position actors (`posguard start --inspect` hands
   * them to the Stately inspector). Off unless given.
   */
  readonly inspect?: (event: InspectionEvent) => void;
  /**
   * Each position polls the venue on its own, as before the account's poller (the request
   * budget's benchmark baseline; see docs/architecture.md, Request budget). Off unless given.
   */
  readonly perPositionPolling?: boolean;
}

export type GuardEvent =
  | { readonly type: 'transition'; readonly row: PositionRow; readonly from: PositionStateName }
  /** A position's row changed without a change of state: its size, protection or reason. */
  | { readonly type: 'update'; readonly row: PositionRow }
  | { readonly type: 'alert'; readonly alert: StoredAlert }
  | { readonly type: 'trouble'; readonly message: string; readonly error: string | undefined }
  /** A sweep ran (scheduled or asked for); its report. */
  | { readonly type: 'sweep'; readonly report: SweepReport }
  /** An account's private stream went live (connected and resynchronised) or down. */
  | { readonly type: 'feed'; readonly account: string; readonly up: boolean }
  /** The venue refused a request for its rate limit (the budget backs off), a run of refusals lasted, or ended. */
  | { readonly type: 'budget'; readonly event: BudgetEvent }
  /** This worker took an account (restoring `restored` positions) or lost it to another worker. */
  | ({ readonly type: 'lease'; readonly account: string } & LeaseChange);


export interface Guard {
  open(intent: unknown): Promise<PositionHandle>;
  /**
   * Closes a position: reduce-only, sided and sized from a fresh report of the live position.
   * `requestId` names the request: the same request delivered twice is one close (a retrying
   * bot cannot close twice); a new request after posguard gave one up starts again.
   */
  close(positionId: string, options?: { readonly requestId?: string }): Promise<void>;
  position(positionId: string): PositionHandle;
  positions(): Promise<PositionRow[]>;
  alerts(): Promise<StoredAlert[]>;
  halt(account: string): void;
  resume(account: string): void;
  /** `undefined` while healthy; the reason once the guard has halted. */
  readonly halted: string | undefined;
  /** Where positions are kept: `redis`, or `memory` (they do not survive the process). */
  readonly persistence: 'redis' | 'memory';
  /** Runs a sweep now, on one account or every account this worker owns; answers the reports. */
  sweep(kind: SweepKind, account?: string): Promise<SweepReport[]>;
  /** The latest sweep reports, newest first. */
  sweeps(account?: string): Promise<SweepReport[]>;
  /**
   * An operator's adopt or flatten (reduce-only) of an orphan a sweep found: the venue is
   * read again and judged against what the account knows of the symbol, then the orphan is
   * admitted like an intent (see `AccountWorker.takeOrphan`). Answers the new position's id.
   */
  takeOrphan(account: string, symbol: string, how: 'adopt' | 'flatten', expected: { readonly side: string; readonly size: number }): Promise<string>;
  /** What the actor of a position driven here says: its orders, and the close planner's preview; `undefined` when none drives it here. */
  inspectPosition(positionId: string): { readonly orders: OrderView[]; readonly closePreview: ClosePreview; readonly entryPrice: number | undefined } | undefined;
  /** When this worker last heard the account's private stream; `undefined` when it does not drive the account or has heard nothing yet. */
  lastStreamMessageAt(account: string): number | undefined;
  /** Resolves once every transition so far is persisted (a no-op without Redis). */
  flushed(): Promise<void>;
  stop(): Promise<void>;
  readonly config: Config;
}

const SIM_PRICE_TICK_MS = 1_000;
const SUPERVISOR_BACKOFF = { minMs: 200, maxMs: 10_000, jitter: 0.2 };

export async function createGuard(input: ConfigInput | Config, options: GuardOptions = {}): Promise<Guard> {
  const config = parseConfig(input);
  const clock = options.clock ?? systemClock;
  const randomBytes = options.randomBytes ?? ((n: number) => webcrypto.getRandomValues(new Uint8Array(n)));
  const onEvent = options.onEvent ?? (() => {});
  const trouble = (message: string, error: unknown) => onEvent({ type: 'trouble', message, error: error === undefined ? undefined : errorText(error) });
  const registry = new PositionRegistry();
  const settings = positionSettings(config);
  const supervision = options.supervision ?? {
    strategy: 'one_for_one', intensity: config.supervision.restarts, periodMs: config.supervision.periodMs, backoff: SUPERVISOR_BACKOFF,
  };
  // An embedded simulator does not outlive this process, so neither do its positions: by
  // default they are kept in memory. Any other account is persisted in Redis.
  const embeddedOnly = options.sim === undefined && config.accounts.every((a) => a.exchange === 'sim' && options.ports?.[a.id] === undefined);
  const persistence = options.persistence ?? (embeddedOnly ? 'memory' : 'redis');
  const ownRedis = persistence === 'redis';
  const ownStore = ownRedis ? new RedisStore(connectRedis(config.redis, trouble), options.redisPrefix ?? 'pg:') : undefined;
  const store: Store | undefined = typeof persistence === 'object' ? persistence : ownStore;
  // Alerts and sweep schedules live in Redis only with a Redis store; with any other store they
  // are kept in memory and run on the guard's clock.
  const redisStore = store instanceof RedisStore ? store : undefined;
  if (ownStore !== undefined) await ensureReachable(ownStore, config.redis);
  const ownSim = options.sim === undefined && config.accounts.some((a) => a.exchange === 'sim' && options.ports?.[a.id] === undefined);
  const sim = options.sim ?? (ownSim ? new SimExchange({ clock, seed: 1, priceTickMs: SIM_PRICE_TICK_MS }) : undefined);
  const workerId = options.workerId ?? `${hostname()}-${process.pid}-${nodeRandomBytes(4).toString('hex')}`;
  const random = seededRandom(randomBytes(4).reduce((a, b) => a * 256 + b, 0));

  let halted: string | undefined;
  const root = new Supervisor({ ...supervision, intensity: config.supervision.guardRestarts, id: 'guard', children: [] }, {
    clock, random,
    onEscalate: (e: SupervisorEscalation) => {
      halted = `a supervisor ran out of restarts: ${e.message}`;
      alerts.raise({ kind: 'supervisorEscalation', message: `posguard halted: ${halted}` }, { account: accountId('*') });
      options.onHalt?.(halted);
    },
  });
  root.start();

  const bullConnection = redisStore === undefined ? undefined : new Redis(config.redis, { maxRetriesPerRequest: null });
  bullConnection?.on('error', () => {}); // reported through the main connection's trouble
  const log = options.log ?? createLogger({ level: 'silent' });
  const alerts = createAlertSink(config, { store: redisStore, bullConnection, prefix: options.redisPrefix ?? 'pg:', log, clock, onAlert: (alert) => onEvent({ type: 'alert', alert }) });
  alerts.start();
  const workers = new Map<string, AccountWorker>();
  // Silent while halted or while an account cannot be driven here: the dead-man check notices.
  const heartbeat = createHeartbeat(config.alerts, { clock, log, healthy: () => halted === undefined && [...workers.values()].every((w) => w.unavailable === undefined) });
  heartbeat?.start();
  const onSweepError = (e: unknown) => trouble('a sweep failed; it runs again on its next slot', e);
  const scheduler: SweepScheduler = bullConnection !== undefined
    ? new BullmqSweepScheduler(bullConnection, `${options.redisPrefix ?? 'pg:'}bull`, config.sweeps, onSweepError, (account, kind, sinceMs) => alerts.raise({
      kind: 'sweepStale', topic: kind,
      message: `the ${kind === 'orphans' ? 'orphan sweep' : 'reconciliation'} of account ${account} has not finished for ${Math.round(sinceMs / 1000)} s `
        + `(every ${kind === 'orphans' ? config.sweeps.orphanEveryMs : config.sweeps.reconcileEveryMs} ms expected); its schedule is upserted again every interval, `
        + 'so look at the venue and the worker\'s log; sweeps are configured in sweeps.*EveryMs, not in the board',
    }, { account }))
    : new TimerSweepScheduler(clock, config.sweeps, onSweepError);
  const memoryReports: SweepReport[] = [];
  const onReport = async (report: SweepReport): Promise<void> => {
    onEvent({ type: 'sweep', report });
    for (const f of report.findings) trouble(`sweep ${report.kind} of ${report.account}: ${f.kind} on ${f.symbol}`, undefined);
    if (store !== undefined) await store.saveSweepReport(report.account, report).catch((e: unknown) => trouble('a sweep report could not be saved', e));
    else {
      memoryReports.unshift(report);
      memoryReports.splice(200);
    }
  };
  const sweepSettings = { stuckAfterMs: config.sweeps.stuckAfterMs, ignoreClientOrderIdPrefixes: config.sweeps.ignoreClientOrderIdPrefixes, restLagMs: config.verification.restLagMs };
  const newId = () => newPositionId(clock.now(), randomBytes(10));
  /**
   * The id of the position an idempotency key names: derived from the account and the key, so
   * that the same key always names the same position — and so the same client order ids — even
   * after the store forgot the key (a Redis restarted without its data): the venue, and the
   * look-up before a keyed entry is sent, then remember what the store forgot.
   */
  const idForKey = (account: string, key: string) => {
    const digest = createHash('sha256').update(`${account}\0${key}`).digest();
    return newPositionId(digest.readUIntBE(0, 6), digest.subarray(6, 16));
  };
  const ports: ExchangePort[] = [];
  const gate = new SendGate();
  const abandon = async (): Promise<void> => {
    await Promise.all(ports.map((p) => p.close().catch(() => {})));
    await scheduler.close().catch(() => {});
    await heartbeat?.stop();
    await alerts.stop().catch(() => {});
    bullConnection?.disconnect();
    if (ownSim) sim?.close();
    ownStore?.redis.disconnect();
  };
  for (const a of config.accounts) {
    let port: ExchangePort;
    try {
      const triggerBy = config.protection.triggerBy;
      port = options.ports?.[a.id] ?? (a.exchange === 'sim' && sim !== undefined ? createSimPort(sim, a.id, { triggerBy })
        : await createCcxtPort(a, { clock, triggerBy, log: log.child({ component: 'exchange', account: a.id }) }));
    } catch (e) {
      await abandon();
      throw e;
    }
    ports.push(port);
    workers.set(a.id, new AccountWorker({
      // Fenced like every alert of the account: a worker that lost the lease (stalled past it, say) raises nothing.
      runtime: new AccountRuntime(accountId(a.id), port, clock, (change, ms) => workers.get(a.id)?.raise(feedAlert(a.id, change, ms), { account: accountId(a.id) }), config.verification.timeoutMs, config.verification.restLagMs, (up) => onEvent({ type: 'feed', account: a.id, up }),
        budgetWatcher(a.id, { log, alerts, onEvent }), {
        perPositionPolling: options.perPositionPolling === true,
        // A batch gathers asks for at most a quarter of a poll interval: it must not slow the positions' own checks.
        pollWindowMs: Math.min(200, Math.floor(config.verification.feedDownPollMs / 4)),
      }), clock, leaseClock: options.leaseClock ?? systemClock, random,
      settings, registry, alerts, store, journal: options.journal, workerId, leaseTtlMs: config.ownership.leaseTtlMs,
      supervision, parent: root,
      onTransition: (row, from) => onEvent({ type: 'transition', row, from }), onUpdate: (row) => onEvent({ type: 'update', row }), onTrouble: trouble,
      sweeps: { scheduler, settings: sweepSettings, policy: config.sweeps.orphanPolicy, onReport }, newId, gate,
      onLease: (change) => onEvent({ type: 'lease', account: a.id, ...change }),
      ...(options.inspect === undefined ? {} : { inspect: options.inspect }),
    }));
  }
  try {
    await Promise.all([...workers.values()].map((w) => w.start()));
  } catch (e) {
    await Promise.all([...workers.values()].map((w) => w.stop().catch(() => {})));
    await abandon();
    throw e;
  }

  let stopped = false;

  function actorOf(positionId: string): PositionActor | undefined {
    for (const w of workers.values()) {
      const actor = w.runtime.actors.get(positionId as PositionId);
      if (actor !== undefined) return actor;
    }
    return undefined;
  }

  function handleOf(id: PositionId): PositionHandle {
    return positionHandle(id, () => {
      const actor = actorOf(id);
      return actor !== undefined ? stateName(actor.getSnapshot().value) : registry.get(id)?.state ?? 'pending';
    }, registry, clock);
  }

  function workerOf(name: string): AccountWorker {
    const w = workers.get(name);
    if (w === undefined) throw new UnknownAccount(name, [...workers.keys()]);
    return w;
  }

  async function open(raw: unknown): Promise<PositionHandle> {
    if (stopped) throw new GuardStopped();
    if (halted !== undefined) throw new Halted('the guard', halted);
    const intent = parseIntent(raw);
    const worker = workerOf(intent.account);
    const account = worker.runtime;
    if (!worker.owned) throw worker.unavailable !== undefined ? new AccountUnavailable(account.id, worker.unavailable) : new NotOwner(account.id);
    const known = intent.idempotencyKey === undefined ? undefined : worker.keys.get(intent.idempotencyKey)
      ?? (await store?.positionForKey(account.id, intent.idempotencyKey).catch((e: unknown) => {
        throw new JournalUnavailable(`the idempotency key could not be looked up: ${errorText(e)}`);
      }));
    if (known !== undefined) return handleOf(known);
    if (account.halted !== undefined) throw new Halted(`account ${account.id}`, account.halted);
    if (account.mode === 'hedge') throw new HedgeModeUnsupported(account.id);
    const market = account.markets.get(intent.symbol);
    if (market === undefined) throw new InvalidIntent('symbol', `${intent.symbol} is not listed on account ${account.id}${didYouMean(suggestSymbol(intent.symbol, account.markets.keys()))}`);
    // The symbol is held from here on, across every await: a sweep counts it as tracked, a
    // second intent finds it busy, an adoption cannot take it.
    const reservation = account.locks.reserve(intent.symbol);
    if (reservation === undefined) {
      const holder = account.locks.holder(intent.symbol) ?? 'reserved';
      const state = holder === 'reserved' ? 'pending' : registry.get(holder)?.state ?? 'quarantined';
      throw new SymbolBusy(account.id, intent.symbol, holder === 'reserved' ? '(being opened)' : holder, state);
    }
    try {
      checkIntentAgainstMarket(intent, market, await account.port.fetchMarkPrice(intent.symbol));
      if (stopped) throw new GuardStopped();
    } catch (e) {
      account.locks.cancel(reservation);
      throw e;
    }
    const id = intent.idempotencyKey === undefined ? newId() : idForKey(account.id, intent.idempotencyKey);
    await worker.open(reservation, id, intent, market);
    return handleOf(id);
  }

  return {
    config,
    persistence: redisStore === undefined ? 'memory' : 'redis',
    open,
    get halted() {
      return halted;
    },
    position: (positionId) => {
      if (registry.get(positionId as PositionId) === undefined) throw new UnknownPosition(positionId);
      return handleOf(positionId as PositionId);
    },
    close: async (positionId, closeOptions) => {
      if (stopped) throw new GuardStopped();
      const actor = actorOf(positionId);
      if (actor === undefined) {
        const row = registry.get(positionId as PositionId);
        if (row === undefined) throw new UnknownPosition(positionId);
        if (FINAL_STATES.includes(row.state)) return; // final already: nothing to close
        throw new NotOwner(row.account); // another worker drives it now
      }
      // Accepted only by the owner, checked in Redis: a worker that lost the account refuses rather than drop the close.
      const owner = [...workers.values()].find((w) => w.runtime.actors.get(positionId as PositionId) === actor);
      if (owner === undefined || !(await owner.close(positionId as PositionId, closeOptions?.requestId))) throw new NotOwner(registry.get(positionId as PositionId)?.account ?? '?');
    },
    positions: async () => registry.rows(),
    alerts: async () => [...(await alerts.list())],
    halt: (name) => {
      workerOf(name).runtime.halted = 'halted by the operator';
    },
    resume: (name) => {
      workerOf(name).runtime.halted = undefined;
    },
    flushed: async () => {
      await Promise.all([...workers.values()].map((w) => w.flushed()));
      await alerts.settled?.();
    },
    sweep: async (kind, account) => {
      if (stopped) throw new GuardStopped();
      const chosen = account === undefined ? [...workers.values()].filter((w) => w.owned) : [workerOf(account)];
      for (const w of chosen) if (!w.owned) throw new NotOwner(w.runtime.id);
      return Promise.all(chosen.map((w) => w.sweep(kind)));
    },
    takeOrphan: async (account, symbol, how, expected) => {
      if (stopped) throw new GuardStopped();
      if (halted !== undefined) throw new Halted('the guard', halted);
      return workerOf(account).takeOrphan(symbol, how, expected);
    },
    lastStreamMessageAt: (account) => {
      const w = workers.get(account);
      return w?.owned === true ? w.runtime.lastHeardAt : undefined;
    },
    inspectPosition: (positionId) => {
      const actor = actorOf(positionId);
      if (actor === undefined) return undefined;
      const ctx = actor.getSnapshot().context;
      return { orders: ordersOf(ctx), closePreview: closePreviewOf(ctx), entryPrice: entryPriceOf(ctx) };
    },
    sweeps: async (account) => {
      const names = account === undefined ? [...workers.keys()] : [workerOf(account).runtime.id];
      if (store === undefined) return memoryReports.filter((r) => names.includes(r.account));
      const lists = await Promise.all(names.map((a) => store.sweepReports(accountId(a))));
      return (lists.flat() as SweepReport[]).sort((a, b) => b.startedAt - a.startedAt);
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      // Nothing leaves from here on; a claim being written is waited for, never abandoned.
      gate.close();
      const bound = options.stopTimeoutMs ?? 10_000;
      const unfinished: string[] = [];
      const step = (what: string, work: Promise<unknown>) => within(work, bound).then((done) => {
        if (!done) unfinished.push(what);
      });
      await gate.drained();
      await step('writing the last snapshots', Promise.all([...workers.values()].map((w) => w.flushed())));
      // Each account's actors stop before its lease is released (AccountWorker.stop).
      await step('letting the accounts go', Promise.all([...workers.values()].map((w) => w.stop())));
      await step('stopping the sweep schedules', scheduler.close());
      await root.stop();
      await heartbeat?.stop();
      await step('storing the last alerts', alerts.stop());
      bullConnection?.disconnect();
      await step('closing the exchange connections', Promise.all([...workers.values()].map((w) => w.runtime.port.close())));
      if (ownSim) sim?.close();
      if (ownStore !== undefined) {
        await step('closing Redis', ownStore.redis.quit());
        ownStore.redis.disconnect();
      }
      if (unfinished.length > 0) {
        const message = `stopped without finishing: ${unfinished.join('; ')} (each abandoned after ${bound} ms; what was written before is kept)`;
        log.warn({ unfinished }, message);
        trouble(message, undefined);
      }
    },
  };
}

/** Whether `work` settled within `ms` of real time (a stop must end even when Redis does not answer). */
function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    timer.unref?.();
    work.then(() => {
      clearTimeout(timer);
      resolve(true);
    }, () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
