/**
 * A posguard worker with its HTTP API: the guard, the event log (in memory, or the fleet-wide
 * Redis stream), the metrics, the account board and the server, wired together. `posguard
 * start` runs one; tests start one on a free port.
 *
 * Receives: the config and the guard's options. Sends: every guard event to the event log,
 * the metrics, the board and `onEvent`. Touches: the guard, Redis (a connection of its own for
 * reads and the event stream), a TCP port.
 *
 * @example
 * const service = await startService(config, { log, port: 0 });
 * console.log(service.url); // http://127.0.0.1:41234
 * await service.stop();
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { ALERTS_QUEUE } from '../alerts/delivery-queue.js';
import { configSecrets, type Config } from '../config/config.js';
import { asAccountId } from '../domain/ids.js';
import { PosguardError } from '../domain/errors.js';
import { UnsafeBind } from './errors.js';
import { createGuard, type Guard, type GuardEvent, type GuardOptions } from '../guard/guard.js';
import type { Logger } from '../log/logger.js';
import { RedisStore } from '../persistence/redis-store.js';
import { StoredPositions } from '../fleet/stored-positions.js';
import { BullmqSweepScheduler } from '../sweeps/scheduler.js';
import { AccountBoard } from './account-board.js';
import { memoryAlertAcks, redisAlertAcks } from './alert-acks.js';
import { ownHosts } from './auth/request-checks.js';
import { TokenTable } from './auth/tokens.js';
import type { EventLog } from './events/event-log.js';
import { MemoryEventLog } from './events/memory-event-log.js';
import { RedisEventLog } from './events/redis-event-log.js';
import type { GuardApi } from './guard-api.js';
import { readiness } from './health.js';
import { localGuardApi } from './local-guard-api.js';
import { createMetrics, type Metrics } from './metrics.js';
import { buildServer } from './server.js';
import type { FastifyInstance } from 'fastify';
import { compileSecrets } from '../log/redact.js';
import { mountBoard } from './board.js';
import type { InspectionEvent } from 'xstate';
import { FINAL_STATES } from '../machines/position.machine.js';
import { dashboardFanout, rowFields } from './dashboard/fanout.js';
import { MemoryHistory } from './memory-history.js';
import { memoryActionLog, redisActionLog, type ActionLog } from './operator-actions.js';
import { OrphanInbox, memoryResolutions, redisResolutions } from './orphan-inbox.js';

export { UnsafeBind } from './errors.js';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|\[::1\]|localhost)$/i;

/** Whether a bind address is reachable from this machine only. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

export interface ServiceOptions extends Omit<GuardOptions, 'onEvent' | 'log'> {
  readonly log: Logger;
  /** Also told of every guard event (the lifecycle log lines). */
  readonly onEvent?: (event: GuardEvent) => void;
  /** Overrides `http.port` (0: a free port). */
  readonly port?: number;
  /** Overrides `http.host`. */
  readonly host?: string;
}

export interface Service {
  readonly guard: Guard;
  readonly api: GuardApi;
  readonly events: EventLog;
  readonly actions: ActionLog;
  readonly metrics: Metrics;
  /** Where the API is served, e.g. `http://127.0.0.1:7070`. */
  readonly url: string;
  stop(): Promise<void>;
}

export async function startService(config: Config, options: ServiceOptions): Promise<Service> {
  const host = options.host ?? config.http.host;
  const tokens = TokenTable.fromConfig(config.http);
  if (!isLoopback(host) && !tokens.required) throw new UnsafeBind(host);
  const log = options.log;
  const now = () => Date.now();
  const board = new AccountBoard(config.accounts.map((a) => a.id));
  const prefix = options.redisPrefix ?? 'pg:';
  // The guard tells its first events (leases, the first sweep) before the event log and the
  // metrics exist: they wait here, and are handed on once both do.
  const early: GuardEvent[] = [];
  const wired: { events?: EventLog; metrics?: Metrics; fanout?: (event: GuardEvent) => void } = {};
  // Without Redis, the positions' histories (events and payloads) are learnt from their actors.
  let recordHistory = true;
  const memoryHistory = new MemoryHistory(now);
  const inspect = (e: InspectionEvent): void => {
    if (recordHistory) memoryHistory.observe(e);
    options.inspect?.(e);
  };
  const forward = (event: GuardEvent): void => {
    const { events, metrics, fanout } = wired;
    if (events === undefined || metrics === undefined || fanout === undefined) {
      early.push(event);
      return;
    }
    metrics.observe(event);
    if (event.type === 'transition') {
      const { row, from } = event;
      events.append({
        type: 'transition',
        positionId: row.id,
        from,
        to: row.state,
        at: row.updatedAt,
        row: rowFields(row, guardRef.current?.inspectPosition(row.id)?.entryPrice),
      });
    } else if (event.type === 'alert') {
      events.append({ type: 'alert', alert: event.alert });
    }
    fanout(event);
  };
  const onEvent = (event: GuardEvent): void => {
    board.observe(event, now());
    forward(event);
    options.onEvent?.(event);
  };
  const guardRef: { current?: Guard } = {};
  const guard = await createGuard(config, { ...options, log, onEvent, inspect });
  guardRef.current = guard;
  recordHistory = guard.persistence === 'memory';
  let redis: Redis | undefined;
  let store: RedisStore | undefined;
  let events: EventLog;
  const queues: Queue[] = [];
  try {
    if (guard.persistence === 'redis') {
      redis = new Redis(config.redis, { maxRetriesPerRequest: 1 });
      redis.on('error', () => {}); // readiness reports Redis down
      store = new RedisStore(redis, prefix);
      events = new RedisEventLog(redis, prefix, log);
      for (const a of config.accounts)
        queues.push(
          new Queue(BullmqSweepScheduler.queueName(asAccountId(a.id)), { connection: redis, prefix: `${prefix}bull` }),
        );
      queues.push(new Queue(ALERTS_QUEUE, { connection: redis, prefix: `${prefix}bull` }));
    } else {
      events = new MemoryEventLog();
    }
  } catch (e) {
    await guard.stop();
    redis?.disconnect();
    throw e;
  }
  const actions = redis === undefined ? memoryActionLog(events, now) : redisActionLog(redis, prefix, events, now);
  const accounts = config.accounts.map((a) => a.id);
  const inbox = new OrphanInbox({
    accounts,
    reports: (a) => guard.sweeps(a),
    store: redis === undefined ? memoryResolutions() : redisResolutions(redis, prefix),
    tracked: async (a) =>
      new Set(
        (await guard.positions())
          .filter((r) => r.account === a && !FINAL_STATES.includes(r.state))
          .map((r) => r.symbol),
      ),
  });
  const leaseReader = redis;
  const holders =
    leaseReader === undefined || store === undefined
      ? undefined
      : async (ids: readonly string[]) =>
          (await leaseReader.mget(...ids.map((a) => store.keys.lease(a)))).map((v) =>
            v == null ? undefined : v.split('|')[0],
          );
  const api = localGuardApi(guard, {
    board,
    acks: redis === undefined ? memoryAlertAcks() : redisAlertAcks(redis, prefix),
    now,
    actions,
    inbox,
    ...(store === undefined ? { memoryHistory } : { store, stored: new StoredPositions(store) }),
    ...(holders === undefined ? {} : { holders }),
  });
  const metrics = createMetrics({
    board,
    positions: () => api.positions(),
    halted: () => guard.halted,
    lastStreamMessageAt: (account) => guard.lastStreamMessageAt(account),
    requestHeadroom: (account) => guard.requestHeadroom(account),
    now,
    ...(redis === undefined ? {} : { queues: () => queues }),
  });
  wired.events = events;
  wired.metrics = metrics;
  wired.fanout = dashboardFanout({
    api,
    events,
    inbox,
    entryPrice: (id) => guard.inspectPosition(id)?.entryPrice,
    log,
  });
  for (const e of early.splice(0)) forward(e);
  let stop: () => void = () => {};
  const stopping = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const lease = store;
  const app = await buildServer({
    api,
    events,
    metrics,
    tokens,
    now,
    log: log.child({ component: 'http' }),
    stopping,
    actions,
    dashboard: {
      stuckAfterMs: config.sweeps.stuckAfterMs,
      environment: environmentOf(config),
      board: queues.length > 0,
    },
    ...(queues.length === 0
      ? {}
      : {
          board: (server: FastifyInstance) =>
            mountBoard(server, {
              queues,
              writable: config.http.board?.writable === true,
              environment: environmentOf(config),
              secrets: compileSecrets(configSecrets(config)),
              sweepAccount: (name) => accounts.find((a) => BullmqSweepScheduler.queueName(asAccountId(a)) === name),
            }),
        }),
    hosts: ownHosts(host, config.http.allowedHosts ?? []),
    secrets: configSecrets(config),
    ready: () =>
      readiness({
        board,
        halted: () => guard.halted,
        now,
        ...(redis === undefined || lease === undefined
          ? {}
          : { redis: { client: redis, leaseKey: (a: string) => lease.keys.lease(a) } }),
      }),
  });
  const close = async (): Promise<void> => {
    stop();
    await app.close().catch(() => {});
    await events.close();
    await Promise.all(queues.map((q) => q.close().catch(() => {})));
    await guard.stop();
    redis?.disconnect();
  };
  let address: string;
  try {
    address = await app.listen({ host, port: options.port ?? config.http.port });
  } catch (e) {
    await close();
    throw new ListenFailed(host, options.port ?? config.http.port, e instanceof Error ? e.message : String(e));
  }
  return { guard, api, events, actions, metrics, url: address, stop: close };
}

/** The deployment's label: `http.environment`, else `paper` on simulated venues only, else `live`. */
export function environmentOf(config: Config): string {
  return config.http.environment ?? (config.accounts.every((a) => a.exchange === 'sim') ? 'paper' : 'live');
}

/** The API's port could not be opened. */
export class ListenFailed extends PosguardError {
  readonly code = 'LISTEN_FAILED';
  constructor(
    readonly host: string,
    readonly port: number,
    reason: string,
  ) {
    super(
      `cannot serve the API on ${host}:${port} (${reason}); set http.host/http.port in the config, or stop what uses the port`,
    );
  }
}
