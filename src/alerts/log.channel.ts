/**
 * The log channel, always on: every new alert is written at `warn` through the root pino
 * logger's child `{ component: 'alerts' }`, at once in the process that raised it (it needs
 * no retry, so it does not go through the delivery queue). Grouped repeats are written at
 * `debug`. Fields first, message second (pino's order); the logger redacts secrets.
 *
 * Receives: stored alerts from the sink. Touches: the log stream.
 *
 * @example
 * const logChannel = new LogChannel(createLogger({ secrets: configSecrets(config) }));
 * logChannel.write(alert);
 */
import type { Logger } from '../log/logger.js';
import type { StoredAlert } from './alert-sink.js';
import { alertTime } from './alert-text.js';

/** Writes alerts as JSON log lines. */
export class LogChannel {
  readonly name = 'log';
  private readonly log: Logger;

  constructor(log: Logger) {
    this.log = log.child({ component: 'alerts' });
  }

  /** Writes a new alert; never fails (the shape of the other channels). */
  async send(alert: StoredAlert): Promise<void> {
    this.write(alert);
  }

  /** A new alert (or one grouped into an earlier one, at `debug`). */
  write(alert: StoredAlert, grouped = false): void {
    const fields = {
      alert: alert.kind,
      alertId: alert.id,
      key: alert.key,
      account: alert.account,
      symbol: alert.symbol,
      positionId: alert.positionId,
      at: alertTime(alert.at),
      count: alert.count,
    };
    if (grouped) this.log.debug(fields, `alert grouped (within the cooldown, not sent again): ${alert.message}`);
    else this.log.warn(fields, alert.message);
  }
}
