/**
 * Makes an account's request budget visible (see docs/architecture.md, Request budget): each
 * backoff is logged and told as a guard event (the metrics count it), a run of refusals that
 * lasts is raised as a `rateLimited` alert, its end logged.
 *
 * Receives: the scheduler's `BudgetEvent`s. Sends: log lines, guard events, alerts.
 *
 * @example
 * new AccountRuntime(id, port, clock, …, budgetWatcher('main', { log, alerts, onEvent }));
 */
import type { AlertSink } from '../alerts/alert-sink.js';
import type { BudgetEvent } from '../budget/request-scheduler.js';
import { asAccountId } from '../domain/ids.js';
import type { Logger } from '../log/logger.js';

export interface BudgetWatcherDeps {
  readonly log: Logger;
  readonly alerts: AlertSink;
  readonly onEvent: (e: { readonly type: 'budget'; readonly event: BudgetEvent }) => void;
}

export function budgetWatcher(account: string, deps: BudgetWatcherDeps): (e: BudgetEvent) => void {
  const log = deps.log.child({ component: 'budget', account });
  return (e) => {
    deps.onEvent({ type: 'budget', event: e });
    if (e.type === 'backoff') {
      log.warn(
        { scope: e.scope, budget: e.budget, call: e.label, until: e.until, run: e.run },
        'the venue refused a request for its rate limit: every request sharing that limit waits',
      );
    } else if (e.type === 'recovered') {
      log.info({ scope: e.scope, budget: e.budget }, 'the venue answers again after a rate-limit backoff');
    } else {
      deps.alerts.raise(
        {
          kind: 'rateLimited',
          topic: e.budget,
          message: `account ${account}: the venue has been refusing requests for its rate limit (${e.scope === 'host' ? `the IP limit of ${e.budget}` : 'the account limit'}) for ${Math.round(e.sinceMs / 1000)} s and asks it to wait ${Math.round(e.waitMs / 1000)} s more; requests wait in its backoff, closes and stops first`,
        },
        { account: asAccountId(account) },
      );
    }
  };
}
