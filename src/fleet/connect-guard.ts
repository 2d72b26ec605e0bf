/**
 * `connectGuard`: the library's client of a posguard fleet (see docs/architecture.md, The
 * fleet). It runs no worker and owns no account: intents, closes, halts and flattens are handed
 * to the lease holder of their account through Redis, like a worker that does not own the
 * account hands them over; positions, alerts and events are read from Redis, so it sees what
 * every worker sees. A bot that connects this way needs only the fleet's Redis.
 *
 * Receives: calls from a bot. Touches: Redis (its own connections: commands, and one to follow
 * the event stream while `events()` is iterated).
 *
 * @example
 * const client = await connectGuard({ redis: 'redis://127.0.0.1:6379/0', accounts: [{ id: 'main', exchange: 'bybit', apiKey: '…', secret: '…' }] });
 * const pos = await client.open({ account: 'main', symbol: 'AVL/USDT:USDT', side: 'buy', amount: 43, stopLoss: 0.21 });
 * await pos.settled({ timeoutMs: 60_000 });  // 'open', read from Redis
 * await client.close(pos.id);
 * await client.stop();
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { StoredAlert } from '../alerts/alert-sink.js';
import { RedisAlertStore } from '../alerts/alert-store.js';
import { parseConfig, type Config, type ConfigInput } from '../config/config.js';
import { UnknownAccount, UnknownPosition } from '../domain/errors.js';
import { newPositionId } from '../domain/ids.js';
import { parseIntent } from '../domain/intent.js';
import type { CloseAnswer } from '../guard/close-answer.js';
import { knownId } from '../guard/operations.js';
import { positionIdForKey } from '../guard/position-ids.js';
import type { PositionHandle } from '../guard/position-handle.js';
import { ensureReachable } from '../guard/redis-connection.js';
import { silentLogger, type Logger } from '../log/logger.js';
import type { PositionStateName } from '../machines/position.machine.js';
import { RedisStore } from '../persistence/redis-store.js';
import { RedisEventLog } from '../service/events/redis-event-log.js';
import type { LoggedEvent } from '../service/events/event-log.js';
import { joinFleet, type FlattenStarted, type FleetMember } from './fleet.js';
import { remoteHandle } from './remote-handle.js';
import { StoredPositions, type StoredRow } from './stored-positions.js';

export interface ConnectOptions {
  /** Key prefix in Redis: the fleet's (`pg:` unless given). */
  readonly redisPrefix?: string;
  /** How long the lease holder has to journal an intent (or answer a close) handed to it (10 s unless given). */
  readonly handoverDeadlineMs?: number;
  /** Where what fails in the background (reading the event stream) is told; nowhere unless given. */
  readonly log?: Logger;
}

export interface FleetClient {
  /** Hands an intent to its account's lease holder; resolves once it is journalled there (rejects as `createGuard().open` does). */
  open(intent: unknown): Promise<PositionHandle>;
  /** Hands a close to the lease holder; `requestId` names the request (one close however often delivered). */
  close(positionId: string, options?: { readonly requestId?: string }): Promise<CloseAnswer>;
  /** A handle of a stored position (its state read from Redis). */
  position(positionId: string): Promise<PositionHandle>;
  /** The live positions of the configured accounts (a final state only when asked for). */
  positions(state?: PositionStateName): Promise<StoredRow[]>;
  /** The stored alerts, newest first. */
  alerts(): Promise<StoredAlert[]>;
  /** Every transition, alert and operator action of the fleet from now on (the `GET /v1/events` stream), until `stop`. */
  events(): AsyncIterable<LoggedEvent>;
  halt(account: string, reason?: string, by?: string): Promise<void>;
  resume(account: string): Promise<void>;
  flatten(account: string, reason?: string, by?: string): Promise<FlattenStarted>;
  stop(): Promise<void>;
}

export async function connectGuard(input: ConfigInput | Config, options: ConnectOptions = {}): Promise<FleetClient> {
  const config = parseConfig(input);
  const prefix = options.redisPrefix ?? 'pg:';
  const redis = new Redis(config.redis, { maxRetriesPerRequest: 1 });
  redis.on('error', () => {}); // every call rejects with what went wrong
  const store = new RedisStore(redis, prefix);
  await ensureReachable(store, config.redis);
  const log = options.log ?? silentLogger();
  const accounts = config.accounts.map((a) => a.id as string);
  const known = (name: string): string => {
    if (!accounts.includes(name)) throw new UnknownAccount(name, accounts);
    return name;
  };
  let fleet: FleetMember;
  try {
    fleet = await joinFleet({
      store,
      url: config.redis,
      deadlineMs: options.handoverDeadlineMs,
      owned: () => [],
      onReleased: () => {},
      log,
      openHere: () => Promise.reject(new Error('a client carries nothing out')),
      closeHere: () => Promise.reject(new Error('a client carries nothing out')),
      flattenHere: () => Promise.reject(new Error('a client carries nothing out')),
      sweepHere: () => Promise.reject(new Error('a client carries nothing out')),
      newId: (intent) =>
        intent.idempotencyKey === undefined
          ? newPositionId(Date.now(), new Uint8Array(randomBytes(10)))
          : positionIdForKey(intent.account, intent.idempotencyKey),
    });
  } catch (e) {
    redis.disconnect();
    throw e;
  }
  const stored = new StoredPositions(store);
  const alertStore = new RedisAlertStore(redis, prefix);
  const followers = new Set<RedisEventLog>();
  const stateReader = (account: string, id: string) => fleet.store.stateOf(account, id);

  return {
    open: async (raw) => {
      const intent = parseIntent(raw);
      known(intent.account);
      return fleet.open(intent);
    },
    close: async (positionId, closeOptions) => fleet.close(knownId(positionId), closeOptions?.requestId, undefined),
    position: async (positionId) => {
      const id = knownId(positionId);
      const row = await stored.get(id);
      if (row === undefined) throw new UnknownPosition(id);
      return remoteHandle(id, row.account, stateReader, row.state);
    },
    positions: (state) => stored.list(accounts, state),
    alerts: () => alertStore.list(),
    events: () => follow(),
    halt: (account, reason = 'halted by the operator', by = 'client') =>
      fleet.halt(known(account), { reason, by, at: Date.now() }),
    resume: (account) => fleet.resume(known(account)),
    flatten: (account, reason = 'flattened by the operator', by = 'client') =>
      fleet.flatten(known(account), { reason, by, at: Date.now() }),
    stop: async () => {
      await fleet.stop();
      const following = [...followers];
      followers.clear(); // each iteration ends at its next wake-up
      await Promise.all(following.map((f) => f.close()));
      redis.disconnect();
    },
  };

  /** The fleet's event stream from now on, as an async iterable (one connection of its own while iterated). */
  async function* follow(): AsyncGenerator<LoggedEvent> {
    // Its blocking reader is a connection of its own.
    const stream = new RedisEventLog(redis, prefix, log);
    followers.add(stream);
    const queue: LoggedEvent[] = [];
    let wake: (() => void) | undefined;
    const unsubscribe = stream.subscribe((e) => {
      queue.push(e);
      wake?.();
    });
    try {
      for (;;) {
        const next = queue.shift();
        if (next !== undefined) {
          yield next;
          continue;
        }
        if (!followers.has(stream)) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 1_000).unref?.();
        });
        wake = undefined;
      }
    } finally {
      unsubscribe();
      followers.delete(stream);
      await stream.close();
    }
  }
}
