/**
 * The lines a person watching a worker wants, from the guard's events: an account taken over
 * (and how many positions were restored; a hedge-mode account said at once), a lease lost,
 * a feed live, down and recovered, each sweep (clean, or what it found), and every transition.
 * Alerts are logged by the alert sink itself, and what fails by the part it failed in (each on
 * the root logger's child with its `component`; see docs/architecture.md, Logging).
 *
 * Receives: `GuardEvent`s. Sends: log lines. Touches: nothing else.
 *
 * @example
 * const lifecycle = new LifecycleLog(log, Date.now);
 * createGuard(config, { onEvent: (e) => lifecycle.write(e) });
 */
import type { GuardEvent } from '../guard/guard.js';
import type { Logger } from '../log/logger.js';
import { describeFinding } from '../sweeps/reconcile.js';

export class LifecycleLog {
  /** When each account's feed went down (to say how long it was gone). */
  private readonly downSince = new Map<string, number>();
  private readonly everLive = new Set<string>();

  constructor(
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  write(event: GuardEvent): void {
    const log = this.log;
    switch (event.type) {
      case 'transition': {
        const { row, from } = event;
        log.info(
          {
            positionId: row.id,
            account: row.account,
            symbol: row.symbol,
            from,
            to: row.state,
            size: row.size,
            reason: row.reason,
          },
          `${row.symbol} ${from} → ${row.state}`,
        );
        return;
      }
      case 'alert':
        return; // the alert sink logs every alert (and its delivery) itself
      case 'update':
        return; // a row changed within its state: the API and the dashboard show it
      case 'lease':
        if (!event.held) {
          log.warn({ account: event.account }, `lease of account ${event.account} lost: another worker drives it now`);
          this.downSince.delete(event.account);
          this.everLive.delete(event.account);
          return;
        }
        log.info(
          { account: event.account, restored: event.restored, mode: event.mode },
          `account ${event.account} taken: ${event.restored} position${event.restored === 1 ? '' : 's'} restored`,
        );
        if (event.mode === 'hedge') {
          log.warn(
            { account: event.account },
            `account ${event.account} is in hedge (dual-side) mode: posguard refuses its intents; switch it to one-way mode`,
          );
        }
        return;
      case 'feed': {
        const { account, up } = event;
        if (!up) {
          if (!this.downSince.has(account)) this.downSince.set(account, this.now());
          log.warn({ account }, `feed of account ${account} is down: positions are verified by polling meanwhile`);
          return;
        }
        const since = this.downSince.get(account);
        this.downSince.delete(account);
        if (since !== undefined && this.everLive.has(account)) {
          log.info(
            { account, downForMs: this.now() - since },
            `feed of account ${account} recovered after ${Math.round((this.now() - since) / 1000)} s`,
          );
        } else {
          log.info({ account }, `feed of account ${account} is live`);
        }
        this.everLive.add(account);
        return;
      }
      case 'sweep': {
        const r = event.report;
        const what = r.kind === 'orphans' ? 'orphan sweep' : 'reconciliation';
        if (r.error !== undefined)
          log.warn(
            { account: r.account, kind: r.kind, error: r.error },
            `${what} of account ${r.account} failed; nothing was concluded`,
          );
        else if (r.findings.length === 0)
          log.info(
            { account: r.account, kind: r.kind, ms: r.finishedAt - r.startedAt },
            `${what} of account ${r.account}: clean`,
          );
        else {
          const found = r.findings.map((f, i) => `${describeFinding(f)} (${r.actions[i] ?? 'noted'})`);
          log.warn(
            { account: r.account, kind: r.kind, findings: r.findings.length },
            `${what} of account ${r.account} found ${r.findings.length}: ${found.join('; ')}`,
          );
        }
        return;
      }
    }
  }
}
