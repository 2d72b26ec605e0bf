/**
 * The email channel: one mail per alert through SMTP (nodemailer), to every address in
 * `alerts.email.to`. The server comes from an `smtp://user:pass@host:port` URL (`smtps://`
 * for implicit TLS; with `smtp://` nodemailer upgrades with STARTTLS when the server offers
 * it). The password is parsed out of the URL once and never logged, stored or put in an
 * error: failures say what the server answered, with the password cut out.
 *
 * Receives: alerts from the delivery worker. Sends: one SMTP transaction per alert.
 *
 * @example
 * const email = new EmailChannel({ smtp: 'smtp://alerts:pw@mail.example.org:587', from: 'posguard@example.org', to: ['ops@example.org'] });
 * await email.send(alert); // throws EmailSendFailed when the server refuses
 */
import { createTransport, type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { redactText } from '../log/redact.js';
import type { StoredAlert } from './alert-sink.js';
import { alertSubjectLine, alertText } from './alert-text.js';
import type { AlertChannel } from './channel.js';
import { EmailSendFailed, describeError } from './errors.js';

/** The `alerts.email` section, and a timeout. */
export interface EmailChannelOptions {
  /** `smtp://user:pass@host:port` or `smtps://…`; user and password percent-encoded. */
  readonly smtp: string;
  readonly from: string;
  readonly to: readonly string[];
  /** Connection, greeting and socket timeout; 10 s unless given. */
  readonly timeoutMs?: number;
}

/** Mails alerts through one SMTP server. */
export class EmailChannel implements AlertChannel {
  readonly name = 'email';
  private readonly transport: Transporter<SMTPTransport.SentMessageInfo>;
  private readonly secrets: readonly string[];

  constructor(private readonly options: EmailChannelOptions) {
    const server = parseSmtpUrl(options.smtp);
    this.secrets = server.secrets;
    const timeout = options.timeoutMs ?? 10_000;
    this.transport = createTransport({
      ...server.options,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      logger: false,
      debug: false,
    });
  }

  async send(alert: StoredAlert): Promise<void> {
    try {
      await this.transport.sendMail({
        from: this.options.from,
        to: [...this.options.to],
        subject: alertSubjectLine(alert),
        text: alertText(alert),
      });
    } catch (e) {
      throw new EmailSendFailed(redactText(describeError(e), this.secrets));
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}

interface SmtpServer {
  readonly options: SMTPTransport.Options;
  /** The password as written in the URL and decoded. */
  readonly secrets: readonly string[];
}

/** Host, port, TLS mode and credentials of an `smtp(s)://` URL. */
function parseSmtpUrl(smtp: string): SmtpServer {
  const url = new URL(smtp);
  const secure = url.protocol === 'smtps:';
  const user = decode(url.username);
  const pass = decode(url.password);
  const options: SMTPTransport.Options = {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? (secure ? 465 : 587) : Number(url.port),
    secure,
    ...(user === '' ? {} : { auth: { user, pass } }),
  };
  return { options, secrets: [...new Set([url.password, pass])].filter((s) => s !== '') };
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
