/**
 * The event log behind `GET /v1/events`: every transition of every position and every new
 * alert, in order, each with an id that a client resumes after (`Last-Event-ID`). Two
 * implementations: `MemoryEventLog` (a bounded ring, for the embedded simulator) and
 * `RedisEventLog` (the fleet-wide Redis stream whose entry id is the event id).
 *
 * @example
 * const unsubscribe = log.subscribe((e) => send(e));
 * const missed = await log.after(lastEventId, 1000);
 */
import type { StoredAlert } from '../../alerts/alert-sink.js';
import type { SweepReport } from '../../sweeps/sweep.js';
import type { AccountView, OperatorAction, OrphanRow } from '../guard-api.js';

/** What a transition event says of its position besides the states. */
export interface EventRowFields {
  readonly account: string;
  readonly symbol: string;
  readonly side: string;
  readonly amount: number;
  readonly size: number;
  readonly reason?: string | undefined;
  readonly protection?: { readonly kind: string };
  /** The entry price the venue reports (for the notional), when the worker knows it. */
  readonly entryPrice?: number;
}

export type ServiceEvent =
  | {
      readonly type: 'transition';
      readonly positionId: string;
      readonly from: string;
      readonly to: string;
      readonly at: number;
      /** The event that caused it (Redis only: the machine event's type). */
      readonly cause?: string;
      readonly row: EventRowFields | undefined;
    }
  | { readonly type: 'alert'; readonly alert: StoredAlert }
  /** A position's row changed without a change of state (its size, protection or reason). */
  | {
      readonly type: 'row';
      readonly positionId: string;
      readonly state: string;
      readonly at: number;
      readonly row: EventRowFields;
    }
  /** A sweep finished (its report). */
  | { readonly type: 'sweep'; readonly report: SweepReport }
  /** An account's state as the worker that drives it (or halted it) sees it now. */
  | { readonly type: 'account'; readonly account: AccountView }
  /** An alert was acknowledged. */
  | {
      readonly type: 'ack';
      readonly alertId: string;
      readonly acknowledged: { readonly at: number; readonly by: string };
    }
  /** An operator acted (who, what, why, result). */
  | { readonly type: 'action'; readonly action: OperatorAction }
  /** An account's orphan inbox now holds these rows. */
  | { readonly type: 'orphans'; readonly account: string; readonly rows: readonly OrphanRow[] };

/** The event types the stream carries, for a client's `addEventListener`. */
export const SERVICE_EVENT_TYPES = [
  'transition',
  'alert',
  'row',
  'sweep',
  'account',
  'ack',
  'action',
  'orphans',
] as const;

export interface LoggedEvent {
  readonly id: string;
  readonly event: ServiceEvent;
}

/** What `after` found: the events, and whether some that followed `id` are gone (the log moved on). */
export interface Replay {
  readonly events: readonly LoggedEvent[];
  readonly gap: boolean;
}

export interface EventLog {
  /** Adds an event (the Redis log takes all but transitions: those are written with their snapshot). */
  append(event: ServiceEvent): void;
  /** The events after `id` (exclusive), oldest first, at most `limit`; `gap` when `id` is older than the log keeps. */
  after(id: string, limit: number): Promise<Replay>;
  /** The id of the newest event (`0`-like when there is none): where a new subscriber starts. */
  latestId(): Promise<string>;
  /** Calls `listener` with each new event, in order, from now on. */
  subscribe(listener: (event: LoggedEvent) => void): () => void;
  /** Whether `a` comes after `b`. */
  newer(a: string, b: string): boolean;
  close(): Promise<void>;
}
