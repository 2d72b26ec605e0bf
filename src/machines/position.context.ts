/**
 * The context of a position actor and the pure functions that fold evidence into it.
 * Everything here is JSON-serialisable (it is the persisted snapshot) and pure: reports come
 * in with their own times, and nothing reads a clock.
 */
import type { OrderRole } from '../domain/client-order-id.js';
import { add, gt, gte, lte, min, sub } from '../domain/decimal.js';
import { judgeFlatReport, sourceLags } from '../domain/freshness.js';
import type { ClientOrderId, PositionId, VenueOrderId } from '../domain/ids.js';
import type { Intent } from '../domain/intent.js';
import type { Market } from '../domain/market.js';
import {
  isTerminalOrderStatus, type FillReport, type OrderStatusReport, type PositionStatusReport, type ReportTiming,
} from '../domain/reports.js';
import type { Side } from '../domain/side.js';

/** The timing settings of DESIGN section 10 `verification`, plus the protection policy. */
export interface PositionSettings {
  readonly timeoutMs: number;
  readonly unknownAlertAfterMs: number;
  readonly closeVerifyAttempts: number;
  readonly closeVerifyWindowMs: number;
  readonly restLagMs: number;
  readonly reportStaleMs: number;
  readonly feedDownPollMs: number;
  readonly protectionOnFailure: 'rollback' | 'alert';
  /** How many close orders one position may send before it asks a human (default 3). */
  readonly maxCloseOrders: number;
}

/** One order of this position: what was sent, and what the sources said of it since. */
export interface OrderTrack {
  readonly role: OrderRole;
  readonly clientOrderId: ClientOrderId;
  readonly side: Side;
  readonly amount: number;
  readonly venueOrderId: VenueOrderId | undefined;
  readonly sentAt: number | undefined;
  readonly send: 'not-sent' | 'accepted' | 'unknown' | 'rejected';
  readonly rejectReason: string | undefined;
  /** The freshest order report; `filled` never goes down, a terminal status never reopens. */
  readonly report: OrderStatusReport | undefined;
  readonly fillIds: readonly string[];
  readonly fillTotal: number;
}

/** The signed position on the symbol just before the entry was sent (the REST baseline). */
export interface Baseline {
  readonly side: Side | undefined;
  readonly size: number;
}

export type CloseReason = 'user' | 'protection-refused' | 'flatten';

export interface PositionContext {
  readonly id: PositionId;
  readonly intent: Intent;
  readonly market: Market;
  readonly hedgeMode: boolean;
  readonly settings: PositionSettings;
  readonly entry: OrderTrack;
  readonly baseline: Baseline | undefined;
  readonly stop: OrderTrack | undefined;
  readonly closes: readonly OrderTrack[];
  readonly excess: readonly OrderTrack[];
  /** The freshest position report for the symbol, from any source. */
  readonly live: PositionStatusReport | undefined;
  /** When a report last showed `live`'s state (or a newer one): a later REST read of the same state refreshes it. */
  readonly liveSeenAt?: number | undefined;
  /** The newest evidence that the position was not flat (a fill, a non-flat report). */
  readonly lastNonFlat: ReportTiming | undefined;
  readonly closeRequested: CloseReason | undefined;
  /** Absolute deadline of the current waiting state, and when it was armed. */
  readonly deadline: number;
  readonly armedAt: number;
  readonly attempts: number;
  readonly feedUp: boolean;
  /** The latest local time seen in any event or effect result (the machine's notion of now). */
  readonly seenAt: number;
  /** Why the position ended as it did (or why it is in `orphanAlert`). */
  readonly reason: string | undefined;
}

export function newOrderTrack(role: OrderRole, clientOrderId: ClientOrderId, side: Side, amount: number): OrderTrack {
  return {
    role, clientOrderId, side, amount, venueOrderId: undefined, sentAt: undefined, send: 'not-sent',
    rejectReason: undefined, report: undefined, fillIds: [], fillTotal: 0,
  };
}

const sign = (x: number): -1 | 0 | 1 => (x < 0 ? -1 : x > 0 ? 1 : 0);

/** -1, 0 or 1: whether `a` is older, as new as, or newer than `b` (sequence, venue time, receipt). */
export function compareTiming(a: ReportTiming, b: ReportTiming): -1 | 0 | 1 {
  if (a.venueSeq !== undefined && b.venueSeq !== undefined) return sign(a.venueSeq - b.venueSeq);
  if (a.venueTime !== undefined && b.venueTime !== undefined) return sign(a.venueTime - b.venueTime);
  return sign(a.receivedAt - b.receivedAt);
}

const newer = (a: ReportTiming, b: ReportTiming | undefined): boolean => b === undefined || compareTiming(a, b) > 0;

function timingOf(r: ReportTiming): ReportTiming {
  return { source: r.source, venueTime: r.venueTime, venueSeq: r.venueSeq, receivedAt: r.receivedAt };
}

/** Folds an order report into a track: filled only grows, a terminal status never reopens. */
export function foldOrderReport(track: OrderTrack, report: OrderStatusReport): OrderTrack {
  const prev = track.report;
  let next = report;
  // A report that is not newer and says what the track's report says changes nothing (a REST
  // read of an order the stream already reported).
  if (prev !== undefined && prev.status === report.status && prev.filled === report.filled && compareTiming(report, prev) <= 0
    && track.venueOrderId !== undefined) return track;
  if (prev !== undefined) {
    const prevTerminal = isTerminalOrderStatus(prev.status);
    if (prevTerminal && !isTerminalOrderStatus(report.status)) next = { ...report, status: prev.status };
    if (gt(prev.filled, next.filled)) next = { ...next, filled: prev.filled, averagePrice: prev.averagePrice };
  }
  return { ...track, report: next, venueOrderId: track.venueOrderId ?? report.venueOrderId };
}

export function foldFill(track: OrderTrack, fill: FillReport): OrderTrack {
  if (track.fillIds.includes(fill.tradeId)) return track;
  return { ...track, fillIds: [...track.fillIds, fill.tradeId], fillTotal: add(track.fillTotal, fill.amount) };
}

/** What the sources prove this order filled (the largest proven amount). */
export function provenFilled(track: OrderTrack): number {
  const reported = track.report?.filled ?? 0;
  return gt(track.fillTotal, reported) ? track.fillTotal : reported;
}

export function isTerminal(track: OrderTrack | undefined): boolean {
  return track?.report !== undefined && isTerminalOrderStatus(track.report.status);
}

/** What identifies the order a report is about. */
interface TrackRef {
  readonly clientOrderId: ClientOrderId | undefined;
  readonly venueOrderId: VenueOrderId;
}

function matches(track: OrderTrack, r: TrackRef): boolean {
  return (r.clientOrderId !== undefined && r.clientOrderId === track.clientOrderId)
    || (track.venueOrderId !== undefined && track.venueOrderId === r.venueOrderId);
}

/** The tracks a report changes (only those keys), or `undefined` when it changes none. */
type TrackChanges = Partial<Pick<PositionContext, 'entry' | 'stop' | 'closes' | 'excess'>>;

function trackChanges<R extends TrackRef>(ctx: PositionContext, r: R, f: (t: OrderTrack, r: R) => OrderTrack): TrackChanges | undefined {
  let out: { -readonly [K in keyof TrackChanges]: TrackChanges[K] } | undefined;
  if (matches(ctx.entry, r)) {
    const entry = f(ctx.entry, r);
    if (entry !== ctx.entry) (out ??= {}).entry = entry;
  }
  if (ctx.stop !== undefined && matches(ctx.stop, r)) {
    const stop = f(ctx.stop, r);
    if (stop !== ctx.stop) (out ??= {}).stop = stop;
  }
  const closes = mapMatching(ctx.closes, r, f);
  if (closes !== ctx.closes) (out ??= {}).closes = closes;
  const excess = mapMatching(ctx.excess, r, f);
  if (excess !== ctx.excess) (out ??= {}).excess = excess;
  return out;
}

/** `ts` with `f` applied to the tracks that match `r`; `ts` itself when none changed. */
function mapMatching<R extends TrackRef>(ts: readonly OrderTrack[], r: R, f: (t: OrderTrack, r: R) => OrderTrack): readonly OrderTrack[] {
  let out: OrderTrack[] | undefined;
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i] as OrderTrack;
    const next = matches(t, r) ? f(t, r) : t;
    if (next !== t) (out ??= ts.slice())[i] = next;
  }
  return out ?? ts;
}

/** The newest non-flat evidence of `last` and `t` (`last` itself when `t` is not newer). */
function newerNonFlat(last: ReportTiming | undefined, t: ReportTiming): ReportTiming | undefined {
  const covers = last !== undefined && t.venueSeq !== undefined && last.venueSeq === undefined
    && t.venueTime !== undefined && last.venueTime !== undefined && t.venueTime >= last.venueTime;
  return newer(t, last) || covers ? timingOf(t) : last;
}

/** Advances the machine's notion of now to `at` (never backwards). */
export function seen(ctx: PositionContext, at: number): PositionContext {
  return at > ctx.seenAt ? { ...ctx, seenAt: at } : ctx;
}

/** What a change set does to a context: the context itself when it changes nothing. */
const applied = (ctx: PositionContext, changes: Partial<PositionContext> | undefined): PositionContext =>
  (changes === undefined ? ctx : { ...ctx, ...changes });

/**
 * The context fields an evidence report changes, or `undefined` when it changes none. The
 * `…Changes` functions are what the machine assigns (a small object per report); the
 * `apply…` functions give the whole next context.
 */
type ContextChanges = Partial<PositionContext> | undefined;

export function orderReportChanges(ctx: PositionContext, report: OrderStatusReport): ContextChanges {
  return evidenceChanges(ctx, report, trackChanges(ctx, report, foldOrderReport), matches(ctx.entry, report) && gt(report.filled, 0));
}

export function fillChanges(ctx: PositionContext, fill: FillReport): ContextChanges {
  return evidenceChanges(ctx, fill, trackChanges(ctx, fill, foldFill), matches(ctx.entry, fill));
}

/** Track changes, plus the time seen and (for the entry's evidence of a fill) the newest non-flat evidence. */
function evidenceChanges(ctx: PositionContext, r: ReportTiming, tracks: TrackChanges | undefined, nonFlat: boolean): ContextChanges {
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
  if (!Number.isFinite(report.size) || report.size < 0) throw new RangeError(`position report size is not a finite number >= 0: ${report.size}`);
  if (report.symbol !== ctx.intent.symbol) return report.receivedAt > ctx.seenAt ? { seenAt: report.receivedAt } : undefined;
  const live = fresherReport(report, ctx.live) ? report : ctx.live;
  const lastNonFlat = report.size > 0 ? newerNonFlat(ctx.lastNonFlat, report) : ctx.lastNonFlat;
  const seenAt = report.receivedAt > ctx.seenAt ? report.receivedAt : ctx.seenAt;
  const confirms = ctx.live === undefined || compareTiming(report, ctx.live) >= 0;
  const liveSeenAt = confirms && report.receivedAt > (ctx.liveSeenAt ?? 0) ? report.receivedAt : ctx.liveSeenAt;
  if (live === ctx.live && lastNonFlat === ctx.lastNonFlat && seenAt === ctx.seenAt && liveSeenAt === ctx.liveSeenAt) return undefined;
  return { live, lastNonFlat, seenAt, liveSeenAt };
}

export const applyOrderReport = (ctx: PositionContext, report: OrderStatusReport): PositionContext => applied(ctx, orderReportChanges(ctx, report));
export const applyPositionReport = (ctx: PositionContext, report: PositionStatusReport): PositionContext => applied(ctx, positionReportChanges(ctx, report));

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

/** The signed size of a position: positive long, negative short. */
const signed = (side: Side | undefined, size: number): number => (side === 'sell' ? -size : side === 'buy' ? size : 0);

/** How much of the entry the position reports prove, as a change from the baseline. */
export function positionEvidence(ctx: PositionContext): number {
  const live = ctx.live;
  const sentAt = ctx.entry.sentAt;
  if (live === undefined || ctx.baseline === undefined || sentAt === undefined || live.receivedAt < sentAt) return 0;
  const change = sub(signed(live.side, live.size), signed(ctx.baseline.side, ctx.baseline.size));
  const along = ctx.intent.side === 'buy' ? change : -change;
  return gt(along, 0) ? along : 0;
}

export type EntryVerdict =
  | { readonly kind: 'filled'; readonly amount: number }
  | { readonly kind: 'partial'; readonly amount: number }
  | { readonly kind: 'dead'; readonly reason: string }
  | { readonly kind: 'none' };

/**
 * What the evidence proves about the entry: `filled` (the order is terminal with a fill, or
 * the whole amount is proven), `partial` (some fill proven, the order still working), `dead`
 * (the order itself reported cancelled/rejected/expired with zero fill and no other source
 * shows a fill), or `none`. Missing evidence never makes `dead`.
 */
export function entryVerdict(ctx: PositionContext): EntryVerdict {
  const byOrder = provenFilled(ctx.entry);
  const terminal = isTerminal(ctx.entry);
  // The order's own terminal report is the truth of what it filled. Before that, a position
  // change counts, but never as more than the intent asked for (the rest is someone else's,
  // or an over-fill that `open` reduces with an alert).
  const byPosition = terminal ? 0 : min(positionEvidence(ctx), ctx.intent.amount);
  const amount = gt(byPosition, byOrder) ? byPosition : byOrder;
  if (gt(amount, 0) && (terminal || gte(amount, ctx.intent.amount))) return { kind: 'filled', amount };
  if (gt(amount, 0)) return { kind: 'partial', amount };
  if (terminal && ctx.entry.report !== undefined) return { kind: 'dead', reason: `entry ${ctx.entry.report.status} with zero fill` };
  return { kind: 'none' };
}

export function filledAmount(ctx: PositionContext): number {
  const v = entryVerdict(ctx);
  return v.kind === 'filled' || v.kind === 'partial' ? v.amount : 0;
}

/** What this position's own orders hold: the entry's fill less what its closes and reductions filled. */
export function ownHolding(ctx: PositionContext): number {
  const reduced = [...ctx.closes, ...ctx.excess].reduce((sum, t) => add(sum, provenFilled(t)), 0);
  const held = sub(filledAmount(ctx), reduced);
  return gt(held, 0) ? held : 0;
}

/** True when the freshest report is flat and it counts under the freshness rule. */
export function flatProven(ctx: PositionContext): boolean {
  const live = ctx.live;
  if (live === undefined || live.size !== 0) return false;
  return judgeFlatReport(live, ctx.lastNonFlat, sourceLags(ctx.settings.restLagMs)).counts;
}

/** The freshest report is flat, but it does not count (yet) under the freshness rule. */
export function flatUnproven(ctx: PositionContext): boolean {
  // A reported size is flat exactly when it is 0 (sizes come from the venue, not from sums).
  return ctx.live !== undefined && ctx.live.size === 0 && !flatProven(ctx);
}

/** True when the freshest report is not flat and was received within `reportStaleMs` of `now`. */
export function freshNonFlat(ctx: PositionContext, now: number): boolean {
  const live = ctx.live;
  const seen = Math.max(live?.receivedAt ?? 0, ctx.liveSeenAt ?? 0);
  return live !== undefined && gt(live.size, 0) && now - seen <= ctx.settings.reportStaleMs;
}

/** A size above what the intent asked for, by a fresh report on the intent's side. */
export function overFill(ctx: PositionContext): number {
  const live = ctx.live;
  if (live === undefined || live.side !== ctx.intent.side) return 0;
  // Fast path for the common case (evaluated after every event): a size not above the
  // intent, with no baseline on the same side, cannot be an over-fill.
  if (live.size <= ctx.intent.amount && ctx.baseline?.side !== ctx.intent.side) return 0;
  const base = ctx.baseline?.side === ctx.intent.side ? ctx.baseline.size : 0;
  const excess = sub(sub(live.size, base), ctx.intent.amount);
  const pending = ctx.excess.some((t) => !isTerminal(t) && t.send !== 'rejected');
  return !pending && gt(excess, 0) && lte(ctx.market.amountStep, excess) ? excess : 0;
}

/** The stop still needs cancelling before the position may be called closed. */
export function stopOutstanding(ctx: PositionContext): boolean {
  const stop = ctx.stop;
  if (stop === undefined) return false;
  // A report of the stop proves it exists, even if its create reply never reached us (the
  // stream can beat the reply, and leaving `placing` drops the reply).
  if (stop.report !== undefined) return !isTerminal(stop);
  return stop.send === 'accepted' || stop.send === 'unknown';
}
