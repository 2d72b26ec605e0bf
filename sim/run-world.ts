/**
 * What a scenario runs in (see docs/architecture.md, Invariants): the deterministic world
 * (`world.ts`: simulated venue, memory store, simulated clock) or the wire world
 * (`wire-world.ts`: the same simulated venue behind the wire simulator, real ccxt, real Redis,
 * real time). The runner drives either through this interface, and the checker reads the same
 * venue's truth in both.
 */
import type { Clock } from '../src/clock.js';
import type { ConfigInput } from '../src/config/config.js';
import type { SimExchange } from '../src/exchange/sim/index.js';
import type { createGuard, Guard, GuardEvent } from '../src/guard/guard.js';
import type { Revocation } from './revocable.js';

/** The world of one seed: its accounts and the guard's config beyond them. */
export interface WorldSpec {
  readonly seed: number;
  readonly accounts: readonly string[];
  /** The guard's config beyond its accounts. */
  readonly config: Omit<ConfigInput, 'accounts'>;
  /** Builds each worker's guard (the mutants substitute what it runs). */
  readonly createGuard?: typeof createGuard;
  /** Each position polls the venue on its own instead of the account's poller (the baseline). */
  readonly perPositionPolling?: boolean;
}

/** One worker: a guard behind its own gate (revoked when it is killed, closed while it is stalled). */
export interface RunWorker {
  readonly name: string;
  readonly guard: Guard;
  readonly gate: Revocation;
}

/** An event the library reported, with the worker that reported it. */
export interface Reported {
  readonly at: number;
  readonly worker: string;
  readonly event: GuardEvent;
}

/** The store's faults: an outage, a failover that loses the last writes, a wipe, an unreadable record. */
export interface StoreFaults {
  setReachable(reachable: boolean): void;
  /** Remembers what the store holds now (the replica a later `failover` switches to). */
  checkpoint(): void | Promise<void>;
  /** Switches to the last checkpoint: every write made after it is lost. */
  failover(): void | Promise<void>;
  wipe(): void | Promise<void>;
  /** Makes the `pick`-th position record (of those written, in a stable order) unreadable. */
  corrupt(pick: number): void | Promise<void>;
}

export interface RunWorld {
  /** Venue time at the scenario's start: step times are ms after it (set by `begin`). */
  readonly start: number;
  readonly clock: Clock;
  readonly venue: SimExchange;
  readonly workers: ReadonlyMap<string, RunWorker>;
  /** Every event the library reported, in order. */
  readonly reported: readonly Reported[];
  /** One line per thing that happened. */
  readonly trail: string[];
  readonly storeFaults: StoreFaults;
  /** Told of every event the library reports (the checker listens). */
  onReport: (worker: string, event: GuardEvent) => void;
  /** Told when a worker is killed. */
  onKill: (worker: string) => void;
  note(kind: string, data: unknown): void;
  startWorker(name: string): Promise<RunWorker | undefined>;
  kill(name: string): void;
  stall(name: string): void;
  wake(name: string): void;
  crashActor(pick: number): void;
  /** Starts the scenario's clock once `first` (the first worker) is up, where building it takes time. */
  begin(first: Promise<unknown>): Promise<void>;
  /** Moves on to venue time `t` (simulated time jumps there; real time is waited for). */
  advanceTo(t: number): Promise<void>;
  /** Kills every worker and lets go of everything the world holds. */
  close(): void | Promise<void>;
}
