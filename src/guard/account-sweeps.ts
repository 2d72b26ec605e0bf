/**
 * The sweeps of one account on the worker that owns it (see docs/architecture.md, Sweeps): a
 * sweep run with what this worker knows of the account, and the adoption of an orphan — by a
 * sweep's policy or by an operator (`takeOrphan`) — through the account's one admission
 * (`AccountPositions.admit`). Every entry point checks the lease in Redis first, so a worker
 * that lost the account without noticing yet does not act on its stale view.
 */
import type { WiredPositionMachine } from '../actors/position.wiring.js';
import type { AlertSink } from '../alerts/alert-sink.js';
import type { Clock } from '../clock.js';
import { clientOrderId } from '../domain/client-order-id.js';
import { NotOwner, OrphanRefused, SymbolBusy } from '../domain/errors.js';
import { sourceLags } from '../domain/freshness.js';
import { asClientOrderId, type PositionId } from '../domain/ids.js';
import { judgeOrphanRead } from '../domain/orphan-read.js';
import type { PositionStatusReport } from '../domain/reports.js';
import { strayStops } from '../domain/stray-stops.js';
import { FINAL_STATES, adoptedContext } from '../machines/position.machine.js';
import type { PositionSettings } from '../machines/position.context.js';
import { expectsStop } from '../machines/position.queries.js';
import type { Journal } from '../persistence/journal.js';
import type { LocalPosition, ReconcileSettings } from '../sweeps/reconcile.js';
import type { SweepScheduler } from '../sweeps/scheduler.js';
import { runSweep, type OrphanPolicy, type SweepKind, type SweepReport } from '../sweeps/sweep.js';
import type { AccountRuntime } from './account.js';
import type { AccountPositions } from './account-positions.js';
import type { PositionRegistry } from './registry.js';

/** Reconciliation settings without the per-market size tolerance. */
export type ReconcileSettingsBase = Omit<ReconcileSettings, 'sizeTolerance'>;

/** How the guard wires one account's sweeps: their schedule, settings, orphan policy and where reports go. */
export interface SweepDeps {
  readonly scheduler: SweepScheduler;
  readonly settings: ReconcileSettingsBase;
  readonly policy: OrphanPolicy;
  readonly onReport: (report: SweepReport) => Promise<void>;
}

export interface AccountSweepsDeps {
  readonly runtime: AccountRuntime;
  readonly clock: Clock;
  readonly settings: PositionSettings;
  readonly registry: PositionRegistry;
  readonly alerts: AlertSink;
  readonly journal: Journal;
  readonly machine: WiredPositionMachine;
  readonly positions: AccountPositions;
  readonly sweeps: SweepDeps;
  readonly workerId: string;
  readonly newId: () => PositionId;
  /** Whether this worker drives the account now, its lease checked in Redis. */
  readonly owns: () => Promise<boolean>;
}

export class AccountSweeps {
  private runs = 0;

  constructor(private readonly deps: AccountSweepsDeps) {}

  /** Runs one sweep of this account now; `NotOwner` unless this worker owns it. */
  async sweep(kind: SweepKind): Promise<SweepReport> {
    const { runtime, clock, sweeps, journal } = this.deps;
    if (!(await this.deps.owns())) throw new NotOwner(runtime.id);
    const report = await runSweep(kind, {
      account: runtime.id,
      port: runtime.sweepPort,
      now: () => clock.now(),
      local: () => this.localView(),
      known: () => runtime.evidence.all(),
      settings: {
        ...sweeps.settings,
        sizeTolerance: Math.min(...[...runtime.markets.values()].map((m) => m.amountStep), 1),
      },
      policy: sweeps.policy,
      runId: () => `${kind}-${clock.now()}-${++this.runs}`,
      worker: this.deps.workerId,
      actions: {
        raise: (draft, subject) => this.deps.alerts.raise(draft, { account: runtime.id, ...subject }),
        adopt: (report) => this.adopt(report),
        tell: (id, report) => runtime.actors.get(id)?.send({ type: 'POSITION_REPORT', report }),
        flatten: async (report) => {
          const id = await this.adopt(report);
          runtime.actors.get(id)?.send({ type: 'CLOSE', reason: 'flatten', at: this.deps.clock.now() });
          return id;
        },
        cancelStop: async (symbol, cid) => {
          await journal.fence(`cancelling the leftover stop ${cid}`);
          const outcome = await runtime.port.cancelOrder({ clientOrderId: asClientOrderId(cid) }, symbol);
          return outcome.kind === 'accepted'
            ? `cancelled ${cid}`
            : `cancelling ${cid}: ${outcome.kind} (${outcome.reason})`;
        },
      },
    });
    await sweeps.onReport(report);
    return report;
  }

  /** What this worker believes of the account's positions, for the sweeps: every row, and every symbol held (reservations included). */
  private localView(): { positions: LocalPosition[]; tracked: string[] } {
    const { runtime, registry } = this.deps;
    const positions = registry
      .rows()
      .filter((r) => r.account === runtime.id)
      .map((r) => {
        const ctx = runtime.actors.get(r.id)?.getSnapshot().context;
        return {
          id: r.id,
          symbol: r.symbol,
          side: r.side,
          state: r.state,
          final: FINAL_STATES.includes(r.state),
          size: r.size,
          updatedAt: r.updatedAt,
          expectsStop: ctx !== undefined && expectsStop(ctx),
        };
      });
    return { positions, tracked: runtime.locks.symbols() };
  }

  /**
   * An operator's adopt or flatten of an orphan found by a sweep (the dashboard's inbox): the
   * venue is read again first, and the read is judged against what the account knows of the
   * symbol (`SymbolEvidence`, by `judgeOrphanRead`) — refused when it is older, or as new but different, so a row
   * minutes old never adopts the ghost of a position that is gone; refused too when the venue
   * now holds something other than `expected`. Then the orphan is admitted like an intent
   * (`adopt`: the symbol reserved through `SymbolLocks`, `SymbolBusy` when an intent or a
   * position holds it); a flatten closes it reduce-only through its position actor.
   */
  async takeOrphan(
    symbol: string,
    how: 'adopt' | 'flatten',
    expected: { readonly side: string; readonly size: number },
  ): Promise<PositionId> {
    const { runtime, settings } = this.deps;
    if (!(await this.deps.owns())) throw new NotOwner(runtime.id);
    const read = (await runtime.sweepPort.fetchPositions()).find((p) => p.symbol === symbol);
    const verdict = judgeOrphanRead(read, runtime.evidence.latest(symbol), expected, sourceLags(settings.restLagMs));
    if (verdict.kind === 'refused') throw new OrphanRefused(runtime.id, symbol, verdict.why);
    const report = verdict.report;
    const id = await this.adopt(report);
    if (how === 'flatten') {
      const actor = runtime.actors.get(id);
      if (actor === undefined)
        throw new OrphanRefused(
          runtime.id,
          symbol,
          `adopted as position ${id}, whose actor is not running yet: close it (POST /v1/positions/${id}/close)`,
        );
      actor.send({ type: 'CLOSE', reason: 'flatten', at: this.deps.clock.now() });
    }
    return id;
  }

  /**
   * Takes over an orphan: a position that starts in `open`, journalled like any other, through
   * the same admission as an intent. Refused when the symbol is held (an intent being opened
   * or a position): then it is no orphan.
   */
  private async adopt(report: PositionStatusReport): Promise<PositionId> {
    const { runtime, clock, machine, journal, positions } = this.deps;
    const market = runtime.markets.get(report.symbol);
    if (market === undefined || report.side === undefined)
      throw new Error(`${report.symbol} cannot be adopted: not listed, or no side`);
    const reservation = runtime.locks.reserve(report.symbol);
    if (reservation === undefined) {
      const holder = runtime.locks.holder(report.symbol) ?? 'reserved';
      throw new SymbolBusy(runtime.id, report.symbol, holder === 'reserved' ? '(being opened)' : holder, 'tracked');
    }
    try {
      const id = this.deps.newId();
      const intent = { account: runtime.id, symbol: report.symbol, side: report.side, amount: report.size };
      const input = positions.inputOf(id, intent, market, runtime.feedUp);
      const stray = strayStops(await runtime.sweepPort.fetchOpenOrders(report.symbol), report.symbol, (pid) =>
        runtime.actors.has(pid),
      );
      const state = machine.resolveState({
        value: { open: 'watching' },
        context: adoptedContext(input, report, stray),
      });
      const snapshot = machine.getPersistedSnapshot(state);
      // The intent (marked adopted: its entry is never sent) and the adopted snapshot are issued
      // together, so they reach Redis in one fenced script call: no restart finds one without the other.
      const at = clock.now();
      await Promise.all([
        journal.recordIntent({
          positionId: id,
          intent,
          entryClientOrderId: clientOrderId(id, 'entry'),
          baseline: { side: undefined, size: 0 },
          at,
          origin: 'adopted',
        }),
        journal.confirmIntent(id),
        positions.saveSnapshot({
          positionId: id,
          state: 'open',
          final: false,
          snapshot: state,
          at,
          event: { type: 'ADOPT', payload: report },
        }),
      ]);
      void positions.admit(reservation, input, snapshot).catch(() => {});
      return id;
    } catch (e) {
      runtime.locks.cancel(reservation);
      throw e;
    }
  }
}
