/**
 * What this worker knows of each configured account, learnt from the guard's events: whether
 * it drives the account (lease taken / lost), the position mode found then, the private
 * stream's state, its reconnects, and the latest sweep of each kind. The accounts route, the
 * readiness body and the metrics read it.
 *
 * Receives: `GuardEvent`s. Sends nothing. Touches nothing.
 *
 * @example
 * const board = new AccountBoard(config.accounts.map((a) => a.id));
 * createGuard(config, { onEvent: (e) => board.observe(e, Date.now()) });
 */
import type { GuardEvent } from '../guard/guard.js';
import type { SweepKind, SweepReport } from '../sweeps/sweep.js';

export interface AccountState {
  owned: boolean;
  mode: 'one-way' | 'hedge' | undefined;
  feed: 'live' | 'down' | 'unknown';
  /** When the feed state last changed. */
  feedSince: number | undefined;
  /** Times the feed came back live after being down. */
  reconnects: number;
  lastSweep: Partial<Record<SweepKind, SweepReport>>;
  /** When the latest reconciliation that could load the venue finished. */
  lastGoodReconcileAt: number | undefined;
}

export class AccountBoard {
  private readonly states = new Map<string, AccountState>();

  constructor(accounts: readonly string[]) {
    for (const id of accounts) {
      this.states.set(id, {
        owned: false,
        mode: undefined,
        feed: 'unknown',
        feedSince: undefined,
        reconnects: 0,
        lastSweep: {},
        lastGoodReconcileAt: undefined,
      });
    }
  }

  get ids(): string[] {
    return [...this.states.keys()];
  }

  get(account: string): Readonly<AccountState> | undefined {
    return this.states.get(account);
  }

  observe(event: GuardEvent, now: number): void {
    if (event.type === 'lease') {
      const s = this.states.get(event.account);
      if (s === undefined) return;
      s.owned = event.held;
      if (event.held) s.mode = event.mode;
      else {
        s.feed = 'unknown';
        s.feedSince = now;
      }
    } else if (event.type === 'feed') {
      const s = this.states.get(event.account);
      if (s === undefined) return;
      if (event.up && s.feed === 'down') s.reconnects += 1;
      s.feed = event.up ? 'live' : 'down';
      s.feedSince = now;
    } else if (event.type === 'sweep') {
      const s = this.states.get(event.report.account);
      if (s === undefined) return;
      s.lastSweep[event.report.kind] = event.report;
      if (event.report.kind === 'reconcile' && event.report.error === undefined)
        s.lastGoodReconcileAt = event.report.finishedAt;
    }
  }
}
