/**
 * When sweeps run. Receives the accounts this worker owns (started on lease taken, stopped on
 * lease lost) and a function that runs one sweep; calls it periodically. Two kinds:
 * `BullmqSweepScheduler` (with Redis: job schedulers per account and kind, run by a BullMQ
 * worker that only the lease holder starts) and `TimerSweepScheduler` (without Redis: timers
 * on the guard's clock).
 */
import type { Redis } from 'ioredis';
import { Queue, Worker } from 'bullmq';
import type { Clock } from '../clock.js';
import type { AccountId } from '../domain/ids.js';
import type { SweepKind, SweepReport } from './sweep.js';

export type RunSweep = (kind: SweepKind) => Promise<SweepReport>;

export interface SweepIntervals {
  readonly orphanEveryMs: number;
  readonly reconcileEveryMs: number;
}

export interface SweepScheduler {
  /** Schedules the account's sweeps on this worker (idempotent). */
  start(account: AccountId, run: RunSweep): Promise<void>;
  /** Stops running the account's sweeps here (its schedule stays for the next owner). */
  stop(account: AccountId): Promise<void>;
  close(): Promise<void>;
}

const KINDS: readonly SweepKind[] = ['orphans', 'reconcile'];
const every = (i: SweepIntervals, kind: SweepKind): number => (kind === 'orphans' ? i.orphanEveryMs : i.reconcileEveryMs);

export class TimerSweepScheduler implements SweepScheduler {
  private readonly timers = new Map<AccountId, unknown[]>();

  constructor(private readonly clock: Clock, private readonly intervals: SweepIntervals, private readonly onError: (e: unknown) => void) {}

  async start(account: AccountId, run: RunSweep): Promise<void> {
    await this.stop(account);
    const handles: unknown[] = [];
    this.timers.set(account, handles);
    for (const kind of KINDS) {
      const tick = (): void => {
        if (this.timers.get(account) !== handles) return;
        run(kind).catch(this.onError).finally(() => {
          if (this.timers.get(account) === handles) handles.push(this.clock.setTimeout(tick, every(this.intervals, kind)));
        });
      };
      handles.push(this.clock.setTimeout(tick, every(this.intervals, kind)));
    }
  }

  async stop(account: AccountId): Promise<void> {
    for (const h of this.timers.get(account) ?? []) this.clock.clearTimeout(h);
    this.timers.delete(account);
  }

  async close(): Promise<void> {
    for (const account of [...this.timers.keys()]) await this.stop(account);
  }
}

/**
 * Job schedulers (`upsertJobScheduler`, one per account and kind) on a queue per account;
 * the BullMQ worker of an account's queue runs only here, on the lease holder. BullMQ never
 * runs one slot twice and retries a job whose worker died: sweeps are safe to run twice.
 */
export class BullmqSweepScheduler implements SweepScheduler {
  private readonly running = new Map<AccountId, { queue: Queue; worker: Worker }>();

  constructor(
    private readonly connection: Redis,
    private readonly prefix: string,
    private readonly intervals: SweepIntervals,
    private readonly onError: (e: unknown) => void,
  ) {}

  static queueName(account: AccountId): string {
    return `posguard-sweeps-${account}`;
  }

  async start(account: AccountId, run: RunSweep): Promise<void> {
    await this.stop(account);
    const name = BullmqSweepScheduler.queueName(account);
    const queue = new Queue(name, { connection: this.connection, prefix: this.prefix });
    for (const kind of KINDS) {
      await queue.upsertJobScheduler(kind, { every: every(this.intervals, kind) }, {
        name: kind, data: {}, opts: { removeOnComplete: 50, removeOnFail: 50, attempts: 3, backoff: { type: 'exponential', delay: 1_000 } },
      });
    }
    const worker = new Worker(name, async (job) => run(job.name as SweepKind), {
      connection: this.connection, prefix: this.prefix, concurrency: 1,
    });
    worker.on('failed', (_job, e) => this.onError(e));
    worker.on('error', (e) => this.onError(e));
    this.running.set(account, { queue, worker });
  }

  async stop(account: AccountId): Promise<void> {
    const r = this.running.get(account);
    this.running.delete(account);
    if (r === undefined) return;
    await r.worker.close();
    await r.queue.close();
  }

  async close(): Promise<void> {
    for (const account of [...this.running.keys()]) await this.stop(account);
  }
}
