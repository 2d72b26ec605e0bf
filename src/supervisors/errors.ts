/**
 * The supervisors' named errors (STYLE point 8). Receives nothing, sends nothing: each class
 * carries the facts (supervisor, child, counts) and a stable `code`.
 *
 * @example
 * supervisor = new Supervisor(spec, { clock, random, onEscalate: (e) => alerts.raise({ kind: 'supervisorEscalation', message: e.message }) });
 */
import { PosguardError } from '../domain/errors.js';
import { describeExit, type ExitReason } from './child-spec.js';

/**
 * A supervisor spent a child's restart budget, stopped its children and gave up. At the root
 * it is what `onEscalate` receives; under a parent it is the error of the supervisor's own
 * exit. `path` runs from this supervisor's failing child down to the child that failed first.
 */
export class SupervisorEscalation extends PosguardError {
  readonly code = 'SUPERVISOR_ESCALATION';
  readonly path: readonly string[];
  constructor(
    readonly supervisor: string,
    readonly child: string,
    readonly restarts: number,
    readonly intensity: number,
    readonly periodMs: number,
    readonly lastExit: ExitReason,
  ) {
    super(
      `supervisor '${supervisor}' gave up: child '${child}' ended again (${describeExit(lastExit)}) after ` +
        `${restarts} restart(s) within ${periodMs} ms, and its budget is ${intensity} per ${periodMs} ms; the ` +
        'supervisor stopped its children. Find why the child keeps failing; starting the supervisor again restarts them',
    );
    if (lastExit.kind === 'error') this.cause = lastExit.error;
    const inner =
      lastExit.kind === 'error' && lastExit.error instanceof SupervisorEscalation ? lastExit.error.path : [];
    this.path = [child, ...inner];
  }
}

/** A supervisor spec that cannot be run (see `validateSupervisorSpec`). */
export class InvalidSupervisorSpec extends PosguardError {
  readonly code = 'INVALID_SUPERVISOR_SPEC';
  constructor(
    readonly supervisor: string,
    readonly field: string,
    readonly reason: string,
  ) {
    super(`invalid supervisor spec '${supervisor}': ${field} ${reason}`);
  }
}

/** `startChild` with an id that the supervisor already has. */
export class DuplicateChild extends PosguardError {
  readonly code = 'DUPLICATE_CHILD';
  constructor(
    readonly supervisor: string,
    readonly child: string,
  ) {
    super(`supervisor '${supervisor}' already has a child '${child}'; stop it first or use another id`);
  }
}

/** `startChild` or `start` on a supervisor that is stopping, stopped after an escalation, or escalating. */
export class SupervisorNotRunning extends PosguardError {
  readonly code = 'SUPERVISOR_NOT_RUNNING';
  constructor(
    readonly supervisor: string,
    readonly status: string,
    action: string,
  ) {
    super(
      `supervisor '${supervisor}' cannot ${action}: it is ${status}; ` +
        (status === 'stopping' || status === 'escalating'
          ? 'wait until it has stopped, then start it again'
          : 'start it again first'),
    );
  }
}

/** A child whose `stop()` did not finish within its `shutdownMs`; the supervisor moved on. */
export class ShutdownTimeout extends PosguardError {
  readonly code = 'SHUTDOWN_TIMEOUT';
  constructor(
    readonly supervisor: string,
    readonly child: string,
    readonly shutdownMs: number,
  ) {
    super(`child '${child}' of supervisor '${supervisor}' did not stop within ${shutdownMs} ms; it was left behind`);
  }
}
