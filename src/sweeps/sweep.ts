/**
 * One sweep of one account: load → pure `reconcile` → commands. Receives the account's port,
 * its local view and the policy; sends alerts (`orphan`, `mismatch`) and, per
 * `sweeps.orphanPolicy`, adoptions or reduce-only flattens of orphans; keeps a report of the
 * run. Touches the port (two queries) and whatever `SweepActions` touch.
 *
 * The venue is loaded first and the local view second, so a position opened in between is
 * tracked, not an orphan. A failed query fails the sweep (never "flat"); running it twice is
 * safe: alerts are grouped by key, and an adopted orphan is tracked on the second run.
 */
import type { AlertDraft } from '../domain/alert.js';
import { errorText } from '../domain/errors.js';
import type { AccountId, PositionId } from '../domain/ids.js';
import type { PositionStatusReport } from '../domain/reports.js';
import type { ExchangePort } from '../exchange/port.js';
import {
  findOrphans,
  freshestView,
  reconcile,
  type Finding,
  type LocalPosition,
  type ReconcileSettings,
} from './reconcile.js';
import { planSweep, type OrphanPolicy, type SweepCommand, type SweepSubject } from './sweep-plan.js';

export type SweepKind = 'orphans' | 'reconcile';
export type { OrphanPolicy } from './sweep-plan.js';

export interface SweepActions {
  raise(draft: AlertDraft, subject: SweepSubject): void;
  /** Starts a position in `open` for an orphan; answers its id. */
  adopt(report: PositionStatusReport): Promise<PositionId>;
  /** Adopts an orphan and closes it reduce-only through its position actor. */
  flatten(report: PositionStatusReport): Promise<PositionId>;
  /** Hands a read of the venue to a position, as evidence it judges like its own reads. */
  tell(positionId: PositionId, report: PositionStatusReport): void;
  /** Cancels a leftover stop (fenced); answers what became of it. */
  cancelStop(symbol: string, clientOrderId: string): Promise<string>;
}

export interface SweepReport {
  readonly id: string;
  readonly account: AccountId;
  readonly kind: SweepKind;
  /** The worker that ran it (the holder of the account's lease). */
  readonly worker: string;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly findings: readonly Finding[];
  /** What was done about each finding, in the same order. */
  readonly actions: readonly string[];
  /** Set when the sweep could not load the venue (nothing was concluded). */
  readonly error?: string;
}

export interface SweepContext {
  readonly account: AccountId;
  readonly port: ExchangePort;
  readonly now: () => number;
  /** The account's positions and the symbols it holds (intents being opened included). */
  readonly local: () => { readonly positions: readonly LocalPosition[]; readonly tracked: readonly string[] };
  /** The freshest report the account knows of each symbol (read after the venue). */
  readonly known: () => ReadonlyMap<string, PositionStatusReport>;
  readonly settings: ReconcileSettings;
  readonly policy: OrphanPolicy;
  readonly actions: SweepActions;
  readonly runId: () => string;
  readonly worker: string;
}

export async function runSweep(kind: SweepKind, ctx: SweepContext): Promise<SweepReport> {
  const startedAt = ctx.now();
  const base = { id: ctx.runId(), account: ctx.account, kind, worker: ctx.worker, startedAt };
  let positions: PositionStatusReport[];
  let openOrders;
  try {
    // Venue first, local second (see the header).
    [positions, openOrders] = await Promise.all([ctx.port.fetchPositions(), ctx.port.fetchOpenOrders()]);
  } catch (e) {
    const error = `the sweep could not load the venue, nothing was concluded: ${errorText(e)}`;
    return { ...base, finishedAt: ctx.now(), findings: [], actions: [], error };
  }
  const local = ctx.local();
  const input = {
    now: ctx.now(),
    venue: { positions, openOrders },
    local: local.positions,
    tracked: local.tracked,
    known: ctx.known(),
    settings: ctx.settings,
  };
  const findings = kind === 'orphans' ? findOrphans(input) : reconcile(input);
  const view = freshestView(input);
  await askForUnlisted(findings, view, ctx.port);
  const actions: string[] = [];
  for (const command of planSweep(findings, view, ctx.policy)) actions.push(await carryOut(command, ctx));
  return { ...base, finishedAt: ctx.now(), findings, actions };
}

/**
 * A leftover stop is cancelled only on a symbol proven flat, and a venue's list of positions
 * leaves flat symbols out (Bybit, Binance): the symbols of leftover stops that the list left out
 * are asked for, each answered flat if not held (a positive flat report; see
 * docs/architecture.md, Sweeps), and added to `view`. A failed query leaves them out (alerted only).
 */
async function askForUnlisted(
  findings: readonly Finding[],
  view: Map<string, PositionStatusReport>,
  port: ExchangePort,
): Promise<void> {
  const unlisted = [
    ...new Set(findings.flatMap((f) => (f.kind === 'leftoverStop' && !view.has(f.symbol) ? [f.symbol] : []))),
  ];
  if (unlisted.length === 0) return;
  try {
    for (const r of await port.fetchPositions(unlisted)) if (unlisted.includes(r.symbol)) view.set(r.symbol, r);
  } catch {
    // Nothing is concluded from a failed query: the stops stay, and are alerted.
  }
}

/** Carries one command out; answers what was done, for the report. */
async function carryOut(c: SweepCommand, ctx: SweepContext): Promise<string> {
  ctx.actions.raise(c.alert, c.subject);
  if (c.kind === 'alert') return 'alerted';
  if (c.kind === 'tell') {
    ctx.actions.tell(c.positionId, c.report);
    return 'alerted; the read was handed to the position';
  }
  if (c.kind === 'cancelStop') {
    return ctx.actions
      .cancelStop(c.subject.symbol ?? '', c.clientOrderId)
      .catch((e: unknown) => `cancelling ${c.clientOrderId} failed: ${errorText(e)}`);
  }
  try {
    return c.kind === 'adopt'
      ? `adopted as ${await ctx.actions.adopt(c.report)}`
      : `flattening through ${await ctx.actions.flatten(c.report)}`;
  } catch (e) {
    const why = errorText(e);
    ctx.actions.raise(
      { kind: 'orphan', message: `${c.report.symbol}: the ${c.kind} of the orphan failed: ${why}` },
      c.subject,
    );
    return `${c.kind} failed: ${why}`;
  }
}
