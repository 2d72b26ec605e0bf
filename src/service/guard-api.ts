/**
 * What the HTTP API asks of posguard: a small interface that the embedded guard implements
 * today (`local-guard-api.ts`) and a fleet client can implement later (intents and closes
 * handed to the lease holder through Redis). The routes know nothing else.
 *
 * @example
 * const api: GuardApi = localGuardApi(guard, { redis, prefix: 'pg:' });
 * await api.open({ account: 'paper', symbol: 'AVL/USDT:USDT', side: 'buy', amount: 43 });
 */
import type { StoredAlert } from '../alerts/alert-sink.js';
import type { CloseAnswer } from '../guard/close-answer.js';
import type { FlattenStarted } from '../fleet/fleet.js';
import type { StoredRow } from '../fleet/stored-positions.js';
import type { ClosePreview, OrderView } from '../machines/position.queries.js';
import type { PositionStateName } from '../machines/position.machine.js';
import type { SweepKind, SweepReport } from '../sweeps/sweep.js';

/** A position as the API lists it: its stored row, with when it entered its state and its entry price. */
export interface PositionSummary extends StoredRow {
  /** When the position entered its current state (ms since the epoch). */
  readonly since: number;
  /** The entry price the venue reports (for the notional), while this worker drives the position. */
  readonly entryPrice?: number;
}

/** One entry of a position's history: a transition and what caused it. */
export interface HistoryItem {
  readonly at: number;
  readonly state: string;
  /** The event that caused it (with Redis: the machine event and its raw exchange payload). */
  readonly event?: string;
  readonly payload?: unknown;
}

export interface PositionDetail extends PositionSummary {
  /** `redis`: the position's history stream (events and raw payloads); `memory`: what this worker saw (events and payloads while it ran). */
  readonly historySource: 'redis' | 'memory';
  readonly history: readonly HistoryItem[];
  /** The orders it sent with their client ids (from its actor, while this worker drives it). */
  readonly orders?: readonly OrderView[];
  /** Operator actions on it (close, adopt), oldest first. */
  readonly actions: readonly OperatorAction[];
}

/** What an operator did through the API (the dashboard, the CLI): who, what, why, and the result. */
export interface OperatorAction {
  readonly id: string;
  readonly at: number;
  /** The token's name. */
  readonly by: string;
  /** `close`, `halt`, `resume`, `flatten`, `ack`, `sweep`, `adopt`, `flattenOrphan`, `dismissOrphan`. */
  readonly what: string;
  readonly account?: string;
  readonly symbol?: string;
  readonly positionId?: string;
  readonly alertId?: string;
  readonly why?: string;
  /** `done`, or `refused: <reason>`. */
  readonly result: string;
}

/** A position on the venue that no posguard position tracks, found by a sweep: the orphan inbox. */
export interface OrphanRow {
  readonly account: string;
  readonly symbol: string;
  readonly side: string;
  readonly size: number;
  /** When the sweep that found it finished, and its id. */
  readonly foundAt: number;
  readonly sweepId: string;
}

/** The close preview of a position, labelled as such: the order is planned again from a fresh report when the close is carried out. */
export type ClosePreviewAnswer = ClosePreview & { readonly id: string; readonly preview: true; readonly note: string };

export interface AlertView extends StoredAlert {
  readonly acknowledged?: { readonly at: number; readonly by: string };
}

/** What a close request found, and so what is now happening (`src/guard/close-answer.ts`). */
export type { CloseAnswer } from '../guard/close-answer.js';

export interface AccountView {
  readonly id: string;
  readonly exchange: string;
  /** Whether this worker drives the account now (holds its lease). */
  readonly owned: boolean;
  /** `active`, or `halted` (new intents refused) with why. */
  readonly trading: 'active' | 'halted';
  readonly haltedBecause?: string;
  /** The private stream as this worker last saw it; `unknown` on a worker that does not drive the account. */
  readonly feed: 'live' | 'down' | 'unknown';
  /** The position mode found when the account was taken (`hedge` accounts refuse intents). */
  readonly mode?: 'one-way' | 'hedge';
  /** When the feed state last changed, as this worker saw it. */
  readonly feedSince?: number;
  /** When this worker last heard the account's private stream (accounts it drives). */
  readonly lastMessageAt?: number;
  /** The worker that holds the account's lease (with Redis; this worker's name without). */
  readonly holder?: string;
}

export interface GuardApi {
  readonly persistence: 'redis' | 'memory';
  accounts(): Promise<AccountView[]>;
  /** Resolves once the intent is journalled. */
  open(intent: unknown): Promise<{ id: string; state: PositionStateName }>;
  close(positionId: string): Promise<CloseAnswer>;
  positions(filter?: { readonly state?: PositionStateName; readonly account?: string }): Promise<PositionSummary[]>;
  position(positionId: string): Promise<PositionDetail>;
  /** Halts the account (persisted and fleet-wide with Redis); `by` is the token's name. */
  halt(account: string, reason: string, by: string): Promise<AccountView>;
  resume(account: string): Promise<AccountView>;
  /** Halts the account (persisted), aborts its entries not claimed yet, and asks its owner to close every non-final position of posguard's. */
  flatten(account: string, reason: string, by: string): Promise<FlattenStarted>;
  /** A position's state wherever it is driven; `undefined` when it is unknown. */
  positionState(positionId: string): Promise<PositionStateName | undefined>;
  alerts(): Promise<AlertView[]>;
  ackAlert(alertId: string, by: string): Promise<AlertView>;
  sweep(kind: SweepKind, account?: string): Promise<SweepReport[]>;
  sweeps(account?: string): Promise<SweepReport[]>;
  /** What a close asked now would send first (a preview; see `ClosePreviewAnswer`). */
  closePreview(positionId: string): Promise<ClosePreviewAnswer>;
  /** The orphan inbox: what the latest sweeps found that nothing tracks, less what was dismissed or taken. */
  orphans(account?: string): Promise<OrphanRow[]>;
  /** Adopts or flattens (reduce-only) an orphan of the inbox after reading the venue again; answers the new position's id. */
  takeOrphan(account: string, symbol: string, how: 'adopt' | 'flatten', by: string): Promise<{ positionId: string }>;
  /** Takes an orphan out of the inbox for as long as the venue holds the same (side and size). */
  dismissOrphan(account: string, symbol: string, reason: string, by: string): Promise<OrphanRow>;
}
