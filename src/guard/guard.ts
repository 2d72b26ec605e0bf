/**
 * Over 300 lines, a known debt (issue 13): the composition root (store, connections, ports, schedulers,
 * alerts, teardown) and the Guard API object are still one function, to be split.
 *
 * `createGuard`: the library entry (see docs/architecture.md, Public contracts). It runs, under one root supervisor,
 * a supervisor per account with that account's feed and position actors; with Redis it takes
 * each account's ownership lease, rehydrates the positions a previous worker left (before it
 * resolves) and persists every transition. It keeps the read model (`positions()`) and the
 * alerts. A supervisor that runs out of restarts at the root halts the guard: new intents are
 * refused, the process is never killed. With Redis it joins the fleet (`src/fleet`): what
 * concerns an account another worker owns is handed over, and the hand-overs for its own
 * accounts are carried out here (`openHere`, `closeHere`). Longer than 300 lines: it is the
 * one place where the guard's parts are wired together; its rules live in the modules it wires.
 *
 * @example
 * const guard = await createGuard({ accounts: [{ id: 'paper', exchange: 'sim' }] }, { persistence: 'memory' });
 * const pos = await guard.open({ account: 'paper', symbol: 'AVL/USDT:USDT', side: 'buy', amount: 43, stopLoss: 0.21 });
 * await pos.settled({ timeoutMs: 60_000 }); // 'open'
 * await guard.close(pos.id);
 * await guard.stop();
 */
import { randomBytes as nodeRandomBytes, webcrypto } from 'node:crypto';
import { positionIdForKey } from './position-ids.js';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import type { InspectionEvent } from 'xstate';
import {
  closePreviewOf,
  entryPriceOf,
  ordersOf,
  type ClosePreview,
  type OrderView,
} from '../machines/position.queries.js';
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
  AccountUnavailable,
  GuardStopped,
  Halted,
  errorText,
  HedgeModeUnsupported,
  InvalidIntent,
  JournalUnavailable,
  NotOwner,
  SymbolBusy,
  UnknownAccount,
  UnknownPosition,
} from '../domain/errors.js';
import { asAccountId, isPositionId, newPositionId, type PositionId } from '../domain/ids.js';
import { parseIntent, type Intent } from '../domain/intent.js';
import { joinFleet, type FlattenStarted } from '../fleet/fleet.js';
import { closeEveryPosition } from '../fleet/flatten.js';
import { closeAnswerBefore, type CloseAnswer } from './close-answer.js';
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
export type { CloseAnswer } from './close-answer.js';

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
   * How long the lease holder has to journal an intent (or answer a close) this worker hands
   * over for an account it does not own, in real time (10 s unless given); see `src/fleet`.
   */
  readonly handoverDeadlineMs?: number;
  /**
   * With Redis: how long a final position stays in this worker's memory (10 min unless given);
   * then only Redis keeps it, and answers for it (`GET /v1/positions/:id`, `settled()`, its key).
   */
  readonly evictFinalAfterMs?: number;
  /**
   * Each position polls the venue on its own, as before the account's poller (the request
   * budget's benchmark baseline; see docs/architecture.md, Request budget). Off unless given.
   */
  readonly perPositionPolling?: boolean;
}

const EVICT_FINAL_AFTER_MS = 600_000;

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
  /**
   * Opens a position from an intent: validated (an invalid one is refused with
   * `InvalidIntent` naming the field, nothing sent), journalled, then carried by its actor from
   * `pending` to a proven end. Resolves once the intent is journalled — on this worker, or on
   * the account's owner through the fleet's hand-over — with a handle to follow it. The same
   * `idempotencyKey` twice answers the same position. Refused with `Halted`, `SymbolBusy`,
   * `HedgeModeUnsupported`, `NotOwner` (no worker holds the account) or `HandoverUnanswered`
   * (the owner did not answer in time: poll the id it names).
   */
  open(intent: unknown): Promise<PositionHandle>;
  /**
   * Closes a position: reduce-only, sided and sized from a fresh report of the live position.
   * `requestId` names the request: the same request delivered twice is one close (a retrying
   * bot cannot close twice); a new request after posguard gave one up starts again.
   */
  close(positionId: string, options?: { readonly requestId?: string }): Promise<CloseAnswer>;
  /** A handle to follow a position by id (its state, `settled()`); an unknown id is refused with `UnknownPosition` (with Redis, by its `settled()`, since another worker may drive it). */
  position(positionId: string): PositionHandle;
  /** The positions this worker drives, with their state, size and protection. */
  positions(): Promise<PositionRow[]>;
  /** The stored alerts, newest first (with Redis, the fleet's). */
  alerts(): Promise<StoredAlert[]>;
  /**
   * Halts an account (its new intents refused; positions in flight carry on). With Redis the
   * halt is persisted and fleet-wide: it survives restarts, and the journal script refuses a new
   * intent of a halted account whichever worker it reached.
   */
  halt(account: string, reason?: string, by?: string): Promise<void>;
  /** Lifts an account's halt (fleet-wide with Redis): new intents are taken again. */
  resume(account: string): Promise<void>;
  /** Why the account is halted (the guard's own halt included), or `undefined` while it trades. */
  haltedBecause(account: string): Promise<string | undefined>;
  /**
   * Flattens an account: halts it first (persisted with Redis), aborts its entries not claimed
   * yet (in the claim script), then asks every non-final position of posguard's on it to close
   * (on the account's owner). Answers the positions asked to close; `stateOf` tells when each
   * is final. Positions of other programs are never touched.
   */
  flatten(account: string, reason?: string, by?: string): Promise<FlattenStarted>;
  /** A position's state wherever it is driven (this worker, else Redis); `undefined` when it is unknown. */
  stateOf(positionId: string): Promise<PositionStateName | undefined>;
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
  takeOrphan(
    account: string,
    symbol: string,
    how: 'adopt' | 'flatten',
    expected: { readonly side: string; readonly size: number },
  ): Promise<string>;
  /** What the actor of a position driven here says: its orders, and the close planner's preview; `undefined` when none drives it here. */
  inspectPosition(
    positionId: string,
  ):
    | { readonly orders: OrderView[]; readonly closePreview: ClosePreview; readonly entryPrice: number | undefined }
    | undefined;
  /** When this worker last heard the account's private stream; `undefined` when it does not drive the account or has heard nothing yet. */
  lastStreamMessageAt(account: string): number | undefined;
  /** Resolves once every transition so far is persisted (a no-op without Redis). */
  flushed(): Promise<void>;
  /**
   * Stops gracefully: no new intents, no order leaves once stopping has begun, writes are
   * flushed within bounds (a send claim is never abandoned), the actors stop, and every lease
   * is released (its token bumped) so that another worker takes the accounts at once.
   */
  stop(): Promise<void>;
  /** The parsed config the guard runs with (secrets included: never log or serve it whole). */
  readonly config: Config;
}

const SIM_PRICE_TICK_MS = 1_000;
const SUPERVISOR_BACKOFF = { minMs: 200, maxMs: 10_000, jitter: 0.2 };

export async function createGuard(input: ConfigInput | Config, options: GuardOptions = {}): Promise<Guard> {
  const config = parseConfig(input);
  const clock = options.clock ?? systemClock;
  const randomBytes = options.randomBytes ?? ((n: number) => webcrypto.getRandomValues(new Uint8Array(n)));
  const onEvent = options.onEvent ?? (() => {});
  const trouble = (message: string, error: unknown) =>
    onEvent({ type: 'trouble', message, error: error === undefined ? undefined : errorText(error) });
  const registry = new PositionRegistry();
  const settings = positionSettings(config);
  const supervision = options.supervision ?? {
    strategy: 'one_for_one',
    intensity: config.supervision.restarts,
    periodMs: config.supervision.periodMs,
    backoff: SUPERVISOR_BACKOFF,
  };
  // An embedded simulator does not outlive this process, so neither do its positions: by
  // default they are kept in memory. Any other account is persisted in Redis.
  const embeddedOnly =
    options.sim === undefined &&
    config.accounts.every((a) => a.exchange === 'sim' && options.ports?.[a.id] === undefined);
  const persistence = options.persistence ?? (embeddedOnly ? 'memory' : 'redis');
  const ownRedis = persistence === 'redis';
  const ownStore = ownRedis
    ? new RedisStore(connectRedis(config.redis, trouble), options.redisPrefix ?? 'pg:')
    : undefined;
  const store: Store | undefined = typeof persistence === 'object' ? persistence : ownStore;
  // Alerts and sweep schedules live in Redis only with a Redis store; with any other store they
  // are kept in memory and run on the guard's clock.
  const redisStore = store instanceof RedisStore ? store : undefined;
  if (ownStore !== undefined) await ensureReachable(ownStore, config.redis);
  const ownSim =
    options.sim === undefined &&
    config.accounts.some((a) => a.exchange === 'sim' && options.ports?.[a.id] === undefined);
  const sim = options.sim ?? (ownSim ? new SimExchange({ clock, seed: 1, priceTickMs: SIM_PRICE_TICK_MS }) : undefined);
  const workerId = options.workerId ?? `${hostname()}-${process.pid}-${nodeRandomBytes(4).toString('hex')}`;
  const random = seededRandom(randomBytes(4).reduce((a, b) => a * 256 + b, 0));

  let halted: string | undefined;
  const root = new Supervisor(
    { ...supervision, intensity: config.supervision.guardRestarts, id: 'guard', children: [] },
    {
      clock,
      random,
      onEscalate: (e: SupervisorEscalation) => {
        halted = `a supervisor ran out of restarts: ${e.message}`;
        alerts.raise(
          { kind: 'supervisorEscalation', message: `posguard halted: ${halted}` },
          { account: asAccountId('*') },
        );
        options.onHalt?.(halted);
      },
    },
  );
  root.start();

  const bullConnection = redisStore === undefined ? undefined : new Redis(config.redis, { maxRetriesPerRequest: null });
  bullConnection?.on('error', () => {}); // reported through the main connection's trouble
  const log = options.log ?? createLogger({ level: 'silent' });
  const alerts = createAlertSink(config, {
    store: redisStore,
    bullConnection,
    prefix: options.redisPrefix ?? 'pg:',
    log,
    clock,
    onAlert: (alert) => onEvent({ type: 'alert', alert }),
  });
  alerts.start();
  const workers = new Map<string, AccountWorker>();
  // Silent while halted or while an account cannot be driven here: the dead-man check notices.
  const heartbeat = createHeartbeat(config.alerts, {
    clock,
    log,
    healthy: () => halted === undefined && [...workers.values()].every((w) => w.unavailable === undefined),
  });
  heartbeat?.start();
  const onSweepError = (e: unknown) => trouble('a sweep failed; it runs again on its next slot', e);
  const scheduler: SweepScheduler =
    bullConnection !== undefined
      ? new BullmqSweepScheduler(
          bullConnection,
          `${options.redisPrefix ?? 'pg:'}bull`,
          config.sweeps,
          onSweepError,
          (account, kind, sinceMs) =>
            alerts.raise(
              {
                kind: 'sweepStale',
                topic: kind,
                message:
                  `the ${kind === 'orphans' ? 'orphan sweep' : 'reconciliation'} of account ${account} has not finished for ${Math.round(sinceMs / 1000)} s ` +
                  `(every ${kind === 'orphans' ? config.sweeps.orphanEveryMs : config.sweeps.reconcileEveryMs} ms expected); its schedule is upserted again every interval, ` +
                  "so look at the venue and the worker's log; sweeps are configured in sweeps.*EveryMs, not in the board",
              },
              { account },
            ),
        )
      : new TimerSweepScheduler(clock, config.sweeps, onSweepError);
  const memoryReports: SweepReport[] = [];
  const onReport = async (report: SweepReport): Promise<void> => {
    onEvent({ type: 'sweep', report });
    for (const f of report.findings)
      trouble(`sweep ${report.kind} of ${report.account}: ${f.kind} on ${f.symbol}`, undefined);
    if (store !== undefined)
      await store
        .saveSweepReport(report.account, report)
        .catch((e: unknown) => trouble('a sweep report could not be saved', e));
    else {
      memoryReports.unshift(report);
      memoryReports.splice(200);
    }
  };
  const sweepSettings = {
    stuckAfterMs: config.sweeps.stuckAfterMs,
    ignoreClientOrderIdPrefixes: config.sweeps.ignoreClientOrderIdPrefixes,
    restLagMs: config.verification.restLagMs,
  };
  const newId = () => newPositionId(clock.now(), randomBytes(10));
  const idForKey = positionIdForKey;
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
      port =
        options.ports?.[a.id] ??
        (a.exchange === 'sim' && sim !== undefined
          ? createSimPort(sim, a.id, { triggerBy })
          : await createCcxtPort(a, { clock, triggerBy, log: log.child({ component: 'exchange', account: a.id }) }));
    } catch (e) {
      await abandon();
      throw e;
    }
    ports.push(port);
    workers.set(
      a.id,
      new AccountWorker({
        // Fenced like every alert of the account: a worker that lost the lease (stalled past it, say) raises nothing.
        runtime: new AccountRuntime(
          asAccountId(a.id),
          port,
          clock,
          (change, ms) => workers.get(a.id)?.raise(feedAlert(a.id, change, ms), { account: asAccountId(a.id) }),
          config.verification.timeoutMs,
          config.verification.restLagMs,
          (up) => onEvent({ type: 'feed', account: a.id, up }),
          budgetWatcher(a.id, { log, alerts, onEvent }),
          {
            perPositionPolling: options.perPositionPolling === true,
            // A batch gathers asks for at most a quarter of a poll interval: it must not slow the positions' own checks.
            pollWindowMs: Math.min(200, Math.floor(config.verification.feedDownPollMs / 4)),
            triggerBy: config.protection.triggerBy,
            reportStaleMs: config.verification.reportStaleMs,
          },
        ),
        clock,
        leaseClock: options.leaseClock ?? systemClock,
        random,
        settings,
        registry,
        alerts,
        store,
        journal: options.journal,
        workerId,
        leaseTtlMs: config.ownership.leaseTtlMs,
        supervision,
        parent: root,
        onTransition: (row, from) => onEvent({ type: 'transition', row, from }),
        onUpdate: (row) => onEvent({ type: 'update', row }),
        onTrouble: trouble,
        sweeps: { scheduler, settings: sweepSettings, policy: config.sweeps.orphanPolicy, onReport },
        newId,
        gate,
        onLease: (change) => onEvent({ type: 'lease', account: a.id, ...change }),
        evictFinalAfterMs: options.evictFinalAfterMs ?? EVICT_FINAL_AFTER_MS,
        ...(options.inspect === undefined ? {} : { inspect: options.inspect }),
      }),
    );
  }
  let stopped = false;
  // Joined before the accounts are taken: a lease let go meanwhile is heard, and a hand-over
  // popped before an account is driven here goes back to its queue.
  // The fleet's hand-over desk is Redis's (a memory store, the simulation's, drives its accounts alone).
  const fleet =
    redisStore === undefined
      ? undefined
      : await joinFleet({
          store: redisStore,
          url: config.redis,
          deadlineMs: options.handoverDeadlineMs,
          onTrouble: trouble,
          owned: () => [...workers.values()].filter((w) => w.owned).map((w) => w.runtime.id),
          onReleased: (name) => workers.get(name)?.takeNow(),
          openHere: async (intent, id) => {
            const handle = await openHere(intent, id);
            return { id: handle.id, state: handle.state };
          },
          closeHere: async (positionId, requestId) => {
            const answer = await closeHere(positionId, requestId);
            if (answer === undefined) throw new UnknownPosition(positionId);
            return answer;
          },
          flattenHere: (name) => closeEveryPosition(workerOf(name), `flatten-${clock.now()}`),
          sweepHere: (name, kind) => workerOf(name).sweep(kind),
          newId: (intent) =>
            intent.idempotencyKey === undefined ? newId() : idForKey(intent.account, intent.idempotencyKey),
        }).catch(async (e: unknown) => {
          await Promise.all([...workers.values()].map((w) => w.stop().catch(() => {})));
          await abandon();
          throw e;
        });
  try {
    await Promise.all([...workers.values()].map((w) => w.start()));
  } catch (e) {
    await Promise.all([...workers.values()].map((w) => w.stop().catch(() => {})));
    await abandon();
    throw e;
  }

  /** A position id from outside, validated: one that is not an id (a ULID) names no position. */
  function knownId(raw: string): PositionId {
    if (!isPositionId(raw)) throw new UnknownPosition(raw);
    return raw;
  }

  function actorOf(positionId: string): PositionActor | undefined {
    for (const w of workers.values()) {
      const actor = w.runtime.actors.get(positionId as PositionId);
      if (actor !== undefined) return actor;
    }
    return undefined;
  }

  function handleOf(id: PositionId): PositionHandle {
    // Driven elsewhere, or final and let go of: Redis answers (see docs/architecture.md, The fleet).
    if (actorOf(id) === undefined && registry.get(id) === undefined && fleet !== undefined) return fleet.handle(id);
    return positionHandle(
      id,
      () => {
        const actor = actorOf(id);
        return actor !== undefined ? stateName(actor.getSnapshot().value) : (registry.get(id)?.state ?? 'pending');
      },
      registry,
      clock,
    );
  }

  function workerOf(name: string): AccountWorker {
    const w = workers.get(name);
    if (w === undefined) throw new UnknownAccount(name, [...workers.keys()]);
    return w;
  }

  // Not async: the promise of `openHere` is handed back as it is, so the caller hears of the
  // journalled intent in the same tick (its state still `pending`).
  function open(raw: unknown): Promise<PositionHandle> {
    let intent: Intent;
    try {
      if (stopped) throw new GuardStopped();
      if (halted !== undefined) throw new Halted('the guard', halted);
      intent = parseIntent(raw);
      const worker = workerOf(intent.account);
      // An account another worker owns: handed to its lease holder (see docs/architecture.md, The fleet).
      if (!worker.owned && worker.unavailable === undefined && fleet !== undefined) return fleet.open(intent);
    } catch (e) {
      return Promise.reject(e);
    }
    return openHere(intent);
  }

  /** Opens a position on an account this worker drives, under `given` (a hand-over's id) or an id of its own. */
  async function openHere(intent: Intent, given?: PositionId): Promise<PositionHandle> {
    if (stopped) throw new GuardStopped();
    const worker = workerOf(intent.account);
    const account = worker.runtime;
    if (!worker.owned)
      throw worker.unavailable !== undefined
        ? new AccountUnavailable(account.id, worker.unavailable)
        : new NotOwner(account.id);
    const known =
      intent.idempotencyKey === undefined
        ? undefined
        : (worker.keys.get(intent.idempotencyKey) ??
          (await store?.positionForKey(account.id, intent.idempotencyKey).catch((e: unknown) => {
            throw new JournalUnavailable(`the idempotency key could not be looked up: ${errorText(e)}`);
          })));
    if (known !== undefined) return handleOf(known);
    const haltedBecause = await haltBeforeOpening(account.id);
    if (haltedBecause !== undefined) throw new Halted(`account ${account.id}`, haltedBecause);
    if (account.mode === 'hedge') throw new HedgeModeUnsupported(account.id);
    const market = account.markets.get(intent.symbol);
    if (market === undefined)
      throw new InvalidIntent(
        'symbol',
        `${intent.symbol} is not listed on account ${account.id}${didYouMean(suggestSymbol(intent.symbol, account.markets.keys()))}`,
      );
    // The symbol is held from here on, across every await: a sweep counts it as tracked, a
    // second intent finds it busy, an adoption cannot take it.
    const reservation = account.locks.reserve(intent.symbol);
    if (reservation === undefined) {
      const holder = account.locks.holder(intent.symbol) ?? 'reserved';
      const state = holder === 'reserved' ? 'pending' : (registry.get(holder)?.state ?? 'quarantined');
      throw new SymbolBusy(account.id, intent.symbol, holder === 'reserved' ? '(being opened)' : holder, state);
    }
    try {
      // At the ticker's price when fresh (the entry fast path), else a fetched one (see docs/architecture.md, Request budget).
      await account.checkIntent(intent, market);
      if (stopped) throw new GuardStopped();
    } catch (e) {
      account.locks.cancel(reservation);
      throw e;
    }
    const id = given ?? (intent.idempotencyKey === undefined ? newId() : idForKey(account.id, intent.idempotencyKey));
    await worker.open(reservation, id, intent, market);
    return handleOf(id);
  }

  /** Why an account is halted (persisted with Redis, else in this process), or `undefined`. */
  async function haltOf(name: string): Promise<string | undefined> {
    if (fleet === undefined) return workerOf(name).runtime.halted;
    return fleet.haltedBecause(name);
  }

  /** As `haltOf` before an intent is opened here: a halt that cannot be read is not a refusal, since the journal script reads it again, atomically. */
  function haltBeforeOpening(name: string): Promise<string | undefined> {
    return haltOf(name).catch(() => undefined);
  }

  /**
   * Closes a position whose actor runs here; `undefined` when this worker does not drive it.
   * The lease is checked in Redis first (`AccountWorker.close`).
   */
  async function closeHere(positionId: string, requestId: string | undefined): Promise<CloseAnswer | undefined> {
    const actor = actorOf(positionId);
    const row = registry.get(positionId as PositionId);
    if (actor === undefined) {
      if (row === undefined) return undefined;
      if (FINAL_STATES.includes(row.state)) return { id: positionId, state: row.state, result: 'alreadyFinal' };
      if (workers.get(row.account)?.owned === true)
        throw new AccountUnavailable(
          row.account,
          `the actor of position ${positionId} is not running (quarantined or restarting)`,
        );
      return undefined;
    }
    const before = closeAnswerBefore(positionId, stateName(actor.getSnapshot().value));
    if (before !== undefined) return before;
    const owner = [...workers.values()].find((w) => w.runtime.actors.get(positionId as PositionId) === actor);
    if (owner === undefined || !(await owner.close(positionId as PositionId, requestId)))
      throw new NotOwner(row?.account ?? '?');
    return { id: positionId, state: stateName(actor.getSnapshot().value), result: 'requested' };
  }

  return {
    config,
    persistence: redisStore === undefined ? 'memory' : 'redis',
    open,
    get halted() {
      return halted;
    },
    position: (raw) => {
      const id = knownId(raw);
      if (registry.get(id) === undefined && fleet === undefined) throw new UnknownPosition(id);
      return handleOf(id);
    },
    close: async (positionId, closeOptions) => {
      if (stopped) throw new GuardStopped();
      knownId(positionId);
      // Accepted only by the owner, checked in Redis: a worker that lost the account refuses rather than drop the close.
      const here = await closeHere(positionId, closeOptions?.requestId);
      if (here !== undefined) return here;
      if (fleet === undefined) {
        const row = registry.get(positionId as PositionId);
        throw row === undefined ? new UnknownPosition(positionId) : new NotOwner(row.account);
      }
      return fleet.close(positionId, closeOptions?.requestId, registry.get(positionId as PositionId)?.account);
    },
    positions: async () => registry.rows(),
    alerts: async () => [...(await alerts.list())],
    halt: async (name, reason = 'halted by the operator', by = 'library') => {
      const worker = workerOf(name);
      if (fleet === undefined) worker.runtime.halted = reason;
      else await fleet.halt(name, { reason, by, at: clock.now() });
    },
    resume: async (name) => {
      const worker = workerOf(name);
      if (fleet === undefined) worker.runtime.halted = undefined;
      else await fleet.resume(name);
    },
    haltedBecause: async (name) => halted ?? haltOf(name),
    flatten: async (name, reason = 'flattened by the operator', by = 'library') => {
      const worker = workerOf(name);
      if (fleet !== undefined) return fleet.flatten(name, { reason, by, at: clock.now() });
      worker.runtime.halted = reason;
      return closeEveryPosition(worker, `flatten-${clock.now()}`);
    },
    stateOf: async (positionId) => {
      const actor = actorOf(positionId);
      if (actor !== undefined) return stateName(actor.getSnapshot().value);
      const row = registry.get(positionId as PositionId);
      if (row !== undefined || fleet === undefined) return row?.state;
      const account = await fleet.store.accountOf(positionId);
      return account === undefined
        ? undefined
        : ((await fleet.store.stateOf(account, positionId)) as PositionStateName | undefined);
    },
    flushed: async () => {
      await Promise.all([...workers.values()].map((w) => w.flushed()));
      await alerts.settled?.();
    },
    sweep: async (kind, account) => {
      if (stopped) throw new GuardStopped();
      // Each on the worker that owns the account: here, else handed over (see docs/architecture.md, The fleet).
      const chosen =
        account === undefined
          ? [...workers.values()].filter((w) => w.owned || fleet !== undefined)
          : [workerOf(account)];
      return Promise.all(
        chosen.map((w) => {
          if (w.owned) return w.sweep(kind);
          if (fleet === undefined) throw new NotOwner(w.runtime.id);
          return fleet.sweep(w.runtime.id, kind);
        }),
      );
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
      const lists = await Promise.all(names.map((a) => store.sweepReports(asAccountId(a))));
      return (lists.flat() as SweepReport[]).sort((a, b) => b.startedAt - a.startedAt);
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      // Nothing leaves from here on; a claim being written is waited for, never abandoned.
      gate.close();
      const bound = options.stopTimeoutMs ?? 10_000;
      const unfinished: string[] = [];
      const step = (what: string, work: Promise<unknown>) =>
        within(work, bound).then((done) => {
          if (!done) unfinished.push(what);
        });
      // No more hand-overs are taken; a queued one waits for the next owner.
      if (fleet !== undefined) await step('stopping the hand-over desk', fleet.stop());
      await gate.drained();
      await step('writing the last snapshots', Promise.all([...workers.values()].map((w) => w.flushed())));
      // Each account's actors stop before its lease is released (AccountWorker.stop).
      await step('letting the accounts go', Promise.all([...workers.values()].map((w) => w.stop())));
      await step('stopping the sweep schedules', scheduler.close());
      await root.stop();
      await heartbeat?.stop();
      await step('storing the last alerts', alerts.stop());
      bullConnection?.disconnect();
      await step(
        'closing the exchange connections',
        Promise.all([...workers.values()].map((w) => w.runtime.port.close())),
      );
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
    work.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(true);
      },
    );
  });
}
