/**
 * Supervisors (Erlang/OTP style): specs as data, the pure budget and backoff arithmetic, the
 * runtime and the XState adapter. Receives and sends nothing itself: it re-exports.
 *
 * @example
 * import { Supervisor, actorChild, type SupervisorSpec } from '../supervisors/index.js';
 */
export {
  shouldRestart,
  describeExit,
  type ChildHandle,
  type ChildSpec,
  type ExitReason,
  type RestartType,
} from './child-spec.js';
export { validateSupervisorSpec, validateChildSpec, type BackoffSpec, type SupervisorSpec } from './supervisor-spec.js';
export { recordRestart, recentRestarts, type RestartVerdict } from './restart-budget.js';
export { backoffDelay, baseDelay } from './backoff.js';
export { stopWithin } from './shutdown.js';
export { Supervisor, type SupervisorOptions } from './supervisor.js';
export type {
  ChildInfo,
  ChildStatus,
  SupervisorEvent,
  SupervisorEventType,
  SupervisorStatus,
} from './supervisor-events.js';
export { actorChild, type ActorChildOptions } from './actor-child.js';
export {
  DuplicateChild,
  InvalidSupervisorSpec,
  ShutdownTimeout,
  SupervisorEscalation,
  SupervisorNotRunning,
} from './errors.js';
