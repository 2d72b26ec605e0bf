/**
 * posguard's Prometheus metrics (`GET /metrics`), with prom-client's default process and
 * Node metrics. Everything is derived from what the guard tells (`observe(event)`: its
 * transitions, alerts, sweep reports, feed and lease changes) and what it holds (positions
 * by state, read at scrape time). No label names a position: the number of series depends on
 * the configured accounts and the machine's states, never on how many positions there are.
 *
 * Receives: guard events; scrapes. Touches: the guard's read side and, with Redis, the BullMQ
 * queues' job counts (read at scrape time).
 *
 * @example
 * const metrics = createMetrics({ accounts: ['main'], positions: () => api.positions(), halted: () => guard.halted });
 * createGuard(config, { onEvent: (e) => metrics.observe(e) });
 * reply.type(metrics.contentType).send(await metrics.text());
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { GuardEvent } from '../guard/guard.js';
import { POSITION_STATES } from '../machines/position.machine.js';
import type { AccountBoard } from './account-board.js';
import type { BudgetHeadroom } from '../budget/host-budget.js';
import type { PositionSummary } from './guard-api.js';

/** A queue whose job counts are exported (BullMQ's `Queue`). */
export interface CountedQueue {
  readonly name: string;
  getJobCounts(...types: string[]): Promise<Record<string, number>>;
}

export interface MetricsDeps {
  readonly board: AccountBoard;
  /** The positions this worker drives. */
  readonly positions: () => Promise<readonly PositionSummary[]>;
  /** Why the guard halted, or `undefined`. */
  readonly halted: () => string | undefined;
  /** When this worker last heard each account's private stream (accounts it drives). */
  readonly lastStreamMessageAt?: (account: string) => number | undefined;
  /** What is left of each request limit of an account (accounts it drives; none for an unmetered venue). */
  readonly requestHeadroom?: (account: string) => readonly BudgetHeadroom[];
  readonly now?: () => number;
  /** The BullMQ queues (sweeps, alert deliveries); none without Redis. */
  readonly queues?: () => readonly CountedQueue[];
}

export interface Metrics {
  readonly registry: Registry;
  readonly contentType: string;
  observe(event: GuardEvent): void;
  text(): Promise<string>;
}

/** The protections of a position that should hold a stop and has none working (`unprotected` in the machine). */
const UNPROTECTED: ReadonlySet<string> = new Set(['unconfirmed', 'lost', 'refused']);

const JOB_STATES = ['waiting', 'active', 'delayed', 'completed', 'failed', 'paused', 'prioritized', 'waiting-children'];

export function createMetrics(deps: MetricsDeps): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const accounts = deps.board.ids;

  new Gauge({
    name: 'posguard_positions',
    help: 'Positions this worker drives, by account and state (final ones included while in memory).',
    labelNames: ['account', 'state'],
    registers: [registry],
    async collect() {
      const rows = await deps.positions();
      for (const account of accounts) for (const state of POSITION_STATES) this.set({ account, state }, 0);
      for (const r of rows) this.inc({ account: r.account, state: r.state });
    },
  });
  new Gauge({
    name: 'posguard_positions_unprotected',
    help: 'Positions that should hold a stop on the venue and have none confirmed working (unconfirmed, lost or refused).',
    labelNames: ['account'],
    registers: [registry],
    async collect() {
      const rows = await deps.positions();
      for (const account of accounts) this.set({ account }, 0);
      for (const r of rows) if (UNPROTECTED.has(r.protection.kind)) this.inc({ account: r.account });
    },
  });
  const transitions = new Counter({
    name: 'posguard_transitions_total',
    help: 'Position state changes, by from and to state.',
    labelNames: ['from', 'to'],
    registers: [registry],
  });
  const backoffs = new Counter({
    name: 'posguard_rate_limit_backoffs_total',
    help: "Requests the venue refused for its rate limit (each backs off every request sharing that limit), by account and the limit's scope (account, host).",
    labelNames: ['account', 'scope'],
    registers: [registry],
  });
  const rollbacks = new Counter({
    name: 'posguard_rollbacks_total',
    help: 'Positions rolled back (a proven fill undone: the stop was refused).',
    labelNames: ['account'],
    registers: [registry],
  });
  const protecting = new Histogram({
    name: 'posguard_protecting_seconds',
    help: 'Time from a proven fill to open: placing the stop and confirming it from a report (the protecting state).',
    labelNames: ['account'],
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [registry],
  });
  const alerts = new Counter({
    name: 'posguard_alerts_total',
    help: 'Alerts raised (new ones, not grouped repeats), by kind.',
    labelNames: ['kind'],
    registers: [registry],
  });
  const sweeps = new Counter({
    name: 'posguard_sweeps_total',
    help: 'Sweeps run, by kind and outcome (clean, findings, failed).',
    labelNames: ['account', 'kind', 'outcome'],
    registers: [registry],
  });
  const findings = new Counter({
    name: 'posguard_sweep_findings_total',
    help: 'What sweeps found, by finding (orphan, sizeMismatch, missingStop, stuck, …).',
    labelNames: ['account', 'finding'],
    registers: [registry],
  });
  const sweepSeconds = new Histogram({
    name: 'posguard_sweep_duration_seconds',
    help: 'How long a sweep took.',
    labelNames: ['kind'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  new Gauge({
    name: 'posguard_last_reconcile_timestamp_seconds',
    help: 'When the last reconciliation that could load the venue finished, per account this worker has swept.',
    labelNames: ['account'],
    registers: [registry],
    collect() {
      for (const account of accounts) {
        const at = deps.board.get(account)?.lastGoodReconcileAt;
        if (at !== undefined) this.set({ account }, at / 1000);
      }
    },
  });
  new Gauge({
    name: 'posguard_account_owned',
    help: '1 when this worker drives the account (holds its lease), else 0.',
    labelNames: ['account'],
    registers: [registry],
    collect() {
      for (const account of accounts) this.set({ account }, deps.board.get(account)?.owned === true ? 1 : 0);
    },
  });
  new Gauge({
    name: 'posguard_feed_up',
    help: "1 when the account's private stream is live, 0 when down (accounts this worker drives).",
    labelNames: ['account'],
    registers: [registry],
    collect() {
      this.reset();
      for (const account of accounts) {
        const s = deps.board.get(account);
        if (s?.owned === true && s.feed !== 'unknown') this.set({ account }, s.feed === 'live' ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: 'posguard_feed_last_message_age_seconds',
    help: "Seconds since the account's private stream last delivered a message (accounts this worker drives and has heard).",
    labelNames: ['account'],
    registers: [registry],
    collect() {
      this.reset();
      const now = (deps.now ?? Date.now)();
      for (const account of accounts) {
        const at = deps.lastStreamMessageAt?.(account);
        if (at !== undefined) this.set({ account }, Math.max(0, now - at) / 1000);
      }
    },
  });
  new Gauge({
    name: 'posguard_request_budget_remaining',
    help: "Tokens left in each request limit an account draws from (scope account: its own; host: its venue host's, shared by this process's accounts there), refilled to the scrape's time.",
    labelNames: ['account', 'scope', 'limit'],
    registers: [registry],
    collect() {
      this.reset();
      for (const account of accounts)
        for (const h of deps.requestHeadroom?.(account) ?? [])
          this.set({ account, scope: h.scope, limit: h.limit }, h.remaining);
    },
  });
  new Gauge({
    name: 'posguard_request_budget_capacity',
    help: 'The capacity of each request limit an account draws from (the remaining budget is out of it).',
    labelNames: ['account', 'scope', 'limit'],
    registers: [registry],
    collect() {
      this.reset();
      for (const account of accounts)
        for (const h of deps.requestHeadroom?.(account) ?? [])
          this.set({ account, scope: h.scope, limit: h.limit }, h.capacity);
    },
  });
  /** The feed state each account was last seen in (a live after a down is a reconnect). */
  const lastFeed = new Map<string, boolean>();
  const reconnects = new Counter({
    name: 'posguard_feed_reconnects_total',
    help: 'Times a private stream came back live after being down.',
    labelNames: ['account'],
    registers: [registry],
  });
  new Gauge({
    name: 'posguard_halted',
    help: '1 when the guard has halted (a supervisor ran out of restarts): new intents are refused.',
    registers: [registry],
    collect() {
      this.set(deps.halted() === undefined ? 0 : 1);
    },
  });
  if (deps.queues !== undefined) {
    const queues = deps.queues;
    new Gauge({
      name: 'posguard_queue_jobs',
      help: 'BullMQ jobs by queue and state (sweeps, alert deliveries).',
      labelNames: ['queue', 'state'],
      registers: [registry],
      async collect() {
        for (const q of queues()) {
          const counts = await q.getJobCounts(...JOB_STATES);
          for (const state of JOB_STATES) this.set({ queue: q.name, state }, counts[state] ?? 0);
        }
      },
    });
  }

  return {
    registry,
    contentType: registry.contentType,
    observe(event) {
      if (event.type === 'transition') {
        const { row, from } = event;
        transitions.inc({ from, to: row.state });
        if (row.state === 'rollingBack') rollbacks.inc({ account: row.account });
        if (from === 'protecting' && row.state === 'open') {
          const entered = row.history.findLast((h) => h.state === 'protecting')?.at;
          if (entered !== undefined)
            protecting.observe({ account: row.account }, Math.max(0, row.updatedAt - entered) / 1000);
        }
      } else if (event.type === 'alert') {
        alerts.inc({ kind: event.alert.kind });
      } else if (event.type === 'sweep') {
        const r = event.report;
        sweeps.inc({
          account: r.account,
          kind: r.kind,
          outcome: r.error !== undefined ? 'failed' : r.findings.length > 0 ? 'findings' : 'clean',
        });
        for (const f of r.findings) findings.inc({ account: r.account, finding: f.kind });
        sweepSeconds.observe({ kind: r.kind }, Math.max(0, r.finishedAt - r.startedAt) / 1000);
      } else if (event.type === 'budget') {
        if (event.event.type === 'backoff') backoffs.inc({ account: event.event.account, scope: event.event.scope });
      } else if (event.type === 'feed') {
        if (event.up && lastFeed.get(event.account) === false) reconnects.inc({ account: event.account });
        lastFeed.set(event.account, event.up);
      }
    },
    text: () => registry.metrics(),
  };
}
