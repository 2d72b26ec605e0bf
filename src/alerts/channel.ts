/**
 * The shape every alert channel has: Telegram, email, webhook and the log. A channel sends
 * one alert and resolves, or throws an `AlertDeliveryFailed` whose message carries no
 * secret; retries are not its business (one BullMQ job per delivery retries it).
 *
 * @example
 * const channels: AlertChannel[] = [new TelegramChannel({ botToken, chatId })];
 * await channels[0].send(alert);
 */
import type { StoredAlert } from './alert-sink.js';

/** The channels that deliver through the queue. The log is always on and writes at once. */
export type ChannelName = 'telegram' | 'email' | 'webhook';

/** One way of telling a human. */
export interface AlertChannel {
  /** Stable name: the delivery jobs carry it. */
  readonly name: ChannelName;
  /** Delivers one alert; throws `AlertDeliveryFailed` (no secret in it) when it could not. */
  send(alert: StoredAlert): Promise<void>;
  /** Releases connections (an SMTP pool); optional. */
  close?(): Promise<void>;
}
