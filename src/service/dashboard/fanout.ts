/**
 * What the dashboard learns besides transitions and alerts, put on the event stream from the
 * guard's events: a row that changed within its state (`row`), each sweep's report
 * (`sweep`) and the orphan inbox it leaves (`orphans`), and an account whose lease or feed
 * changed (`account`). With Redis these go into the fleet's one stream, so a page on any
 * worker sees every worker's.
 *
 * Receives: `GuardEvent`s. Sends: service events to the event log; a read that failed to the
 * log (with the account it concerned). Touches: the API's reads.
 *
 * @example
 * const fanout = dashboardFanout({ api, events, inbox, entryPrice, log });
 * createGuard(config, { onEvent: fanout });
 */
import type { GuardEvent } from '../../guard/guard.js';
import type { Logger } from '../../log/logger.js';
import type { PositionRow } from '../../guard/registry.js';
import type { EventLog, EventRowFields } from '../events/event-log.js';
import type { GuardApi } from '../guard-api.js';
import type { OrphanInbox } from '../orphan-inbox.js';

export interface FanoutDeps {
  readonly api: GuardApi;
  readonly events: EventLog;
  readonly inbox: OrphanInbox;
  /** Where a failed announcement is told (on a child with `component: 'dashboard'`). */
  readonly log: Logger;
  /** The entry price of a position this worker drives. */
  readonly entryPrice: (positionId: string) => number | undefined;
}

/** The fields of a row that an event carries (`entryPrice` when the worker knows it). */
export function rowFields(row: PositionRow, entryPrice?: number): EventRowFields {
  return {
    account: row.account,
    symbol: row.symbol,
    side: row.side,
    amount: row.amount,
    size: row.size,
    reason: row.reason,
    protection: row.protection,
    ...(entryPrice === undefined ? {} : { entryPrice }),
  };
}

/** Puts an account's view and its orphan inbox on the stream (after an action, a halt, a sweep). */
export async function announceAccount(deps: Pick<FanoutDeps, 'api' | 'events'>, account: string): Promise<void> {
  const view = (await deps.api.accounts()).find((a) => a.id === account);
  if (view !== undefined) deps.events.append({ type: 'account', account: view });
}

export async function announceOrphans(deps: Pick<FanoutDeps, 'api' | 'events'>, account: string): Promise<void> {
  deps.events.append({ type: 'orphans', account, rows: await deps.api.orphans(account) });
}

export function dashboardFanout(deps: FanoutDeps): (event: GuardEvent) => void {
  const log = deps.log.child({ component: 'dashboard' });
  const later = (what: string, account: string, work: Promise<unknown>) => {
    work.catch((err: unknown) => log.warn({ err, account }, `${what}; the dashboard shows it at its next change`));
  };
  return (event) => {
    switch (event.type) {
      case 'update':
        deps.events.append({
          type: 'row',
          positionId: event.row.id,
          state: event.row.state,
          at: event.row.updatedAt,
          row: rowFields(event.row, deps.entryPrice(event.row.id)),
        });
        return;
      case 'sweep':
        deps.events.append({ type: 'sweep', report: event.report });
        later(
          'the orphan inbox could not be announced',
          event.report.account,
          deps.inbox
            .rowsAfter(event.report)
            .then((rows) => deps.events.append({ type: 'orphans', account: event.report.account, rows })),
        );
        return;
      case 'lease':
        later('the account could not be announced', event.account, announceAccount(deps, event.account));
        return;
      case 'feed':
        later('the account could not be announced', event.account, announceAccount(deps, event.account));
        return;
      case 'transition':
        // A position that ends or starts frees or takes a symbol: the inbox may change.
        if (event.from === 'pending' || event.row.state === 'closed' || event.row.state === 'failed') {
          later('the orphan inbox could not be announced', event.row.account, announceOrphans(deps, event.row.account));
        }
        return;
      default:
        return;
    }
  };
}
