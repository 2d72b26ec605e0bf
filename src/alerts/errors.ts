/**
 * Named errors of the alerts module, each with a stable `code` (STYLE point 8). A delivery
 * error never carries a secret: not the bot token (it sits in the Telegram URL path), not
 * the SMTP password, not the webhook secret, not a URL path. Its message names the channel,
 * what happened, and what the operator can check. BullMQ stores these messages (a failed
 * job's `failedReason` and stack) in Redis, so the rule holds for stored records too.
 *
 * @example
 * try { await channel.send(alert) } catch (e) { if (e instanceof AlertDeliveryFailed) e.channel }
 */
import { PosguardError } from '../domain/errors.js';
import type { ChannelName } from './channel.js';

/** A channel could not deliver an alert; BullMQ retries the delivery with backoff. */
export abstract class AlertDeliveryFailed extends PosguardError {
  abstract readonly channel: ChannelName;
  /** The HTTP status of the reply, when there was one. */
  readonly status: number | undefined;
  constructor(message: string, status?: number) {
    super(message);
    this.status = status;
  }
}

/** The Telegram Bot API refused `sendMessage`, timed out, or could not be reached. */
export class TelegramSendFailed extends AlertDeliveryFailed {
  readonly code = 'TELEGRAM_SEND_FAILED';
  readonly channel = 'telegram';
  constructor(detail: string, status?: number) {
    super(
      `telegram sendMessage failed: ${detail}; check alerts.telegram (bot token, chat id, apiUrl) and that the bot may post in the chat`,
      status,
    );
  }
}

/** The SMTP server refused the mail, or could not be reached. */
export class EmailSendFailed extends AlertDeliveryFailed {
  readonly code = 'EMAIL_SEND_FAILED';
  readonly channel = 'email';
  constructor(detail: string) {
    super(`email delivery failed: ${detail}; check alerts.email (smtp URL, credentials, from, to)`);
  }
}

/** The webhook receiver answered with a non-2xx status, timed out, or could not be reached. */
export class WebhookSendFailed extends AlertDeliveryFailed {
  readonly code = 'WEBHOOK_SEND_FAILED';
  readonly channel = 'webhook';
  constructor(detail: string, status?: number) {
    super(`webhook delivery failed: ${detail}; check alerts.webhook.url and the receiver`, status);
  }
}

/** A delivery job names a channel this worker has not configured (workers with different configs). */
export class UnknownAlertChannel extends PosguardError {
  readonly code = 'UNKNOWN_ALERT_CHANNEL';
  constructor(
    readonly channel: string,
    known: readonly string[],
  ) {
    super(
      `a delivery job names channel '${channel}', which this worker has not configured (it has: ${known.join(', ') || 'none'}); ` +
        'give every worker the same alerts config',
    );
  }
}

/** The alert store (Redis) could not be read or written in time. */
export class AlertStoreUnavailable extends PosguardError {
  readonly code = 'ALERT_STORE_UNAVAILABLE';
  constructor(operation: string, reason: string) {
    super(
      `the alert store could not ${operation} (${reason}); alerts raised meanwhile are kept in memory and stored when Redis is back`,
    );
  }
}

/** What went wrong, as text without a stack: an error's message, or the value itself. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
