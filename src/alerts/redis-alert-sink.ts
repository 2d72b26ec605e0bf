/**
 * The Redis alert sink: the `AlertSink` the guard gives its position actors when it runs on
 * Redis. `raise()` returns at once and never throws: the alert is queued in memory and a
 * single flush loop stores it (`RedisAlertStore`, grouping by key within the cooldown,
 * atomically across workers), writes it to the log channel, and queues one delivery job per
 * channel (`AlertDeliveries`). While Redis cannot be reached the flush logs the failure,
 * keeps the alerts in memory (oldest first, up to `maxPending`) and tries again every
 * `retryMs`; the time of an alert is the time it was raised, so the cooldown still holds.
 *
 * A new alert sits in the store's outbox until its deliveries are queued; `start()` queues
 * whatever a stopped worker left there (job ids dedupe). Delivery is at least once.
 * Messages are redacted with the configured secrets before they are stored.
 *
 * Receives: `raise(draft, subject)` from actors, sweeps and supervisors; `list()` from the
 * API. Sends: log lines, delivery jobs. Touches: Redis (the store's keys, the queue's).
 *
 * @example
 * const sink = new RedisAlertSink({ store: new RedisAlertStore(redis, 'pg:'), deliveries, cooldownMs: 600_000, log });
 * sink.start();
 * sink.raise({ kind: 'orphan', message: 'AVL/USDT:USDT long 43 is tracked by no position' }, { account, symbol });
 * await sink.list(); // newest first
 * await sink.stop();
 */
import { randomBytes } from 'node:crypto';
import { alertKey, type AlertDraft } from '../domain/alert.js';
import type { Logger } from '../log/logger.js';
import { compileSecrets, redactText, type CompiledSecrets } from '../log/redact.js';
import { withRaised, type AlertSink, type AlertSubject, type StoredAlert } from './alert-sink.js';
import type { RedisAlertStore } from './alert-store.js';
import type { AlertDeliveries } from './delivery-queue.js';
import { AlertStoreUnavailable, describeError } from './errors.js';
import { LogChannel } from './log.channel.js';

/** The store, the deliveries and the policies of a `RedisAlertSink`. */
export interface RedisAlertSinkOptions {
  readonly store: RedisAlertStore;
  /** Where deliveries go; without it alerts are stored and logged only. The sink starts and stops it. */
  readonly deliveries?: AlertDeliveries;
  /** Repeats of a key within this time are counted into the first alert, not sent again. */
  readonly cooldownMs: number;
  readonly log: Logger;
  /** The time of an alert (the guard's clock); `Date.now` unless given. */
  readonly now?: () => number;
  /** Secret values cut out of every alert message before it is stored or sent. */
  readonly secrets?: readonly string[];
  /** Wait before trying Redis again after a failure; 1 s unless given. */
  readonly retryMs?: number;
  /** Longest wait for one Redis step before it counts as failed; 5 s unless given. */
  readonly storeTimeoutMs?: number;
  /** Alerts kept in memory while Redis is out of reach; the oldest are dropped past it. 10,000 unless given. */
  readonly maxPending?: number;
  /** Told of every new alert once it is stored (not of grouped repeats). */
  readonly onAlert?: (alert: StoredAlert) => void;
  /** How often the outbox is drained while the sink runs (30 s unless given). */
  readonly drainEveryMs?: number;
}

/** One step the flush loop still owes; a stored alert's item moves on from `store` to `enqueue`. */
type Pending =
  { step: 'store' | 'enqueue'; alert: StoredAlert; failed: boolean } | { readonly step: 'drain'; failed: boolean };

/** Alerts stored in Redis, grouped, delivered through BullMQ; see the file header. */
export class RedisAlertSink implements AlertSink {
  private readonly pending: Pending[] = [];
  private readonly log: Logger;
  private readonly logChannel: LogChannel;
  private readonly secrets: CompiledSecrets;
  private readonly now: () => number;
  private flushing: Promise<void> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private outage = false;
  private started = false;
  private stopped = false;

  constructor(private readonly options: RedisAlertSinkOptions) {
    this.log = options.log.child({ component: 'alert-sink' });
    this.logChannel = new LogChannel(options.log);
    this.secrets = compileSecrets(options.secrets ?? []);
    this.now = options.now ?? (() => Date.now());
  }

  /** The BullMQ queue of deliveries (for bull-board), or `undefined` when no channel is configured. */
  get deliveryQueue(): AlertDeliveries['queue'] | undefined {
    return this.options.deliveries?.queue;
  }

  /** Alerts raised but not stored or not queued yet (Redis out of reach, or a flush running). */
  get pendingCount(): number {
    return this.pending.length;
  }

  /** Queues the alert for storing and delivery and returns at once; never throws. */
  raise(draft: AlertDraft, subject: AlertSubject): void {
    try {
      if (this.stopped) {
        this.log.error(
          { alert: draft.kind, account: subject.account, symbol: subject.symbol, positionId: subject.positionId },
          `alert raised after the sink stopped (not stored, not sent): ${this.redact(draft.message)}`,
        );
        return;
      }
      const at = this.now();
      const alert: StoredAlert = {
        kind: draft.kind,
        message: redactText(draft.message, this.secrets),
        id: `alert-${at}-${randomBytes(4).toString('hex')}`,
        key: alertKey(draft, subject),
        account: subject.account,
        symbol: subject.symbol,
        positionId: subject.positionId,
        at,
        count: 1,
      };
      this.push({ step: 'store', alert, failed: false });
    } catch (e) {
      this.log.error({ alert: draft.kind, reason: this.redact(describeError(e)) }, 'could not queue an alert');
    }
  }

  /**
   * The stored alerts, newest first, with those raised but not yet stored as they will be
   * stored (grouped by key within the cooldown). Rejects with `AlertStoreUnavailable` when
   * Redis does not answer in time.
   */
  async list(limit?: number): Promise<readonly StoredAlert[]> {
    const stored = await this.timed(this.options.store.list(limit), 'list alerts');
    const unstored = this.pending.flatMap((p) => (p.step === 'store' ? [p.alert] : []));
    const all = withRaised(stored, unstored, this.options.cooldownMs);
    return limit === undefined ? all : all.slice(0, limit);
  }

  /**
   * Starts the delivery worker and queues the deliveries a stopped worker left in the outbox,
   * then drains the outbox again every `drainEveryMs` (30 s): a worker that died between storing
   * an alert and queuing its deliveries leaves it there, and any live worker sends it (delivery
   * job ids are per alert and channel, so a delivery another worker queued is not doubled). Once.
   */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.options.deliveries?.start();
    this.push({ step: 'drain', failed: false });
    this.drainTimer = setInterval(() => {
      if (!this.stopped && !this.pending.some((p) => p.step === 'drain')) this.push({ step: 'drain', failed: false });
    }, this.options.drainEveryMs ?? 30_000);
    this.drainTimer.unref?.();
  }

  private drainTimer: ReturnType<typeof setInterval> | undefined;

  /**
   * Waits for the running flush, then stops the deliveries; logs alerts left unsent in memory.
   * Final: a stopped sink logs later raises and drops them.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.drainTimer !== undefined) clearInterval(this.drainTimer);
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    await this.flushing;
    if (this.pending.length > 0) {
      this.log.error(
        { lost: this.pending.length },
        'stopping with alerts that Redis never took: they are lost (see the log lines above)',
      );
    }
    await this.options.deliveries?.stop();
  }

  /** Resolves when everything raised so far is stored and queued, or the flush stopped on a failure. */
  async settled(): Promise<void> {
    await this.flushing;
  }

  private push(item: Pending): void {
    const max = this.options.maxPending ?? 10_000;
    if (this.pending.length >= max) {
      const dropped = this.pending.shift();
      this.log.error(
        { alert: dropped && 'alert' in dropped ? dropped.alert.key : undefined, max },
        'too many alerts waiting for Redis: the oldest is dropped',
      );
    }
    this.pending.push(item);
    this.kick();
  }

  private kick(): void {
    if (this.flushing !== undefined || this.retryTimer !== undefined) return;
    this.flushing = this.flush().finally(() => {
      this.flushing = undefined;
    });
  }

  private async flush(): Promise<void> {
    for (let item = this.pending[0]; item !== undefined; item = this.pending[0]) {
      try {
        await this.run(item);
        const done = this.pending.indexOf(item);
        if (done >= 0) this.pending.splice(done, 1);
      } catch (e) {
        this.failed(item, e);
        return;
      }
      if (this.outage) {
        this.outage = false;
        this.log.info(
          { waiting: this.pending.length },
          'alert store reachable again; storing the alerts kept in memory',
        );
      }
    }
  }

  private async run(item: Pending): Promise<void> {
    const { store, deliveries, cooldownMs } = this.options;
    if (item.step === 'drain') {
      for (const id of await this.timed(store.outbox(), 'read the outbox')) {
        const alert = await this.timed(store.get(id), 'read an alert');
        if (alert !== undefined && deliveries !== undefined)
          await this.timed(deliveries.enqueue(alert), 'queue deliveries');
        await this.timed(store.queued(id), 'clear the outbox');
      }
      return;
    }
    if (item.step === 'store') {
      const { isNew, alert } = await this.timed(store.record(item.alert, cooldownMs), 'store an alert');
      this.logChannel.write(alert, !isNew);
      if (!isNew) return;
      this.notify(alert);
      // From here on only the queuing is owed: a retry must not store the alert again.
      item.step = 'enqueue';
      item.alert = alert;
      item.failed = false;
    }
    if (deliveries !== undefined) await this.timed(deliveries.enqueue(item.alert), 'queue deliveries');
    await this.timed(store.queued(item.alert.id), 'clear the outbox');
  }

  private failed(item: Pending, e: unknown): void {
    const fields = {
      step: item.step,
      alert: 'alert' in item ? item.alert.kind : undefined,
      key: 'alert' in item ? item.alert.key : undefined,
      waiting: this.pending.length,
      reason: this.redact(describeError(e)),
    };
    if (!item.failed) this.log.warn(fields, 'alert store unreachable: the alert is kept in memory and retried');
    else this.log.debug(fields, 'alert store still unreachable');
    item.failed = true;
    this.outage = true;
    if (this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.kick();
    }, this.options.retryMs ?? 1_000);
  }

  private notify(alert: StoredAlert): void {
    try {
      this.options.onAlert?.(alert);
    } catch (e) {
      this.log.warn({ alertId: alert.id, reason: this.redact(describeError(e)) }, 'onAlert listener threw');
    }
  }

  /** `promise`, or `AlertStoreUnavailable` after `storeTimeoutMs`. */
  private async timed<T>(promise: Promise<T>, operation: string): Promise<T> {
    const ms = this.options.storeTimeoutMs ?? 5_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new AlertStoreUnavailable(operation, `no reply within ${ms} ms`)), ms);
    });
    try {
      return await Promise.race([
        promise.catch((e: unknown) => {
          throw new AlertStoreUnavailable(operation, this.redact(describeError(e)));
        }),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  private redact(text: string): string {
    return redactText(text, this.secrets);
  }
}
