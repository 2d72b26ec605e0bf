/**
 * The guard's composition root: the store and its connections, the embedded simulator, the
 * ports, the root supervisor, the alerts and heartbeat, the sweep scheduler, one worker per
 * account, and the fleet's hand-over desk — built in that order, and torn down by one
 * `teardown`, used both when building fails and by `stop()` (see docs/architecture.md, Stopping).
 * Its rules live in the modules it wires; the API object over it is `guard.ts`.
 */
import { randomBytes as nodeRandomBytes, webcrypto } from 'node:crypto';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { SendGate } from '../actors/send-gate.js';
import { createHeartbeat } from '../alerts/alerts-from-config.js';
import { systemClock, type Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import { UnknownPosition } from '../domain/errors.js';
import { asAccountId, newPositionId, type PositionId } from '../domain/ids.js';
import { seededRandom } from '../domain/random.js';
import { createCcxtPort } from '../exchange/ccxt/index.js';
import type { ExchangePort } from '../exchange/port.js';
import { SimExchange, createSimPort } from '../exchange/sim/index.js';
import { joinFleet, type FleetMember } from '../fleet/fleet.js';
import { closeEveryPosition } from '../fleet/flatten.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { RedisStore } from '../persistence/redis-store.js';
import type { Store } from '../persistence/store.js';
import { Supervisor, type SupervisorEscalation } from '../supervisors/index.js';
import type { SweepReport } from '../sweeps/sweep.js';
import { AccountRuntime, feedAlert } from './account.js';
import { AccountWorker } from './account-worker.js';
import { createAlertSink, type GuardAlertSink } from './alert-wiring.js';
import { budgetWatcher } from './budget-watcher.js';
import { sweepWiring } from './sweep-wiring.js';
import type { GuardEvent, GuardOptions } from './guard-api.js';
import { positionIdForKey } from './position-ids.js';
import { positionSettings } from './position-settings.js';
import { PositionRegistry } from './registry.js';
import { connectRedis, ensureReachable } from './redis-connection.js';
import { closeHere, openHere, workerOf } from './operations.js';

const SIM_PRICE_TICK_MS = 1_000;
const SUPERVISOR_BACKOFF = { minMs: 200, maxMs: 10_000, jitter: 0.2 };
const EVICT_FINAL_AFTER_MS = 600_000;

/** Runs one step of a teardown; a step bounded in time names itself when it does not finish. */
export type TeardownStep = (what: string, work: Promise<unknown>) => Promise<void>;

/** What the guard is made of, and the little state it owns (stopped, halted, the fleet once joined). */
export interface Assembly {
  readonly config: Config;
  readonly options: GuardOptions;
  readonly clock: Clock;
  /** The root logger (silent unless given); each part logs on a child with its `component`. */
  readonly log: Logger;
  readonly registry: PositionRegistry;
  readonly store: Store | undefined;
  /** The store when it is Redis's: alerts, sweep schedules and the fleet live there. */
  readonly redisStore: RedisStore | undefined;
  readonly alerts: GuardAlertSink;
  readonly workers: ReadonlyMap<string, AccountWorker>;
  readonly gate: SendGate;
  /** The sweep reports kept without a store, newest first. */
  readonly memoryReports: SweepReport[];
  readonly newId: () => PositionId;
  readonly onEvent: (event: GuardEvent) => void;
  /** The fleet's hand-over desk, once joined (Redis only). */
  fleet: FleetMember | undefined;
  stopped: boolean;
  /** `undefined` while healthy; why the guard halted (its root supervisor ran out of restarts). */
  halted: string | undefined;
  /**
   * Stops everything built so far, in order, each step through `step`; what was written is kept.
   * `graceful` (a stop, not a failed start) lets Redis's connection finish its last replies.
   */
  teardown(step: TeardownStep, graceful: boolean): Promise<void>;
}

/** Builds the guard's parts and starts its accounts; on failure everything built is torn down and the error thrown. */
export async function assemble(config: Config, options: GuardOptions): Promise<Assembly> {
  const clock = options.clock ?? systemClock;
  const randomBytes = options.randomBytes ?? ((n: number) => webcrypto.getRandomValues(new Uint8Array(n)));
  const onEvent = options.onEvent ?? (() => {});
  const log = options.log ?? silentLogger();
  const prefix = options.redisPrefix ?? 'pg:';
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
  const ownStore = persistence === 'redis' ? new RedisStore(connectRedis(config.redis, log), prefix) : undefined;
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

  const root = new Supervisor(
    { ...supervision, intensity: config.supervision.guardRestarts, id: 'guard', children: [] },
    {
      clock,
      random,
      onEscalate: (e: SupervisorEscalation) => {
        const halted = `a supervisor ran out of restarts: ${e.message}`;
        parts.halted = halted;
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
  bullConnection?.on('error', () => {}); // the main connection logs Redis's failures
  const alerts = createAlertSink(config, {
    store: redisStore,
    bullConnection,
    prefix,
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
    healthy: () => parts.halted === undefined && [...workers.values()].every((w) => w.unavailable === undefined),
  });
  heartbeat?.start();
  // An account's sweep alert goes through its worker, fenced by its lease like every alert of the account.
  const raiseFenced: typeof alerts.raise = (draft, subject) =>
    (workers.get(subject.account ?? '') ?? alerts).raise(draft, subject);
  const sweeps = sweepWiring(config, { bullConnection, prefix, alerts, clock, store, onEvent, log, raiseFenced });
  const newId = () => newPositionId(clock.now(), randomBytes(10));
  const ports: ExchangePort[] = [];
  const gate = new SendGate();
  const settings = positionSettings(config);
  const registry = new PositionRegistry();

  const parts: Assembly = {
    config,
    options,
    clock,
    log,
    registry,
    store,
    redisStore,
    alerts,
    workers,
    gate,
    memoryReports: sweeps.memoryReports,
    newId,
    onEvent,
    fleet: undefined,
    stopped: false,
    halted: undefined,
    teardown: async (step, graceful) => {
      // Nothing leaves from here on; a claim being written is waited for, never abandoned.
      gate.close();
      // No more hand-overs are taken; a queued one waits for the next owner.
      if (parts.fleet !== undefined) await step('stopping the hand-over desk', parts.fleet.stop());
      await gate.drained();
      await step('writing the last snapshots', Promise.all([...workers.values()].map((w) => w.flushed())));
      // Each account's actors stop before its lease is released (AccountWorker.stop).
      await step('letting the accounts go', Promise.all([...workers.values()].map((w) => w.stop())));
      await step('stopping the sweep schedules', sweeps.scheduler.close());
      await root.stop();
      await heartbeat?.stop();
      await step('storing the last alerts', alerts.stop());
      bullConnection?.disconnect();
      await step('closing the exchange connections', Promise.all(ports.map((p) => p.close())));
      if (ownSim) sim?.close();
      if (ownStore !== undefined) {
        if (graceful) await step('closing Redis', ownStore.redis.quit());
        ownStore.redis.disconnect();
      }
    },
  };
  // A failure while building: everything built so far is let go, without waiting on what fails.
  const abandon = async (e: unknown): Promise<never> => {
    await parts.teardown(async (_what, work) => {
      await work.catch(() => {});
    }, false);
    throw e;
  };

  for (const a of config.accounts) {
    let port: ExchangePort;
    try {
      const triggerBy = config.protection.triggerBy;
      port =
        options.ports?.[a.id] ??
        (a.exchange === 'sim' && sim !== undefined
          ? createSimPort(sim, a.id, { triggerBy })
          : await createCcxtPort(a, { clock, triggerBy, log }));
    } catch (e) {
      return abandon(e);
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
        log,
        sweeps: sweeps.forWorkers,
        newId,
        gate,
        onLease: (change) => onEvent({ type: 'lease', account: a.id, ...change }),
        evictFinalAfterMs: options.evictFinalAfterMs ?? EVICT_FINAL_AFTER_MS,
        ...(options.inspect === undefined ? {} : { inspect: options.inspect }),
      }),
    );
  }
  // Joined before the accounts are taken: a lease let go meanwhile is heard, and a hand-over
  // popped before an account is driven here goes back to its queue.
  // The fleet's hand-over desk is Redis's (a memory store, the simulation's, drives its accounts alone).
  if (redisStore !== undefined) {
    try {
      parts.fleet = await joinFleet({
        store: redisStore,
        url: config.redis,
        deadlineMs: options.handoverDeadlineMs,
        log,
        owned: () => [...workers.values()].filter((w) => w.owned).map((w) => w.runtime.id),
        onReleased: (name) => workers.get(name)?.takeNow(),
        openHere: async (intent, id) => {
          const handle = await openHere(parts, intent, id);
          return { id: handle.id, state: handle.state };
        },
        closeHere: async (positionId, requestId) => {
          const answer = await closeHere(parts, positionId, requestId);
          if (answer === undefined) throw new UnknownPosition(positionId);
          return answer;
        },
        flattenHere: (name) => closeEveryPosition(workerOf(parts, name), `flatten-${clock.now()}`),
        sweepHere: (name, kind) => workerOf(parts, name).sweep(kind),
        newId: (intent) =>
          intent.idempotencyKey === undefined ? newId() : positionIdForKey(intent.account, intent.idempotencyKey),
      });
    } catch (e) {
      return abandon(e);
    }
  }
  try {
    await Promise.all([...workers.values()].map((w) => w.start()));
  } catch (e) {
    return abandon(e);
  }
  return parts;
}
