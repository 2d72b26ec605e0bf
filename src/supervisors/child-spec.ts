/**
 * Child specs: what a supervisor knows about each child (OTP style, as data).
 * Receives nothing and sends nothing: types, plus the pure rule of which exits are restarted.
 * A child is anything that can be started with an `exit` callback and stopped through a handle.
 *
 * @example
 * const ticker: ChildSpec = {
 *   id: 'ticker', restart: 'permanent', shutdownMs: 1_000,
 *   start: (exit) => { const t = connect(); t.onClose((err) => exit(err ? { kind: 'error', error: err } : { kind: 'normal' })); return { stop: () => t.close() }; },
 * };
 */

/** How a child ended on its own: it finished (`normal`) or it crashed (`error`). */
export type ExitReason = { readonly kind: 'normal' } | { readonly kind: 'error'; readonly error: unknown };

/**
 * OTP restart types: `permanent` is always restarted, `transient` only after an error exit,
 * `temporary` never (it leaves the supervisor when it ends).
 */
export type RestartType = 'permanent' | 'transient' | 'temporary';

/** What `start` returns: the way to stop the running child. A returned promise is awaited. */
export interface ChildHandle {
  stop(): void | Promise<void>;
}

/**
 * A child of a supervisor.
 *
 * `start(exit)` starts the child and must call `exit` once when the child ends on its own
 * (normal completion or crash); it may do so synchronously, inside `start`. A call to `exit`
 * after the supervisor asked the child to stop, and any second call, is ignored. If `start`
 * throws, that is an error exit. `shutdownMs` bounds how long `stop()` is awaited; without
 * it the supervisor waits for as long as `stop()` takes.
 *
 * @example
 * const spec: ChildSpec = { id: 'feed:main', restart: 'permanent', start: (exit) => startFeed(exit) };
 */
export interface ChildSpec {
  readonly id: string;
  readonly restart: RestartType;
  readonly shutdownMs?: number;
  /**
   * When this child spends its restart budget: `escalate` (the OTP default: the supervisor
   * stops every child and escalates) or `give-up` (this child alone leaves the supervisor, with
   * a `gaveUp` event; the others run on). A child that stands alone — one position among many —
   * gives up rather than take its siblings down.
   */
  readonly onBudgetSpent?: 'escalate' | 'give-up';
  start(exit: (reason: ExitReason) => void): ChildHandle;
}

/**
 * Whether a child that ended with `reason` is started again (the OTP rule; pure).
 *
 * @example
 * shouldRestart('transient', { kind: 'normal' }); // false
 * shouldRestart('transient', { kind: 'error', error: new Error('boom') }); // true
 */
export function shouldRestart(restart: RestartType, reason: ExitReason): boolean {
  switch (restart) {
    case 'permanent':
      return true;
    case 'transient':
      return reason.kind === 'error';
    case 'temporary':
      return false;
  }
}

/**
 * A short human description of an exit, for messages and logs.
 *
 * @example
 * describeExit({ kind: 'error', error: new Error('socket closed') }); // 'error: socket closed'
 */
export function describeExit(reason: ExitReason): string {
  if (reason.kind === 'normal') return 'normal exit';
  const { error } = reason;
  return `error: ${error instanceof Error ? error.message : String(error)}`;
}
