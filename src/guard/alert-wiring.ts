/**
 * Which alert sink the guard uses. With Redis: the Redis sink (alerts stored and grouped in
 * Redis across workers, each delivery a retried BullMQ job). Without Redis: alerts kept in
 * memory, grouped by key within the cooldown, and sent straight to the configured channels
 * (one try each; failures logged).
 */
import type { Redis } from 'ioredis';
import { MemoryAlertSink, type AlertSink, type StoredAlert } from '../alerts/alert-sink.js';
import { createAlertChannels, createRedisAlertSink } from '../alerts/alerts-from-config.js';
import type { Clock } from '../clock.js';
import { configSecrets, type Config } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import type { RedisStore } from '../persistence/redis-store.js';

/** An alert sink the guard starts and stops. */
export interface GuardAlertSink extends AlertSink {
  start(): void;
  stop(): Promise<void>;
  list(): Promise<readonly StoredAlert[]>;
}

export interface AlertWiring {
  readonly store: RedisStore | undefined;
  readonly bullConnection: Redis | undefined;
  readonly prefix: string;
  readonly log: Logger;
  readonly clock: Clock;
  readonly onAlert: (alert: StoredAlert) => void;
}

export function createAlertSink(config: Config, w: AlertWiring): GuardAlertSink {
  const secrets = configSecrets(config);
  if (w.store !== undefined && w.bullConnection !== undefined) {
    return createRedisAlertSink(config.alerts, {
      redis: w.store.redis,
      bullConnection: w.bullConnection,
      prefix: w.prefix,
      bullPrefix: `${w.prefix}bull`,
      log: w.log,
      secrets,
      now: () => w.clock.now(),
      onAlert: w.onAlert,
    });
  }
  const channels = createAlertChannels(config.alerts);
  const log = w.log.child({ component: 'alerts' });
  const sink = new MemoryAlertSink(
    () => w.clock.now(),
    config.alerts.cooldownMs,
    (alert) => {
      w.onAlert(alert);
      log.warn(
        { alert: alert.kind, account: alert.account, symbol: alert.symbol, positionId: alert.positionId },
        alert.message,
      );
      for (const channel of channels) {
        channel
          .send(alert)
          .catch((e: unknown) =>
            log.warn({ err: e, channel: channel.name, alertId: alert.id }, 'an alert could not be delivered'),
          );
      }
    },
  );
  return Object.assign(sink, {
    start: () => {},
    stop: async () => {
      await Promise.all(channels.map((c) => c.close?.()));
    },
  });
}
