/**
 * The pure part of the sweeps (see docs/architecture.md, Sweeps): what posguard believes against what the
 * exchange holds, with the time passed in. Receives the venue's view (loaded first) and the
 * local view (loaded second, so that a position opened in between counts as tracked); returns
 * findings. Touches nothing.
 *
 * Every non-final local position — `pending` included — tracks its symbol, and so does every
 * symbol the account holds for an intent being opened (`tracked`). A venue position that
 * nothing tracks is an orphan; the rest are differences (`mismatch`). Each symbol is judged
 * on the freshest report of it: the venue's read, unless what the account already knows
 * (`known`: the stream, a position's proven close) shows a later state — a lagging REST read
 * never overrules fresher evidence, so no ghost of a closed position is called an orphan.
 *
 * @example
 * const findings = reconcile({ account: 'main', now, venue, local, settings });
 */
import { CLIENT_ORDER_ID_PREFIX, parseClientOrderId } from '../domain/client-order-id.js';
import { abs, gt, gte, isZero, sub } from '../domain/decimal.js';
import { sourceLags, supersedes } from '../domain/freshness.js';
import type { PositionId } from '../domain/ids.js';
import type { OrderStatusReport, PositionStatusReport } from '../domain/reports.js';
import type { Side } from '../domain/side.js';

/** A position as posguard's registry sees it. */
export interface LocalPosition {
  readonly id: PositionId;
  readonly symbol: string;
  readonly side: Side;
  readonly state: string;
  readonly final: boolean;
  /** The size posguard believes the venue holds for it. */
  readonly size: number;
  /** Whether the position should hold a protective stop now. */
  readonly expectsStop: boolean;
  readonly updatedAt: number;
}

export interface VenueView {
  readonly positions: readonly PositionStatusReport[];
  /** Open orders; `undefined` for an orphan sweep, which does not load them. */
  readonly openOrders: readonly OrderStatusReport[] | undefined;
}

export interface ReconcileSettings {
  readonly stuckAfterMs: number;
  /** How far REST may lag the stream (a read is judged against what is known by it). */
  readonly restLagMs: number;
  readonly ignoreClientOrderIdPrefixes: readonly string[];
  /** Sizes that differ by less than this are equal (the market's amount step, at most). */
  readonly sizeTolerance: number;
}

export type Finding =
  | { readonly kind: 'orphan'; readonly symbol: string; readonly side: Side; readonly size: number }
  | {
      readonly kind: 'sizeMismatch';
      readonly positionId: PositionId;
      readonly symbol: string;
      readonly local: number;
      readonly venue: number;
    }
  | {
      readonly kind: 'sideMismatch';
      readonly positionId: PositionId;
      readonly symbol: string;
      readonly local: Side;
      readonly venue: Side;
    }
  | { readonly kind: 'missingStop'; readonly positionId: PositionId; readonly symbol: string }
  | {
      readonly kind: 'leftoverStop';
      readonly symbol: string;
      readonly clientOrderId: string;
      readonly positionId: PositionId | undefined;
    }
  | {
      readonly kind: 'stuck';
      readonly positionId: PositionId;
      readonly symbol: string;
      readonly state: string;
      readonly sinceMs: number;
    }
  | { readonly kind: 'closedButHeld'; readonly positionId: PositionId; readonly symbol: string; readonly size: number };

/** States in which a position is expected to sit for long: they are never "stuck". */
const RESTING = new Set(['open', 'orphanAlert']);
/** States in which a position holds what it believes: size, side and stop are compared with the venue. */
const HOLDING = new Set(['open', 'orphanAlert']);

export interface ReconcileInput {
  readonly now: number;
  readonly venue: VenueView;
  readonly local: readonly LocalPosition[];
  /** Symbols the account holds (positions and intents being opened): never orphans. */
  readonly tracked?: readonly string[];
  /** The freshest report the account knows of each symbol (the stream's, a close's proof). */
  readonly known?: ReadonlyMap<string, PositionStatusReport>;
  readonly settings: ReconcileSettings;
}

const held = (p: PositionStatusReport): boolean => gt(p.size, 0) && p.side !== undefined;

/**
 * Each symbol's freshest report: the venue's read, or what is known when that shows a later
 * state (see the header). Symbols known to hold a position the read left out are kept too.
 */
export function freshestView(input: ReconcileInput): Map<string, PositionStatusReport> {
  const lags = sourceLags(input.settings.restLagMs);
  const out = new Map<string, PositionStatusReport>();
  for (const p of input.venue.positions) {
    const known = input.known?.get(p.symbol);
    out.set(p.symbol, known !== undefined && !supersedes(p, known, lags) ? known : p);
  }
  return out;
}

/** Orphans only: venue positions (by their freshest report) that nothing tracks. */
export function findOrphans(input: ReconcileInput): Finding[] {
  const tracked = new Set([...input.local.filter((p) => !p.final).map((p) => p.symbol), ...(input.tracked ?? [])]);
  const foreign = foreignSymbols(input.venue.openOrders, input.settings.ignoreClientOrderIdPrefixes);
  return [...freshestView(input).values()]
    .filter((p) => held(p) && !tracked.has(p.symbol) && !foreign.has(p.symbol))
    .map((p) => ({ kind: 'orphan', symbol: p.symbol, side: p.side as Side, size: p.size }));
}

/** Every difference between belief and the venue, orphans included. */
export function reconcile(input: ReconcileInput): Finding[] {
  const { now, venue, local, settings } = input;
  const findings: Finding[] = findOrphans(input);
  const bySymbol = freshestView(input);
  const live = local.filter((p) => !p.final);
  const liveIds = new Set(live.map((p) => p.id));
  const ours = (venue.openOrders ?? []).map((o) => ({
    o,
    id: o.clientOrderId === undefined ? undefined : parseClientOrderId(o.clientOrderId),
  }));
  const stopped = new Set(
    ours.filter((x) => x.id?.role.startsWith('stop') === true && x.o.status === 'open').map((x) => x.id?.position),
  );
  for (const p of live) {
    const v = bySymbol.get(p.symbol);
    if (HOLDING.has(p.state) && v !== undefined) {
      if (held(v) && v.side !== p.side) {
        findings.push({
          kind: 'sideMismatch',
          positionId: p.id,
          symbol: p.symbol,
          local: p.side,
          venue: v.side as Side,
        });
      } else if (!isZero(sub(v.size, p.size)) && gte(abs(sub(v.size, p.size)), settings.sizeTolerance)) {
        findings.push({ kind: 'sizeMismatch', positionId: p.id, symbol: p.symbol, local: p.size, venue: v.size });
      }
    }
    if (HOLDING.has(p.state) && p.expectsStop && venue.openOrders !== undefined && !stopped.has(p.id)) {
      findings.push({ kind: 'missingStop', positionId: p.id, symbol: p.symbol });
    }
    if (!RESTING.has(p.state) && now - p.updatedAt >= settings.stuckAfterMs) {
      findings.push({ kind: 'stuck', positionId: p.id, symbol: p.symbol, state: p.state, sinceMs: now - p.updatedAt });
    }
  }
  for (const { o, id } of ours) {
    if (id === undefined || !id.role.startsWith('stop') || liveIds.has(id.position)) continue;
    findings.push({
      kind: 'leftoverStop',
      symbol: o.symbol,
      clientOrderId: o.clientOrderId as string,
      positionId: id.position,
    });
  }
  const trackedSymbols = new Set(live.map((p) => p.symbol));
  for (const p of local) {
    const v = bySymbol.get(p.symbol);
    if (p.state === 'closed' && v !== undefined && held(v) && !trackedSymbols.has(p.symbol)) {
      findings.push({ kind: 'closedButHeld', positionId: p.id, symbol: p.symbol, size: v.size });
    }
  }
  return findings;
}

/** Symbols with an open order whose client id carries another program's prefix. */
function foreignSymbols(orders: readonly OrderStatusReport[] | undefined, prefixes: readonly string[]): Set<string> {
  const out = new Set<string>();
  if (prefixes.length === 0) return out;
  for (const o of orders ?? []) {
    const cid = o.clientOrderId ?? '';
    if (!cid.startsWith(CLIENT_ORDER_ID_PREFIX) && prefixes.some((prefix) => cid.startsWith(prefix))) out.add(o.symbol);
  }
  return out;
}

/** One line a human can read, for the alert of a finding. */
export function describeFinding(f: Finding): string {
  switch (f.kind) {
    case 'orphan':
      return `${f.symbol}: the exchange holds ${f.size} ${f.side === 'buy' ? 'long' : 'short'} that no posguard position tracks`;
    case 'sizeMismatch':
      return `${f.symbol}: position ${f.positionId} believes ${f.local}, the exchange holds ${f.venue}`;
    case 'sideMismatch':
      return `${f.symbol}: position ${f.positionId} is ${f.local}, the exchange holds the ${f.venue} side`;
    case 'missingStop':
      return `${f.symbol}: position ${f.positionId} is open without its protective stop on the exchange`;
    case 'leftoverStop':
      return `${f.symbol}: stop ${f.clientOrderId} is still on the exchange, but its position is no longer live`;
    case 'stuck':
      return `${f.symbol}: position ${f.positionId} has been in ${f.state} for ${Math.round(f.sinceMs / 1000)} s`;
    case 'closedButHeld':
      return `${f.symbol}: position ${f.positionId} is closed, but the exchange still holds ${f.size}`;
  }
}
