/**
 * The deterministic world of one seed (see docs/architecture.md, Invariants): one simulated
 * venue, one memory store and one clock shared by every worker, each worker a whole guard
 * (`createGuard`) on its own revocable views of the three, so that a crash kills it at one
 * instant. Everything random is drawn from the seed; time moves only in `advanceTo`, timer by
 * timer, with promises settled in between. Receives the runner's calls; records the trail.
 *
 * @example
 * const world = new World({ seed: 7, accounts: ['a1'], config: {} });
 * const w = await world.startWorker('w1');
 * await world.advanceTo(world.clock.now() + 60_000);
 */
import { seededRandom, type Random } from '../src/domain/random.js';
import type { ExchangePort } from '../src/exchange/port.js';
import { SimExchange, createSimPort } from '../src/exchange/sim/index.js';
import { createGuard, type Guard, type GuardEvent } from '../src/guard/guard.js';
import type { AnyActorRef } from 'xstate';
import { MemoryStore, type StoreCheckpoint } from '../src/persistence/memory-store.js';
import type { Reported, RunWorld, StoreFaults, WorldSpec } from './run-world.js';
import { Revocation, revocable } from './revocable.js';
import { SimClock, type ClockView } from './sim-clock.js';
import { crashOne, workerHooks } from './world-hooks.js';

/** 2025-11-24: the simulated epoch (ccxt reads a timestamp of 0 as absent). */
export const SIM_EPOCH = 1_764_000_000_000;

export type WorldOptions = WorldSpec;

/** One worker: a guard on its own revocable views. */
export interface SimWorker {
  readonly name: string;
  readonly guard: Guard;
  readonly gate: Revocation;
  readonly view: ClockView;
}

export type { Reported };

const flush = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

export class World implements RunWorld {
  readonly start = SIM_EPOCH;
  readonly clock = new SimClock(SIM_EPOCH);
  readonly venue: SimExchange;
  readonly store: MemoryStore;
  readonly random: Random;
  readonly workers = new Map<string, SimWorker>();
  /** Every event the library reported, in order. */
  readonly reported: Reported[] = [];
  /** The trail: one line per thing that happened, for replay and comparison. */
  readonly trail: string[] = [];
  private incarnations = 0;
  /** The position actors each worker's incarnation started, in order (as its inspector saw them). */
  private readonly positionActors = new Map<string, AnyActorRef[]>();
  /** Told of every event the library reports (the checker listens). */
  onReport: (worker: string, event: GuardEvent) => void = () => {};
  /** Told when a worker is killed. */
  onKill: (worker: string) => void = () => {};

  readonly storeFaults: StoreFaults;

  constructor(readonly options: WorldOptions) {
    this.random = seededRandom(options.seed);
    this.venue = new SimExchange({ clock: this.clock, seed: options.seed });
    const store = new MemoryStore(this.clock);
    this.store = store;
    let checkpoint: StoreCheckpoint | undefined;
    this.storeFaults = {
      setReachable: (reachable) => store.setReachable(reachable),
      checkpoint: () => {
        checkpoint = store.checkpoint();
      },
      failover: () => {
        if (checkpoint !== undefined) store.restore(checkpoint);
      },
      wipe: () => store.wipe(),
      corrupt: (pick) => {
        const ids = store.positionIds();
        const id = ids[pick % Math.max(1, ids.length)];
        if (id !== undefined) store.corrupt(id);
      },
    };
  }

  note(kind: string, data: unknown): void {
    this.trail.push(`${this.clock.now() - SIM_EPOCH} ${kind} ${JSON.stringify(data)}`);
  }

  /** Starts a worker (a new incarnation when its name was used before); resolves once its guard is built. */
  async startWorker(name: string): Promise<SimWorker | undefined> {
    const gate = new Revocation();
    const view: ClockView = this.clock.view();
    gate.onRevoke(() => view.revoke());
    const bytes = seededRandom(this.options.seed * 31 + ++this.incarnations);
    const ports: Record<string, ExchangePort> = {};
    for (const a of this.options.accounts) ports[a] = revocable(createSimPort(this.venue, a), gate);
    const actors: AnyActorRef[] = [];
    this.positionActors.set(name, actors);
    const make = this.options.createGuard ?? createGuard;
    this.note('worker.start', { name });
    const building = make(
      { ...this.options.config, accounts: this.options.accounts.map((id) => ({ id, exchange: 'sim' })) },
      {
        clock: view,
        leaseClock: view,
        ports,
        persistence: revocable(this.store, gate),
        workerId: name,
        randomBytes: (n) => Uint8Array.from({ length: n }, () => Math.floor(bytes() * 256)),
        stopTimeoutMs: 1,
        ...(this.options.perPositionPolling === true ? { perPositionPolling: true } : {}),
        ...workerHooks(this, name, gate, actors),
      },
    );
    const guard = await this.until(building);
    if (guard === undefined) return undefined;
    const worker = { name, guard, gate, view };
    this.workers.set(name, worker);
    return worker;
  }

  /** Kills a worker at this instant: its port, store and clock are revoked; nothing of it runs again. */
  kill(name: string): void {
    const worker = this.workers.get(name);
    if (worker === undefined) return;
    this.note('worker.kill', { name });
    worker.gate.revoke();
    this.workers.delete(name);
    this.onKill(name);
  }

  /**
   * Crashes one live position actor (the `pick`-th of the awake workers' live ones): it is sent a
   * position report whose size is not a number, which its fold refuses by throwing, as a bug
   * inside the actor would. Its supervisor restarts it from its last snapshot. Only that actor
   * sees the report: the account's feed and what it knows of the symbol are untouched.
   */
  crashActor(pick: number): void {
    const live = [...this.workers.values()]
      .filter((w) => !w.gate.isStalled)
      .flatMap((w) => (this.positionActors.get(w.name) ?? []).filter((a) => a.getSnapshot().status === 'active'));
    crashOne(live, pick, this.clock.now(), (kind, data) => this.note(kind, data));
  }

  /** Stalls a worker (its timers, calls and answers wait) until `wake`: its lease may expire meanwhile. */
  stall(name: string): void {
    const worker = this.workers.get(name);
    if (worker === undefined) return;
    this.note('worker.stall', { name });
    worker.gate.stall();
    worker.view.stall();
  }

  wake(name: string): void {
    const worker = this.workers.get(name);
    if (worker === undefined || !worker.gate.isStalled) return;
    this.note('worker.wake', { name });
    worker.gate.wake();
    worker.view.wake();
  }

  /** Settles `work`, moving time as its timers need (at most `maxMs` of simulated time). */
  async until<T>(work: Promise<T>, maxMs = 120_000): Promise<T | undefined> {
    let done = false;
    let value: T | undefined;
    let error: unknown;
    let failed = false;
    work.then(
      (v) => {
        done = true;
        value = v;
      },
      (e: unknown) => {
        done = true;
        failed = true;
        error = e;
      },
    );
    const limit = this.clock.now() + maxMs;
    await flush();
    while (!done && this.clock.now() < limit) {
      this.clock.step(limit);
      await flush();
    }
    if (failed) throw error;
    return value;
  }

  /** Nothing to wait for: the first worker is built in no simulated time. */
  begin(): Promise<void> {
    return Promise.resolve();
  }

  /** Moves time to `t`, firing every timer due on the way, settling promises after each. */
  async advanceTo(t: number): Promise<void> {
    await flush();
    while (this.clock.step(t)) await flush();
    await flush();
  }

  /** Kills every worker and stops the venue (the end of a run). */
  close(): void {
    for (const name of [...this.workers.keys()]) this.kill(name);
    for (const r of this.venue.requests()) {
      const p = r.params as {
        clientOrderId?: string;
        side?: string;
        amount?: number;
        reduceOnly?: boolean;
        type?: string;
      };
      if (r.method === 'createOrder' || r.method === 'cancelOrder')
        this.note('venue.request', [
          r.at - SIM_EPOCH,
          r.account,
          r.method,
          p.clientOrderId,
          p.type,
          p.side,
          p.amount,
          p.reduceOnly,
          r.result,
          r.code,
        ]);
    }
    this.venue.close();
  }
}
