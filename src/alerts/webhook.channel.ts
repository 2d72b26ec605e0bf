/**
 * The webhook channel: a JSON POST of the alert, signed with HMAC-SHA256 and timestamped
 * (the scheme is in `webhook-signature.ts`). A non-2xx reply, a timeout or a refused
 * connection throws `WebhookSendFailed`, which names the host only: webhook URLs often carry
 * a token in their path, and the secret is never quoted.
 *
 * Body: `{ id, kind, key, account, symbol, positionId, message, at, time, count, text }`,
 * where `at` is ms since the epoch, `time` the same as ISO 8601, and `text` the human text.
 *
 * Receives: alerts from the delivery worker. Sends: one HTTP(S) request per alert.
 *
 * @example
 * const hook = new WebhookChannel({ url: 'https://example.org/hook', secret: 's3cret' }, () => Date.now());
 * await hook.send(alert);
 */
import type { StoredAlert } from './alert-sink.js';
import { alertText, alertTime } from './alert-text.js';
import type { AlertChannel } from './channel.js';
import { WebhookSendFailed } from './errors.js';
import { postJson, type FetchLike } from './http-post.js';
import { urlHost, urlSecrets } from './url-secrets.js';
import { ALERT_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhook } from './webhook-signature.js';

/** The `alerts.webhook` section, a timeout, and the `fetch` to use. */
export interface WebhookChannelOptions {
  readonly url: string;
  /** Signs every request when given (`X-Posguard-Signature`). */
  readonly secret?: string | undefined;
  /** Per request; 10 s unless given. */
  readonly timeoutMs?: number;
  readonly fetch?: FetchLike;
}

/** The JSON body of a webhook POST. */
export interface WebhookPayload {
  readonly id: string;
  readonly kind: string;
  readonly key: string;
  readonly account: string;
  readonly symbol: string | null;
  readonly positionId: string | null;
  readonly message: string;
  readonly at: number;
  readonly time: string;
  readonly count: number;
  readonly text: string;
}

/** POSTs alerts to one URL. `now` stamps the signature (the wall clock: receivers compare it to theirs). */
export class WebhookChannel implements AlertChannel {
  readonly name = 'webhook';
  private readonly host: string;

  constructor(
    private readonly options: WebhookChannelOptions,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.host = urlHost(options.url);
  }

  async send(alert: StoredAlert): Promise<void> {
    const payload: WebhookPayload = {
      id: alert.id,
      kind: alert.kind,
      key: alert.key,
      account: alert.account,
      symbol: alert.symbol ?? null,
      positionId: alert.positionId ?? null,
      message: alert.message,
      at: alert.at,
      time: alertTime(alert.at),
      count: alert.count,
      text: alertText(alert),
    };
    const body = JSON.stringify(payload);
    const timestamp = String(this.now());
    const headers: Record<string, string> = { [TIMESTAMP_HEADER]: timestamp, [ALERT_ID_HEADER]: alert.id };
    const secret = this.options.secret;
    if (secret !== undefined && secret !== '') headers[SIGNATURE_HEADER] = signWebhook(secret, timestamp, body);
    const reply = await postJson(this.options.url, body, {
      timeoutMs: this.options.timeoutMs ?? 10_000,
      secrets: [secret ?? '', ...urlSecrets(this.options.url)].filter((s) => s !== ''),
      headers,
      ...(this.options.fetch === undefined ? {} : { fetch: this.options.fetch }),
    });
    if (!reply.ok) throw new WebhookSendFailed(`${this.host}: ${reply.problem}`, reply.status);
  }
}
