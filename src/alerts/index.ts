/**
 * The alerts module: channels (Telegram, email, webhook, log), the Redis-backed sink with
 * grouping and retried deliveries on BullMQ, and the heartbeat. See `alerts-from-config.ts`
 * for the wiring from the `alerts` config section.
 *
 * @example
 * import { createRedisAlertSink, createHeartbeat } from './alerts/index.js';
 */
export { MemoryAlertSink, type AlertSink, type AlertSubject, type StoredAlert } from './alert-sink.js';
export { alertSubjectLine, alertText, alertTime } from './alert-text.js';
export { RedisAlertStore, DEFAULT_MAX_STORED, type RecordResult } from './alert-store.js';
export {
  createAlertChannels,
  createHeartbeat,
  createRedisAlertSink,
  type ChannelOptions,
  type RedisAlertsWiring,
} from './alerts-from-config.js';
export type { AlertChannel, ChannelName } from './channel.js';
export { AlertDeliveries, ALERTS_QUEUE, type AlertDeliveriesOptions, type DeliveryJob } from './delivery-queue.js';
export { EmailChannel, type EmailChannelOptions } from './email.channel.js';
export {
  AlertDeliveryFailed,
  AlertStoreUnavailable,
  EmailSendFailed,
  TelegramSendFailed,
  UnknownAlertChannel,
  WebhookSendFailed,
} from './errors.js';
export { Heartbeat, type HeartbeatOptions } from './heartbeat.js';
export type { FetchLike } from './http-post.js';
export { LogChannel } from './log.channel.js';
export { RedisAlertSink, type RedisAlertSinkOptions } from './redis-alert-sink.js';
export { TelegramChannel, type TelegramChannelOptions } from './telegram.channel.js';
export { WebhookChannel, type WebhookChannelOptions, type WebhookPayload } from './webhook.channel.js';
export {
  ALERT_ID_HEADER,
  DEFAULT_TOLERANCE_MS,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  signWebhook,
  verifyWebhook,
  type WebhookCheck,
} from './webhook-signature.js';
