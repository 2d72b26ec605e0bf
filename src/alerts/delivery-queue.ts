/**
 * Deliveries on BullMQ: one job per (alert, channel) on the queue `posguard-alerts`, retried
 * with exponential backoff (`attempts`, `backoffMs`), and a `Worker` that calls the channel.
 * The job id is `<alert id>-<channel>`, so queuing the same delivery twice (a worker that
 * drains the outbox while another queues) adds it once; finished jobs are kept (the last
 * `keepJobs`) so that the id still dedupes after the delivery.
 *
 * Job data holds the alert (already redacted) and the channel name, never a secret. A failed
 * attempt's message is stored by BullMQ (`failedReason`, stack): channels throw errors
 * without secrets, and this worker cuts the configured secrets out of any error as well.
 *
 * Receives: stored alerts to deliver. Sends: channel calls. Touches: the BullMQ keys of the
 * queue under its `prefix`.
 *
 * @example
 * const deliveries = new AlertDeliveries({ connection: 'redis://127.0.0.1:6379', channels, log });
 * deliveries.start();
 * await deliveries.enqueue(alert);
 * await deliveries.stop();
 */
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from '../log/logger.js';
import { compileSecrets, redactText, type CompiledSecrets } from '../log/redact.js';
import type { StoredAlert } from './alert-sink.js';
import type { AlertChannel, ChannelName } from './channel.js';
import { UnknownAlertChannel, describeError } from './errors.js';

/** The queue every posguard worker delivers alerts from. */
export const ALERTS_QUEUE = 'posguard-alerts';

/** The data of one delivery job. */
export interface DeliveryJob {
  readonly channel: ChannelName;
  readonly alert: StoredAlert;
}

/** The connection, channels and retry policy of the delivery queue. */
export interface AlertDeliveriesOptions {
  /**
   * Redis for BullMQ: a URL (a connection is made with `maxRetriesPerRequest: null` and
   * closed by `stop()`), or a connection that the caller owns (it must have
   * `maxRetriesPerRequest: null`: the worker's blocking connection is duplicated from it).
   */
  readonly connection: string | Redis;
  /** BullMQ key prefix (`bull` unless given); tests use one per file. */
  readonly prefix?: string;
  readonly channels: readonly AlertChannel[];
  readonly log: Logger;
  /** Tries per delivery, the first included; 8 unless given. */
  readonly attempts?: number;
  /** The first retry delay; doubled at each retry (exponential); 1 s unless given. */
  readonly backoffMs?: number;
  /** Deliveries run at once by this worker; 4 unless given. */
  readonly concurrency?: number;
  /** Finished jobs kept (completed and failed, each); 1,000 unless given. */
  readonly keepJobs?: number;
  /** Secret values cut out of any delivery error before BullMQ stores it or it is logged. */
  readonly secrets?: readonly string[];
  /** Whether `start()` runs a worker in this process (true unless given); false only queues. */
  readonly worker?: boolean;
}

/** The delivery queue of alerts and, after `start()`, a worker for it. */
export class AlertDeliveries {
  readonly queue: Queue<DeliveryJob>;
  private worker: Worker<DeliveryJob> | undefined;
  private readonly connection: Redis;
  private readonly ownConnection: boolean;
  private readonly channels: ReadonlyMap<ChannelName, AlertChannel>;
  private readonly log: Logger;
  private readonly secrets: CompiledSecrets;
  private readonly attempts: number;

  constructor(private readonly options: AlertDeliveriesOptions) {
    this.ownConnection = typeof options.connection === 'string';
    this.connection =
      typeof options.connection === 'string'
        ? new Redis(options.connection, { maxRetriesPerRequest: null })
        : options.connection;
    // BullMQ reports connection errors through the queue and worker; this keeps ioredis from printing them.
    if (this.ownConnection) this.connection.on('error', () => {});
    this.channels = new Map(options.channels.map((c) => [c.name, c]));
    this.log = options.log.child({ component: 'alert-deliveries' });
    this.secrets = compileSecrets(options.secrets ?? []);
    this.attempts = options.attempts ?? 8;
    const keep = options.keepJobs ?? 1_000;
    this.queue = new Queue<DeliveryJob>(ALERTS_QUEUE, {
      connection: this.connection,
      prefix: options.prefix ?? 'bull',
      defaultJobOptions: {
        attempts: this.attempts,
        backoff: { type: 'exponential', delay: options.backoffMs ?? 1_000 },
        removeOnComplete: { count: keep },
        removeOnFail: { count: keep },
      },
    });
    this.queue.on('error', (e) => this.log.warn({ reason: this.redact(describeError(e)) }, 'alert queue error'));
  }

  /** The channels that deliver through this queue. */
  get channelNames(): ChannelName[] {
    return [...this.channels.keys()];
  }

  /** Queues one delivery per channel for a new alert (idempotent: job ids are per alert and channel). */
  async enqueue(alert: StoredAlert): Promise<void> {
    await Promise.all(
      [...this.channels.keys()].map((channel) =>
        this.queue.add(channel, { channel, alert }, { jobId: `${alert.id}-${channel}` }),
      ),
    );
  }

  /** Starts this process's worker (once; not when `worker: false`). Deliveries queued before are picked up now. */
  start(): void {
    if (this.worker !== undefined || this.options.worker === false) return;
    const worker = new Worker<DeliveryJob>(ALERTS_QUEUE, (job) => this.deliver(job), {
      connection: this.connection,
      prefix: this.options.prefix ?? 'bull',
      concurrency: this.options.concurrency ?? 4,
    });
    worker.on('completed', (job) => this.log.info(jobFields(job), 'alert delivered'));
    worker.on('failed', (job, error) => {
      if (job === undefined) return;
      const fields = {
        ...jobFields(job),
        attempt: job.attemptsMade,
        attempts: this.attempts,
        reason: this.redact(error.message),
      };
      if (job.attemptsMade >= this.attempts) this.log.error(fields, 'alert delivery failed for good: no attempt left');
      else this.log.warn(fields, 'alert delivery failed; it will be retried with backoff');
    });
    worker.on('error', (e) => this.log.warn({ reason: this.redact(describeError(e)) }, 'alert worker error'));
    this.worker = worker;
  }

  /** Closes the worker (waiting for running deliveries), the queue and the channels. */
  async stop(): Promise<void> {
    await this.worker?.close();
    this.worker = undefined;
    await this.queue.close();
    await Promise.all([...this.channels.values()].map((c) => c.close?.().catch(() => {})));
    if (this.ownConnection) await this.connection.quit().catch(() => this.connection.disconnect());
  }

  private async deliver(job: Job<DeliveryJob>): Promise<void> {
    const { channel: name, alert } = job.data;
    const channel = this.channels.get(name);
    if (channel === undefined) throw new UnknownAlertChannel(name, this.channelNames);
    try {
      await channel.send(alert);
    } catch (e) {
      throw this.scrub(e);
    }
  }

  /** The error with every configured secret cut out of its message and stack. */
  private scrub(e: unknown): Error {
    const error = e instanceof Error ? e : new Error(String(e));
    error.message = this.redact(error.message);
    if (error.stack !== undefined) error.stack = this.redact(error.stack);
    if (error.cause !== undefined) error.cause = undefined;
    return error;
  }

  private redact(text: string): string {
    return redactText(text, this.secrets);
  }
}

function jobFields(job: Job<DeliveryJob>): Record<string, unknown> {
  return { channel: job.data.channel, alertId: job.data.alert.id, alert: job.data.alert.kind, jobId: job.id };
}
