/**
 * The context of a position actor and the pure folds of evidence into it. Everything here is
 * JSON-serialisable (it is the persisted snapshot, versioned by `CONTEXT_VERSION`, see
 * `position.migrate.ts`) and pure: reports come in with their own times, nothing reads a
 * clock. The order tracks and their folds are in `order-track.ts`; what the evidence proves
 * (the verdicts) in `position.verdicts.ts`; the stops in `protection.ts`.
 */
import { gt, sub } from '../domain/decimal.js';
import { compareTiming, sourceLags, supersedes } from '../domain/freshness.js';
import type { PositionId } from '../domain/ids.js';
import type { Intent } from '../domain/intent.js';
import type { Market } from '../domain/market.js';
import type { Baseline, FillReport, OrderStatusReport, PositionStatusReport, ReportTiming } from '../domain/reports.js';
import {
  foldFill,
  foldOrderReport,
  isOutstanding,
  mapMatching,
  matches,
  type OrderTrack,
  type TrackRef,
} from './order-track.js';

export type { Baseline } from '../domain/reports.js';
export type { OrderTrack } from './order-track.js';

/**
 * The version of the persisted context this code writes and reads (older ones are migrated).
 * It is kept beside the context in the persisted snapshot (`contextVersion`), not in it.
 */
export const CONTEXT_VERSION = 4;

/** The timing settings of the config's `verification`, the protection policy and the budgets of stops and closes (`positionSettings`). */
export interface PositionSettings {
  readonly timeoutMs: number;
  readonly unknownAlertAfterMs: number;
  readonly closeVerifyAttempts: number;
  readonly closeVerifyWindowMs: number;
  readonly restLagMs: number;
  readonly reportStaleMs: number;
  readonly feedDownPollMs: number;
  readonly protectionOnFailure: 'rollback' | 'alert';
  /** How many close orders one close request may send before it asks a human (config `closing.maxOrders`). */
  readonly maxCloseOrders: number;
  /** How many stops that reached the venue the position places at most (config `protection.maxStops`). */
  readonly maxStops: number;
}

/** Why a position is being closed: its user, a refused stop (rollback), a flatten, an operator. */
export type CloseReason = 'user' | 'protection-refused' | 'flatten' | 'operator';

/** A close asked for: by whom, its request id (the same id delivered twice is one close), and its budget. */
export interface CloseRequest {
  readonly reason: CloseReason;
  readonly id: string | undefined;
  /** When it was asked (local time): its transient retries end `timeoutMs` later. */
  readonly at: number;
  /** Index in `closes` of this request's first close order. */
  readonly firstClose: number;
  /** `active` while posguard works on it; `gaveUp` once it handed the position to a human. */
  readonly status: 'active' | 'gaveUp';
}

/**
 * How a position reached `orphanAlert`: from its entry (`unknown`: a fill proven later hands
 * it back to protection), or from a close that failed or a position someone else changed
 * (it stays until flat is proven, a close, or an adopt).
 */
export type OrphanOrigin = 'entry' | 'close';

/** Which protection alert is standing, so that each is raised once until protection is back. */
export type ProtectionAlert = 'unconfirmed' | 'lost' | 'refused' | undefined;

/**
 * Keys that are `undefined` are left out (`?`), in new contexts and in what a report assigns:
 * XState copies the context with `Object.assign` on every assign, and V8's copy slows down
 * about tenfold once an object passes ~19 keys (measured: `npm run bench`, feed routing).
 */
/** What a position is, fixed when it starts: its id, its intent, its market and how it is run. */
export interface PositionSpec {
  readonly id: PositionId;
  readonly intent: Intent;
  readonly market: Market;
  readonly hedgeMode: boolean;
  readonly settings: PositionSettings;
}

export interface PositionContext {
  readonly spec: PositionSpec;
  readonly entry: OrderTrack;
  readonly baseline?: Baseline | undefined;
  /** Every stop this position ever placed, oldest first (a forgotten stop could outlive it). */
  readonly stops: readonly OrderTrack[];
  readonly closes: readonly OrderTrack[];
  readonly excess: readonly OrderTrack[];
  /** The freshest position report for the symbol, from any source. */
  readonly live?: PositionStatusReport | undefined;
  /** When a report last showed `live`'s state (or a newer one): a later REST read of the same state refreshes it. */
  readonly liveSeenAt?: number | undefined;
  /** The newest evidence that the position was not flat (a fill, a non-flat report). */
  readonly lastNonFlat?: ReportTiming | undefined;
  readonly closeRequest?: CloseRequest | undefined;
  readonly orphanFrom?: OrphanOrigin | undefined;
  readonly protectionAlert?: ProtectionAlert;
  /** After a stream gap: until this local time the position re-checks its size and stop from REST. */
  readonly recheckUntil?: number | undefined;
  /** When a report first showed an over-fill (it is reduced once a later read confirms it). */
  readonly overFillSince?: number | undefined;
  /**
   * The entry's fill as position reports proved it when the machine acted on it (`noteEntryProven`):
   * filled only grows, so a later report of the position (its stop fired, say) never unproves it.
   */
  readonly entryProven?: number | undefined;
  /**
   * `unknown`: a keyed intent whose earlier entry no look-up could rule out (`PrepareEntryOutput.unproven`):
   * every order of the position is looked up before it is sent (`SendOrderInput.lookUpFirst`).
   */
  readonly earlierLife?: 'unknown' | undefined;
  /** A restored send: a lookup that finds nothing is conclusive only from this local time on. */
  readonly resumeAfter?: number | undefined;
  /** Absolute deadline of the current waiting state, and when it was armed. */
  readonly deadline: number;
  readonly armedAt: number;
  readonly attempts: number;
  readonly feedUp: boolean;
  /** The latest local time seen in any event or effect result (the machine's notion of now). */
  readonly seenAt: number;
  /** Why the position ended as it did (or why it is in `orphanAlert`). */
  readonly reason?: string | undefined;
}

function timingOf(r: ReportTiming): ReportTiming {
  return { source: r.source, venueTime: r.venueTime, venueSeq: r.venueSeq, receivedAt: r.receivedAt };
}

/** The tracks a report changes (only those keys), or `undefined` when it changes none. */
type TrackChanges = Partial<Pick<PositionContext, 'entry' | 'stops' | 'closes' | 'excess'>>;

function trackChanges<R extends TrackRef>(
  ctx: PositionContext,
  r: R,
  f: (t: OrderTrack, r: R) => OrderTrack,
): TrackChanges | undefined {
  let out: { -readonly [K in keyof TrackChanges]: TrackChanges[K] } | undefined;
  if (matches(ctx.entry, r)) {
    const entry = f(ctx.entry, r);
    if (entry !== ctx.entry) (out ??= {}).entry = entry;
  }
  const stops = mapMatching(ctx.stops, r, f);
  if (stops !== ctx.stops) (out ??= {}).stops = stops;
  const closes = mapMatching(ctx.closes, r, f);
  if (closes !== ctx.closes) (out ??= {}).closes = closes;
  const excess = mapMatching(ctx.excess, r, f);
  if (excess !== ctx.excess) (out ??= {}).excess = excess;
  return out;
}

const newer = (a: ReportTiming, b: ReportTiming | undefined): boolean => b === undefined || compareTiming(a, b) > 0;

/** The newest non-flat evidence of `last` and `t` (`last` itself when `t` is not newer). */
function newerNonFlat(last: ReportTiming | undefined, t: ReportTiming): ReportTiming | undefined {
  const covers =
    last !== undefined &&
    t.venueSeq !== undefined &&
    last.venueSeq === undefined &&
    t.venueTime !== undefined &&
    last.venueTime !== undefined &&
    t.venueTime >= last.venueTime;
  return newer(t, last) || covers ? timingOf(t) : last;
}

/** Advances the machine's notion of now to `at` (never backwards). */
export function seen(ctx: PositionContext, at: number): PositionContext {
  return at > ctx.seenAt ? { ...ctx, seenAt: at } : ctx;
}

/** What a change set does to a context: the context itself when it changes nothing. */
const applied = (ctx: PositionContext, changes: Partial<PositionContext> | undefined): PositionContext =>
  changes === undefined ? ctx : { ...ctx, ...changes };

/**
 * The context fields an evidence report changes, or `undefined` when it changes none. The
 * `…Changes` functions are what the machine assigns (a small object per report); the
 * `apply…` functions give the whole next context.
 */
type ContextChanges = Partial<PositionContext> | undefined;

export function orderReportChanges(ctx: PositionContext, report: OrderStatusReport): ContextChanges {
  const out = evidenceChanges(
    ctx,
    report,
    trackChanges(ctx, report, foldOrderReport),
    matches(ctx.entry, report) && gt(report.filled, 0),
  );
  return overFillRearmed(ctx, out, report);
}

/** How many reductions of an over-fill a position sends at most. */
export const MAX_EXCESS_REDUCTIONS = 5;

/**
 * A reduction of an over-fill that ended without changing the position (it filled nothing: a
 * market protection, a remainder cancelled) leaves the over-fill the freshest report shows: it
 * is armed again from when the reduction was known ended, so that a read at least `restLagMs`
 * later that still shows it has it reduced again (seed 227; at most `MAX_EXCESS_REDUCTIONS`).
 */
function overFillRearmed(ctx: PositionContext, out: ContextChanges, report: OrderStatusReport): ContextChanges {
  if (out?.excess === undefined || ctx.overFillSince !== undefined || !ctx.excess.some(isOutstanding)) return out;
  const since = overFillAfterReduction({ ...ctx, ...out }, report.receivedAt);
  return since === undefined ? out : { ...out, overFillSince: since };
}

/**
 * When the over-fill counts from after a reduction was sent or ended at `at`: `undefined` while a
 * reduction may still be on the venue, after `MAX_EXCESS_REDUCTIONS`, or when the freshest report
 * shows no over-fill; else from `at` at the earliest (see `overFillRearmed`).
 */
export function overFillAfterReduction(ctx: PositionContext, at: number): number | undefined {
  if (ctx.excess.length >= MAX_EXCESS_REDUCTIONS || ctx.excess.some(isOutstanding)) return undefined;
  const since = overFillStart({ ...ctx, overFillSince: undefined }, ctx.live);
  return since === undefined ? undefined : Math.max(since, at);
}

export function fillChanges(ctx: PositionContext, fill: FillReport): ContextChanges {
  return evidenceChanges(ctx, fill, trackChanges(ctx, fill, foldFill), matches(ctx.entry, fill));
}

/** Track changes, plus the time seen and (for the entry's evidence of a fill) the newest non-flat evidence. */
function evidenceChanges(
  ctx: PositionContext,
  r: ReportTiming,
  tracks: TrackChanges | undefined,
  nonFlat: boolean,
): ContextChanges {
  let out: { -readonly [K in keyof PositionContext]?: PositionContext[K] } | undefined = tracks;
  if (r.receivedAt > ctx.seenAt) (out ??= {}).seenAt = r.receivedAt;
  if (nonFlat) {
    const lastNonFlat = newerNonFlat(ctx.lastNonFlat, r);
    if (lastNonFlat !== ctx.lastNonFlat) (out ??= {}).lastNonFlat = lastNonFlat;
  }
  return out;
}

export function positionReportChanges(ctx: PositionContext, report: PositionStatusReport): ContextChanges {
  // Reports are normalised fail-fast at the exchange boundary; one that still slips through
  // malformed stops the actor, whose supervisor restarts it from its last good snapshot.
  if (!Number.isFinite(report.size) || report.size < 0)
    throw new RangeError(`position report size is not a finite number >= 0: ${report.size}`);
  if (report.symbol !== ctx.spec.intent.symbol)
    return report.receivedAt > ctx.seenAt ? { seenAt: report.receivedAt } : undefined;
  const live = fresherReport(report, ctx.live) ? report : ctx.live;
  const lastNonFlat = report.size > 0 ? newerNonFlat(ctx.lastNonFlat, report) : ctx.lastNonFlat;
  const seenAt = report.receivedAt > ctx.seenAt ? report.receivedAt : ctx.seenAt;
  const confirms = ctx.live === undefined || compareTiming(report, ctx.live) >= 0;
  const liveSeenAt = confirms && report.receivedAt > (ctx.liveSeenAt ?? 0) ? report.receivedAt : ctx.liveSeenAt;
  const overFillSince = live === ctx.live ? ctx.overFillSince : overFillStart(ctx, live);
  if (live === ctx.live && lastNonFlat === ctx.lastNonFlat && seenAt === ctx.seenAt && liveSeenAt === ctx.liveSeenAt)
    return undefined;
  // Only the fields that change: every key assigned is a key XState copies on every later event.
  return overFillSince === ctx.overFillSince
    ? { live, lastNonFlat, seenAt, liveSeenAt }
    : { live, lastNonFlat, seenAt, liveSeenAt, overFillSince };
}

/**
 * When the over-fill `live` shows was first seen (kept while it lasts), or `undefined` when it
 * shows none. Like a fill, an over-fill counts only from a report of a later state than the
 * baseline's: a REST read lagging behind it may show a position that was closed before this
 * one began (seed 819, --bursts), never this position's over-fill.
 */
function overFillStart(ctx: PositionContext, live: PositionStatusReport | undefined): number | undefined {
  if (live === undefined || live.side !== ctx.spec.intent.side) return undefined;
  const base = ctx.baseline?.side === ctx.spec.intent.side ? ctx.baseline.size : 0;
  // The common case first (every report passes here): no baseline on the intent's side and a
  // size not above the intent cannot be an over-fill.
  if (base === 0 && live.size <= ctx.spec.intent.amount) return undefined;
  if (!gt(sub(live.size, base), ctx.spec.intent.amount)) return undefined;
  const since = ctx.baseline?.timing;
  if (since !== undefined && !supersedes(live, since, sourceLags(ctx.spec.settings.restLagMs))) return undefined;
  return ctx.overFillSince ?? live.receivedAt;
}

export const applyOrderReport = (ctx: PositionContext, report: OrderStatusReport): PositionContext =>
  applied(ctx, orderReportChanges(ctx, report));
export const applyPositionReport = (ctx: PositionContext, report: PositionStatusReport): PositionContext =>
  applied(ctx, positionReportChanges(ctx, report));

/**
 * Whether `report` should replace `live` as the freshest report: it is newer, or it shows the
 * same state from a better source (the stream, or a later REST read of the same state).
 */
function fresherReport(report: PositionStatusReport, live: PositionStatusReport | undefined): boolean {
  if (live === undefined) return true;
  const c = compareTiming(report, live);
  if (c !== 0) return c > 0;
  return live.source !== 'stream' && (report.source === 'stream' || report.receivedAt > live.receivedAt);
}
