/**
 * What a supervisor lets the outside observe: its events (for logs and metrics), its status
 * and a listing of its children. Types only; receives and sends nothing.
 *
 * @example
 * new Supervisor(spec, { clock, random, onEvent: (e) => log.info({ supervisor: e.supervisor, child: e.child, delayMs: e.delayMs }, e.type) });
 */
import type { ExitReason, RestartType } from './child-spec.js';
import type { SupervisorEscalation } from './errors.js';

/**
 * - `started`: a child was started for the first time (or again after the supervisor restarted);
 * - `exited`: a child ended on its own (`reason`);
 * - `restarting`: a restart is scheduled in `delayMs` (`reason` is the exit that caused it);
 * - `restarted`: the child was started again (`restarts` is its total restart count);
 * - `stopped`: a child the supervisor asked to stop has stopped (`reason` is set when its
 *   `stop()` threw, rejected or outlasted `shutdownMs`);
 * - `removed`: the child left the supervisor (not to be restarted, or `stopChild`);
 * - `escalated`: the budget is spent (`child` is the one that spent it, `escalation` the report);
 * - `gaveUp`: a child whose spec says `onBudgetSpent: 'give-up'` spent its budget and left
 *   (`reason` is its last exit); the supervisor and the other children run on.
 */
export type SupervisorEventType =
  'started' | 'exited' | 'restarting' | 'restarted' | 'stopped' | 'removed' | 'escalated' | 'gaveUp';

/** One observable event of a supervisor. */
export interface SupervisorEvent {
  readonly type: SupervisorEventType;
  readonly supervisor: string;
  readonly child: string;
  readonly reason?: ExitReason;
  readonly delayMs?: number;
  readonly restarts?: number;
  readonly escalation?: SupervisorEscalation;
}

/**
 * A child's status: `running` (started, not ended), `restarting` (waiting out its backoff),
 * `stopping` (asked to stop, not yet stopped) or `stopped` (not started yet, or stopped with
 * its supervisor; started again when the supervisor starts again).
 */
export type ChildStatus = 'running' | 'restarting' | 'stopping' | 'stopped';

/** One row of `supervisor.children()`. */
export interface ChildInfo {
  readonly id: string;
  readonly restart: RestartType;
  readonly status: ChildStatus;
  /** How many times the child was restarted by this supervisor since it was added. */
  readonly restarts: number;
}

/**
 * `idle` (never started), `running`, `stopping`/`stopped` (asked to stop), `escalating`
 * (budget spent, children being stopped) and `escalated` (children stopped, escalation reported).
 */
export type SupervisorStatus = 'idle' | 'running' | 'stopping' | 'stopped' | 'escalating' | 'escalated';
