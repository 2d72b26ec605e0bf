/**
 * The Telegram channel: Bot API `POST {apiUrl}/bot{token}/sendMessage` with
 * `{ chat_id, text, disable_web_page_preview: true }`, plain text, one request with a
 * timeout. The bot token sits in the URL path, so the URL is never logged, stored or put in
 * an error: failures say what the API answered (its `description`), with the token cut out.
 *
 * Receives: alerts from the delivery worker. Sends: one HTTPS request per alert.
 *
 * @example
 * const telegram = new TelegramChannel({ botToken: '123456:ABC', chatId: '-100123', apiUrl: 'https://api.telegram.org' });
 * await telegram.send(alert); // throws TelegramSendFailed on a non-2xx reply or a timeout
 */
import type { StoredAlert } from './alert-sink.js';
import { alertText } from './alert-text.js';
import type { AlertChannel } from './channel.js';
import { TelegramSendFailed } from './errors.js';
import { postJson, type FetchLike } from './http-post.js';

/** The `alerts.telegram` section, a timeout, and the `fetch` to use. */
export interface TelegramChannelOptions {
  readonly botToken: string;
  /** A chat id (`-100…` for groups) or `@channelname`. */
  readonly chatId: string;
  /** Bot API base URL; `https://api.telegram.org` unless given (a local receiver in tests). */
  readonly apiUrl?: string;
  /** Per request; 10 s unless given. */
  readonly timeoutMs?: number;
  readonly fetch?: FetchLike;
}

/** Sends alerts to one Telegram chat through the Bot API. */
export class TelegramChannel implements AlertChannel {
  readonly name = 'telegram';
  private readonly url: string;

  constructor(private readonly options: TelegramChannelOptions) {
    const base = (options.apiUrl ?? 'https://api.telegram.org').replace(/\/+$/, '');
    this.url = `${base}/bot${options.botToken}/sendMessage`;
  }

  async send(alert: StoredAlert): Promise<void> {
    const body = JSON.stringify({
      chat_id: this.options.chatId,
      text: alertText(alert),
      disable_web_page_preview: true,
    });
    const reply = await postJson(this.url, body, {
      timeoutMs: this.options.timeoutMs ?? 10_000,
      secrets: [this.options.botToken],
      ...(this.options.fetch === undefined ? {} : { fetch: this.options.fetch }),
    });
    if (!reply.ok) throw new TelegramSendFailed(describeReply(reply.status, reply.problem, reply.body), reply.status);
    if (!isOkReply(reply.body)) {
      throw new TelegramSendFailed(
        describeReply(reply.status, `HTTP ${reply.status} without "ok": true`, reply.body),
        reply.status,
      );
    }
  }
}

/** The Bot API's own words (`description`) when the body is its JSON error, else the problem. */
function describeReply(status: number | undefined, problem: string, body: string): string {
  if (status === undefined) return problem;
  try {
    const parsed = JSON.parse(body) as { description?: unknown };
    if (typeof parsed.description === 'string') return `HTTP ${status}: ${parsed.description.slice(0, 300)}`;
  } catch {
    // not JSON: the problem as it is
  }
  return problem;
}

function isOkReply(body: string): boolean {
  try {
    return (JSON.parse(body) as { ok?: unknown }).ok === true;
  } catch {
    return false;
  }
}
