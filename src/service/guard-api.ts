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
import type { Protection } from '../machines/position.queries.js';
import type { PositionStateName } from '../machines/position.machine.js';
import type { SweepKind, SweepReport } from '../sweeps/sweep.js';

/** A position as the API lists it. */
export interface PositionSummary {
  readonly id: string;
  readonly account: string;
  readonly symbol: string;
  readonly side: string;
  readonly amount: number;
  readonly state: PositionStateName;
  readonly size: number;
  readonly reason: string | undefined;
  /** Whether its stop is working (`kind`: notRequested, notNeeded, confirmed, triggered, unconfirmed, lost, refused; with the stop and since when). */
  readonly protection: Protection;
  /** When the position entered its current state (ms since the epoch). */
  readonly since: number;
  readonly updatedAt: number;
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
  /** `redis`: the position's history stream (events and raw payloads); `memory`: the states it went through. */
  readonly historySource: 'redis' | 'memory';
  readonly history: readonly HistoryItem[];
}

export interface AlertView extends StoredAlert {
  readonly acknowledged?: { readonly at: number; readonly by: string };
}

/** What a close request found, and so what is now happening. */
export interface CloseAnswer {
  readonly id: string;
  readonly state: PositionStateName;
  /** `requested`: a close was sent to the position; `alreadyClosing`: one is in progress; `alreadyFinal`: nothing to close. */
  readonly result: 'requested' | 'alreadyClosing' | 'alreadyFinal';
}

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
}

export interface GuardApi {
  readonly persistence: 'redis' | 'memory';
  accounts(): Promise<AccountView[]>;
  /** Resolves once the intent is journalled. */
  open(intent: unknown): Promise<{ id: string; state: PositionStateName }>;
  close(positionId: string): Promise<CloseAnswer>;
  positions(filter?: { readonly state?: PositionStateName; readonly account?: string }): Promise<PositionSummary[]>;
  position(positionId: string): Promise<PositionDetail>;
  halt(account: string, reason: string): Promise<AccountView>;
  resume(account: string): Promise<AccountView>;
  /** Always refuses with `NotAvailableYet` in this version (see the README). */
  flatten(account: string): Promise<never>;
  alerts(): Promise<AlertView[]>;
  ackAlert(alertId: string, by: string): Promise<AlertView>;
  sweep(kind: SweepKind, account?: string): Promise<SweepReport[]>;
  sweeps(account?: string): Promise<SweepReport[]>;
}
