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
const every = (i: SweepIntervals, kind: SweepKind): number =>
  kind === 'orphans' ? i.orphanEveryMs : i.reconcileEveryMs;

export class TimerSweepScheduler implements SweepScheduler {
  private readonly timers = new Map<AccountId, unknown[]>();

  constructor(
    private readonly clock: Clock,
    private readonly intervals: SweepIntervals,
    private readonly onError: (e: unknown) => void,
  ) {}

  async start(account: AccountId, run: RunSweep): Promise<void> {
    await this.stop(account);
    const handles: unknown[] = [];
    this.timers.set(account, handles);
    for (const kind of KINDS) {
      const tick = (): void => {
        if (this.timers.get(account) !== handles) return;
        run(kind)
          .catch(this.onError)
          .finally(() => {
            if (this.timers.get(account) === handles)
              handles.push(this.clock.setTimeout(tick, every(this.intervals, kind)));
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

/** Told when a scheduled sweep of an account has not finished for `sinceMs` (two intervals and more). */
export type OnStaleSweep = (account: AccountId, kind: SweepKind, sinceMs: number) => void;

/**
 * Job schedulers (`upsertJobScheduler`, one per account and kind) on a queue per account;
 * the BullMQ worker of an account's queue runs only here, on the lease holder. BullMQ never
 * runs one slot twice and retries a job whose worker died: sweeps are safe to run twice.
 *
 * The schedules are posguard's (config `sweeps.*EveryMs`), not the board's: every interval
 * the lease holder upserts them again (idempotent), so one deleted in bull-board comes back,
 * and a kind whose last scheduled run finished more than two intervals ago is reported stale
 * (`onStale`, once until it runs again) — a deleted schedule, a stuck worker or a failing
 * venue cannot stop the sweeps silently.
 */
export class BullmqSweepScheduler implements SweepScheduler {
  private readonly running = new Map<
    AccountId,
    { queue: Queue; worker: Worker; keeper: ReturnType<typeof setInterval> }
  >();

  constructor(
    private readonly connection: Redis,
    private readonly prefix: string,
    private readonly intervals: SweepIntervals,
    private readonly onError: (e: unknown) => void,
    private readonly onStale: OnStaleSweep = () => {},
  ) {}

  static queueName(account: AccountId): string {
    return `posguard-sweeps-${account}`;
  }

  async start(account: AccountId, run: RunSweep): Promise<void> {
    await this.stop(account);
    const name = BullmqSweepScheduler.queueName(account);
    const queue = new Queue(name, { connection: this.connection, prefix: this.prefix });
    // Its errors (a connection reset) go where the worker's go: BullMQ prints one nobody listens to raw.
    queue.on('error', (e) => this.onError(e));
    // Job data carries nothing but the account's id: no secret ever reaches the queue (or the board).
    const upsert = async (): Promise<void> => {
      for (const kind of KINDS) {
        await queue.upsertJobScheduler(
          kind,
          { every: every(this.intervals, kind) },
          {
            name: kind,
            data: { account },
            opts: {
              removeOnComplete: 50,
              removeOnFail: 50,
              attempts: 3,
              backoff: { type: 'exponential', delay: 1_000 },
            },
          },
        );
      }
    };
    await upsert();
    const started = Date.now();
    const lastRun = new Map<SweepKind, number>(KINDS.map((k) => [k, started]));
    const alerted = new Set<SweepKind>();
    const worker = new Worker(
      name,
      async (job) => {
        const kind = job.name as SweepKind;
        const report = await run(kind);
        lastRun.set(kind, Date.now());
        alerted.delete(kind);
        return report;
      },
      { connection: this.connection, prefix: this.prefix, concurrency: 1 },
    );
    worker.on('failed', (_job, e) => this.onError(e));
    worker.on('error', (e) => this.onError(e));
    const keeper = setInterval(
      () => {
        upsert().catch((e: unknown) => this.onError(e));
        const now = Date.now();
        for (const kind of KINDS) {
          const since = now - (lastRun.get(kind) ?? started);
          if (since > 2 * every(this.intervals, kind) && !alerted.has(kind)) {
            alerted.add(kind);
            this.onStale(account, kind, since);
          }
        }
      },
      Math.min(...KINDS.map((k) => every(this.intervals, k))),
    );
    keeper.unref?.();
    this.running.set(account, { queue, worker, keeper });
  }

  async stop(account: AccountId): Promise<void> {
    const r = this.running.get(account);
    this.running.delete(account);
    if (r === undefined) return;
    clearInterval(r.keeper);
    await r.worker.close();
    await r.queue.close();
  }

  async close(): Promise<void> {
    for (const account of [...this.running.keys()]) await this.stop(account);
  }
}
