/**
 * A supervised child's runtime record, private to the supervisor: its spec, status, handle,
 * pending restart timer and restart history. Receives and sends nothing; plain mutable data.
 *
 * @example
 * const entry = newEntry(spec); // status 'stopped', no restarts yet
 */
import type { ChildHandle, ChildSpec } from './child-spec.js';
import type { ChildStatus } from './supervisor-events.js';

/** What the supervisor keeps per child (mutated only by `Supervisor`). */
export interface Entry {
  readonly spec: ChildSpec;
  status: ChildStatus;
  handle: ChildHandle | undefined;
  /** Bumped on every start, exit and stop request: an `exit` that carries an older token is ignored. */
  token: number;
  starting: boolean;
  /** Set when a stop was requested while `start` was still running: receives its handle. */
  lateStop: ((handle: ChildHandle | undefined) => void) | undefined;
  stopping: Promise<void> | undefined;
  timer: unknown;
  restarts: number;
  /** This child's restarts inside the budget window (for its backoff, and its budget in 'child' scope). */
  history: number[];
}

/** A fresh record for a child that has not been started. */
export function newEntry(spec: ChildSpec): Entry {
  return {
    spec,
    status: 'stopped',
    handle: undefined,
    token: 0,
    starting: false,
    lateStop: undefined,
    stopping: undefined,
    timer: undefined,
    restarts: 0,
    history: [],
  };
}
