/**
 * The guard's public surface as types: the options `createGuard` takes, the events it tells of,
 * and the `Guard` API object it answers (see docs/architecture.md, Public contracts). The
 * composition root is `assembly.ts`; the API object is built in `guard.ts`.
 */
import type { BudgetHeadroom } from '../budget/host-budget.js';
import type { InspectionEvent } from 'xstate';
import type { StoredAlert } from '../alerts/alert-sink.js';
import type { BudgetEvent } from '../budget/request-scheduler.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import type { ExchangePort } from '../exchange/port.js';
import type { SimExchange } from '../exchange/sim/index.js';
import type { FlattenStarted } from '../fleet/fleet.js';
import type { Logger } from '../log/logger.js';
import type { ClosePreview, OrderView } from '../machines/position.queries.js';
import type { PositionStateName } from '../machines/position.machine.js';
import type { Journal } from '../persistence/journal.js';
import type { Store } from '../persistence/store.js';
import type { SupervisorSpec } from '../supervisors/index.js';
import type { SweepKind, SweepReport } from '../sweeps/sweep.js';
import type { LeaseChange } from './account-worker.js';
import type { CloseAnswer } from './close-answer.js';
import type { PositionHandle } from './position-handle.js';
import type { PositionRow } from './registry.js';

export interface GuardOptions {
  /** The clock of every timer and timestamp (XState's `SimulatedClock` in tests). */
  readonly clock?: Clock;
  /** The simulated venue behind `sim` accounts; a new one on the guard's clock by default. */
  readonly sim?: SimExchange;
  /** Ports by account id, used instead of building one from the config (tests, embedding). */
  readonly ports?: Readonly<Record<string, ExchangePort>>;
  /**
   * `redis` (the config's URL), `memory` (nothing survives the process), or a store: a
   * `RedisStore`, or a `MemoryStore` (the deterministic simulation: leases, journal and
   * snapshots as with Redis, alerts in memory, sweeps on the guard's clock). Default: `memory`
   * when every account is the embedded simulator, else `redis`.
   */
  readonly persistence?: 'redis' | 'memory' | Store;
  /** Key prefix in Redis (default `pg:`). */
  readonly redisPrefix?: string;
  /** A journal to use instead of the store's (tests of journal failures). */
  readonly journal?: Journal;
  /** This worker's id in ownership leases (default: host, pid and random bytes). */
  readonly workerId?: string;
  /** The real-time clock of ownership leases (Redis keeps their TTL in real time). */
  readonly leaseClock?: Clock;
  /** Restart budgets and backoff of the account supervisors. */
  readonly supervision?: Omit<SupervisorSpec, 'id' | 'children'>;
  /** Random bytes for position ids; `crypto.getRandomValues` by default. */
  readonly randomBytes?: (n: number) => Uint8Array;
  /** Told of every state change and every alert (the logger, the event stream, the demo). */
  readonly onEvent?: (event: GuardEvent) => void;
  /** Told once when the guard halts (its root supervisor ran out of restarts). */
  readonly onHalt?: (reason: string) => void;
  /** The root logger (alerts are logged there too); silent unless given. */
  readonly log?: Logger;
  /**
   * How long `stop()` waits, in real time, for each of its steps that needs Redis or the venue
   * (sends in flight, snapshot writes, letting accounts go): 10 s unless given. A step that
   * does not finish is abandoned and named in the log; a send claim is never abandoned.
   */
  readonly stopTimeoutMs?: number;
  /**
   * Told of every inspection event of the position actors (`posguard start --inspect` hands
   * them to the Stately inspector). Off unless given.
   */
  readonly inspect?: (event: InspectionEvent) => void;
  /**
   * How long the lease holder has to journal an intent (or answer a close) this worker hands
   * over for an account it does not own, in real time (10 s unless given); see `src/fleet`.
   */
  readonly handoverDeadlineMs?: number;
  /**
   * With Redis: how long a final position stays in this worker's memory (10 min unless given);
   * then only Redis keeps it, and answers for it (`GET /v1/positions/:id`, `settled()`, its key).
   */
  readonly evictFinalAfterMs?: number;
  /**
   * Each position polls the venue on its own, as before the account's poller (the request
   * budget's benchmark baseline; see docs/architecture.md, Request budget). Off unless given.
   */
  readonly perPositionPolling?: boolean;
}

export type GuardEvent =
  | { readonly type: 'transition'; readonly row: PositionRow; readonly from: PositionStateName }
  /** A position's row changed without a change of state: its size, protection or reason. */
  | { readonly type: 'update'; readonly row: PositionRow }
  | { readonly type: 'alert'; readonly alert: StoredAlert }
  /** A sweep ran (scheduled or asked for); its report. */
  | { readonly type: 'sweep'; readonly report: SweepReport }
  /** An account's private stream went live (connected and resynchronised) or down. */
  | { readonly type: 'feed'; readonly account: string; readonly up: boolean }
  /** The venue refused a request for its rate limit (the budget backs off), a run of refusals lasted, or ended. */
  | { readonly type: 'budget'; readonly event: BudgetEvent }
  /** This worker took an account (restoring `restored` positions) or lost it to another worker. */
  | ({ readonly type: 'lease'; readonly account: string } & LeaseChange);

export interface Guard {
  /**
   * Opens a position from an intent: validated (an invalid one is refused with
   * `InvalidIntent` naming the field, nothing sent), journalled, then carried by its actor from
   * `pending` to a proven end. Resolves once the intent is journalled — on this worker, or on
   * the account's owner through the fleet's hand-over — with a handle to follow it. The same
   * `idempotencyKey` twice answers the same position. Refused with `Halted`, `SymbolBusy`,
   * `HedgeModeUnsupported`, `NotOwner` (no worker holds the account) or `HandoverUnanswered`
   * (the owner did not answer in time: poll the id it names).
   */
  open(intent: unknown): Promise<PositionHandle>;
  /**
   * Closes a position: reduce-only, sided and sized from a fresh report of the live position.
   * `requestId` names the request: the same request delivered twice is one close (a retrying
   * bot cannot close twice); a new request after posguard gave one up starts again.
   */
  close(positionId: string, options?: { readonly requestId?: string }): Promise<CloseAnswer>;
  /** A handle to follow a position by id (its state, `settled()`); an unknown id is refused with `UnknownPosition` (with Redis, by its `settled()`, since another worker may drive it). */
  position(positionId: string): PositionHandle;
  /** The positions this worker drives, with their state, size and protection. */
  positions(): Promise<PositionRow[]>;
  /** The stored alerts, newest first (with Redis, the fleet's). */
  alerts(): Promise<StoredAlert[]>;
  /**
   * Halts an account (its new intents refused; positions in flight carry on). With Redis the
   * halt is persisted and fleet-wide: it survives restarts, and the journal script refuses a new
   * intent of a halted account whichever worker it reached.
   */
  halt(account: string, reason?: string, by?: string): Promise<void>;
  /** Lifts an account's halt (fleet-wide with Redis): new intents are taken again. */
  resume(account: string): Promise<void>;
  /** Why the account is halted (the guard's own halt included), or `undefined` while it trades. */
  haltedBecause(account: string): Promise<string | undefined>;
  /**
   * Flattens an account: halts it first (persisted with Redis), aborts its entries not claimed
   * yet (in the claim script), then asks every non-final position of posguard's on it to close
   * (on the account's owner). Answers the positions asked to close; `stateOf` tells when each
   * is final. Positions of other programs are never touched.
   */
  flatten(account: string, reason?: string, by?: string): Promise<FlattenStarted>;
  /** A position's state wherever it is driven (this worker, else Redis); `undefined` when it is unknown; a string that is no position id is refused with `UnknownPosition`. */
  stateOf(positionId: string): Promise<PositionStateName | undefined>;
  /** `undefined` while healthy; the reason once the guard has halted. */
  readonly halted: string | undefined;
  /** Where positions are kept: `redis`, or `memory` (they do not survive the process). */
  readonly persistence: 'redis' | 'memory';
  /** Runs a sweep now, on one account or every account this worker owns; answers the reports. */
  sweep(kind: SweepKind, account?: string): Promise<SweepReport[]>;
  /** The latest sweep reports, newest first. */
  sweeps(account?: string): Promise<SweepReport[]>;
  /**
   * An operator's adopt or flatten (reduce-only) of an orphan a sweep found: the venue is
   * read again and judged against what the account knows of the symbol, then the orphan is
   * admitted like an intent (see `AccountWorker.takeOrphan`). Answers the new position's id.
   */
  takeOrphan(
    account: string,
    symbol: string,
    how: 'adopt' | 'flatten',
    expected: { readonly side: string; readonly size: number },
  ): Promise<string>;
  /** What the actor of a position driven here says: its orders, and the close planner's preview; `undefined` when none drives it here; a string that is no position id is refused with `UnknownPosition`. */
  inspectPosition(
    positionId: string,
  ):
    | { readonly orders: OrderView[]; readonly closePreview: ClosePreview; readonly entryPrice: number | undefined }
    | undefined;
  /** When this worker last heard the account's private stream; `undefined` when it does not drive the account or has heard nothing yet. */
  lastStreamMessageAt(account: string): number | undefined;
  /** What is left of each request limit of the account (its own and its venue host's); `[]` when this worker does not drive it. */
  requestHeadroom(account: string): readonly BudgetHeadroom[];
  /** Resolves once every transition so far is persisted (a no-op without Redis). */
  flushed(): Promise<void>;
  /**
   * Stops gracefully: no new intents, no order leaves once stopping has begun, writes are
   * flushed within bounds (a send claim is never abandoned), the actors stop, and every lease
   * is released (its token bumped) so that another worker takes the accounts at once.
   */
  stop(): Promise<void>;
  /** The parsed config the guard runs with (secrets included: never log or serve it whole). */
  readonly config: Config;
}
