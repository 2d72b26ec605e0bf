/**
 * The sweeps as the guard wires them (see docs/architecture.md, Sweeps): their schedules (BullMQ
 * job schedulers with Redis, else timers on the guard's clock), where their reports go (the
 * store, else memory), and the settings every account's worker sweeps with. Its log lines (a
 * finding, a failed run, a report not saved) are on a child with `component: 'sweeps'`.
 */
import type { Redis } from 'ioredis';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import type { AlertSubject } from '../alerts/alert-sink.js';
import type { AlertDraft } from '../domain/alert.js';
import type { Logger } from '../log/logger.js';
import type { Store } from '../persistence/store.js';
import { BullmqSweepScheduler, TimerSweepScheduler, type SweepScheduler } from '../sweeps/scheduler.js';
import type { SweepReport } from '../sweeps/sweep.js';
import type { AccountWorkerDeps } from './account-worker.js';
import type { GuardAlertSink } from './alert-wiring.js';
import type { GuardEvent } from './guard-api.js';

export interface SweepWiring {
  readonly scheduler: SweepScheduler;
  /** What each account's worker sweeps with. */
  readonly forWorkers: AccountWorkerDeps['sweeps'];
  /** The reports kept without a store, newest first (at most 200). */
  readonly memoryReports: SweepReport[];
}

export function sweepWiring(
  config: Config,
  deps: {
    readonly bullConnection: Redis | undefined;
    readonly prefix: string;
    readonly alerts: GuardAlertSink;
    readonly clock: Clock;
    readonly store: Store | undefined;
    readonly onEvent: (event: GuardEvent) => void;
    readonly log: Logger;
    /** Raises an alert about an account through its worker, fenced by the account's lease (a stale sweep). */
    readonly raiseFenced: (draft: AlertDraft, subject: AlertSubject) => void;
  },
): SweepWiring {
  const { store, onEvent } = deps;
  const log = deps.log.child({ component: 'sweeps' });
  const scheduler = sweepScheduler(config, deps, log);
  const memoryReports: SweepReport[] = [];
  const onReport = async (report: SweepReport): Promise<void> => {
    onEvent({ type: 'sweep', report });
    report.findings.forEach((f, i) =>
      log.warn(
        { account: report.account, sweep: report.kind, finding: f.kind, symbol: f.symbol, action: report.actions[i] },
        `a sweep found: ${f.kind} on ${f.symbol}`,
      ),
    );
    if (store !== undefined)
      await store
        .saveSweepReport(report.account, report)
        .catch((err: unknown) =>
          log.warn({ err, account: report.account, sweep: report.kind }, 'a sweep report could not be saved'),
        );
    else {
      memoryReports.unshift(report);
      memoryReports.splice(200);
    }
  };
  const settings = {
    stuckAfterMs: config.sweeps.stuckAfterMs,
    ignoreClientOrderIdPrefixes: config.sweeps.ignoreClientOrderIdPrefixes,
    restLagMs: config.verification.restLagMs,
  };
  return {
    scheduler,
    memoryReports,
    forWorkers: { scheduler, settings, policy: config.sweeps.orphanPolicy, onReport },
  };
}

/** The sweeps' schedules: BullMQ job schedulers with Redis, else timers on the guard's clock. */
function sweepScheduler(
  config: Config,
  { bullConnection, prefix, raiseFenced, clock }: Parameters<typeof sweepWiring>[1],
  log: Logger,
): SweepScheduler {
  const onSweepError = (err: unknown) => log.warn({ err }, 'a sweep failed; it runs again on its next slot');
  if (bullConnection === undefined) return new TimerSweepScheduler(clock, config.sweeps, onSweepError);
  return new BullmqSweepScheduler(
    bullConnection,
    `${prefix}bull`,
    config.sweeps,
    onSweepError,
    // Fenced like every alert of the account: a worker stalled past its lease, waking up to
    // sweeps that have not run meanwhile, says nothing about an account another worker holds.
    (account, kind, sinceMs) =>
      raiseFenced(
        {
          kind: 'sweepStale',
          topic: kind,
          message:
            `the ${kind === 'orphans' ? 'orphan sweep' : 'reconciliation'} of account ${account} has not finished for ${Math.round(sinceMs / 1000)} s ` +
            `(every ${kind === 'orphans' ? config.sweeps.orphanEveryMs : config.sweeps.reconcileEveryMs} ms expected); its schedule is upserted again every interval, ` +
            "so look at the venue and the worker's log; sweeps are configured in sweeps.*EveryMs, not in the board",
        },
        { account },
      ),
  );
}
