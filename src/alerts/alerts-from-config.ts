/**
 * Wiring from the `alerts` config section (see docs/architecture.md, Public contracts): the channels, the Redis sink
 * with its delivery queue, and the heartbeat. The guard calls these; nothing here runs until
 * `start()`.
 *
 * Receives: the parsed config and the guard's connections, clock, logger and secrets.
 * Touches: nothing until started (the BullMQ connection is opened lazily by ioredis).
 *
 * @example
 * const sink = createRedisAlertSink(config.alerts, {
 *   redis: store.redis, bullConnection: config.redis, prefix: 'pg:', log, secrets: configSecrets(config),
 *   now: () => clock.now(), onAlert: (alert) => onEvent({ type: 'alert', alert }),
 * });
 * sink.start();
 * const heartbeat = createHeartbeat(config.alerts, { clock, log });
 * heartbeat?.start();
 * // on stop: await heartbeat?.stop(); await sink.stop();
 */
import type { Redis } from 'ioredis';
import type { Clock } from '../clock.js';
import type { AlertsConfig } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import type { StoredAlert } from './alert-sink.js';
import { RedisAlertStore } from './alert-store.js';
import type { AlertChannel } from './channel.js';
import { AlertDeliveries } from './delivery-queue.js';
import { EmailChannel } from './email.channel.js';
import { Heartbeat } from './heartbeat.js';
import type { FetchLike } from './http-post.js';
import { RedisAlertSink } from './redis-alert-sink.js';
import { TelegramChannel } from './telegram.channel.js';
import { WebhookChannel } from './webhook.channel.js';

/** What the config does not say about channels: a timeout and the `fetch` to use. */
export interface ChannelOptions {
  /** Per request (HTTP) or per SMTP step; 10 s unless given. */
  readonly timeoutMs?: number;
  readonly fetch?: FetchLike;
}

/**
 * One channel per configured section: `telegram`, `email`, `webhook` (the log is always on
 * and lives in the sink). An empty list when none is configured.
 *
 * @example
 * createAlertChannels(config.alerts).map((c) => c.name); // ['telegram', 'webhook']
 */
export function createAlertChannels(config: AlertsConfig, options: ChannelOptions = {}): AlertChannel[] {
  const common = {
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  };
  const channels: AlertChannel[] = [];
  const { telegram, email, webhook } = config;
  if (telegram !== undefined) {
    channels.push(
      new TelegramChannel({ botToken: telegram.botToken, chatId: telegram.chatId, apiUrl: telegram.apiUrl, ...common }),
    );
  }
  if (email !== undefined) {
    channels.push(
      new EmailChannel({
        smtp: email.smtp,
        from: email.from,
        to: email.to,
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      }),
    );
  }
  if (webhook !== undefined) channels.push(new WebhookChannel({ url: webhook.url, secret: webhook.secret, ...common }));
  return channels;
}

/** What the guard gives `createRedisAlertSink` besides the config section. */
export interface RedisAlertsWiring extends ChannelOptions {
  /** The guard's command connection: the alert store runs on it. */
  readonly redis: Redis;
  /**
   * BullMQ's connection: the Redis URL (a connection is made and closed by `stop()`), or a
   * connection with `maxRetriesPerRequest: null` that the caller owns.
   */
  readonly bullConnection: string | Redis;
  /** Key prefix of the store (`pg:` unless given, as the position store). */
  readonly prefix?: string;
  /** BullMQ key prefix (`bull` unless given). */
  readonly bullPrefix?: string;
  readonly log: Logger;
  /** `configSecrets(config)`: cut out of every message, log line and stored error. */
  readonly secrets: readonly string[];
  /** The time of an alert; `Date.now` unless given. */
  readonly now?: () => number;
  readonly onAlert?: (alert: StoredAlert) => void;
  /** Run a delivery worker in this process (true unless given); false only queues. */
  readonly worker?: boolean;
  /** Tries per delivery (8) and the first retry delay (1 s, doubled each time). */
  readonly attempts?: number;
  readonly backoffMs?: number;
  /** Alerts kept, newest first (1,000 unless given). */
  readonly maxStored?: number;
  /** Wait before retrying Redis after a failure (1 s), and the longest wait for one step (5 s). */
  readonly retryMs?: number;
  readonly storeTimeoutMs?: number;
  /** Channels to use instead of those built from the config (tests, embedding). */
  readonly channels?: readonly AlertChannel[];
}

/**
 * The Redis-backed `AlertSink` with its delivery queue for the configured channels (none
 * when no channel is configured: alerts are then stored and logged only).
 */
export function createRedisAlertSink(config: AlertsConfig, wiring: RedisAlertsWiring): RedisAlertSink {
  const channels = wiring.channels ?? createAlertChannels(config, wiring);
  const deliveries =
    channels.length === 0
      ? undefined
      : new AlertDeliveries({
          connection: wiring.bullConnection,
          channels,
          log: wiring.log,
          secrets: wiring.secrets,
          ...defined({
            prefix: wiring.bullPrefix,
            attempts: wiring.attempts,
            backoffMs: wiring.backoffMs,
            worker: wiring.worker,
          }),
        });
  return new RedisAlertSink({
    store: new RedisAlertStore(wiring.redis, wiring.prefix ?? 'pg:', wiring.maxStored),
    cooldownMs: config.cooldownMs,
    log: wiring.log,
    secrets: wiring.secrets,
    ...(deliveries === undefined ? {} : { deliveries }),
    ...defined({
      now: wiring.now,
      onAlert: wiring.onAlert,
      retryMs: wiring.retryMs,
      storeTimeoutMs: wiring.storeTimeoutMs,
    }),
  });
}

/** The heartbeat of `alerts.heartbeat`, or `undefined` when none is configured. */
export function createHeartbeat(
  config: AlertsConfig,
  deps: { readonly clock: Clock; readonly log: Logger; readonly fetch?: FetchLike; readonly healthy?: () => boolean },
): Heartbeat | undefined {
  const { heartbeat } = config;
  if (heartbeat === undefined) return undefined;
  return new Heartbeat({
    url: heartbeat.url,
    everyMs: heartbeat.everyMs,
    clock: deps.clock,
    log: deps.log,
    ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
    ...(deps.healthy === undefined ? {} : { healthy: deps.healthy }),
  });
}

/** The object without its `undefined` fields. */
function defined<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
