/**
 * The adapter from an XState actor to a supervisor child. Receives a factory for the actor;
 * starts it, observes it with an error observer (so an actor error never becomes an uncaught
 * exception), and reports its end to the supervisor: actor error → error exit, status `done`
 * (or stopped by someone else) → normal exit. `stop()` stops the actor. Touches only the actor.
 *
 * XState rethrows an actor's error as an uncaught exception when *any* of its observers lacks
 * an `error` callback. Use `onSnapshot` here rather than a second `actor.subscribe(fn)` to
 * follow its snapshots (for example to keep the last good one to restart from); if you do
 * subscribe elsewhere, always pass `{ next, error }`.
 *
 * @example
 * let lastGood: Snapshot<unknown> | undefined;
 * supervisor.startChild(actorChild({
 *   id: positionId, restart: 'transient',
 *   create: () => createActor(machine, { clock, ...(lastGood ? { snapshot: lastGood } : {}) }),
 *   onSnapshot: (_s, actor) => { lastGood = actor.getPersistedSnapshot(); },
 *   onStarted: (actor) => actors.set(positionId, actor),
 * }));
 */
import type { AnyActorRef, SnapshotFrom, Subscription } from 'xstate';
import type { ChildHandle, ChildSpec, ExitReason, RestartType } from './child-spec.js';

/** How to build, and follow, the actor behind a supervisor child. */
export interface ActorChildOptions<TActor extends AnyActorRef> {
  readonly id: string;
  readonly restart: RestartType;
  readonly shutdownMs?: number;
  /** A new, not yet started actor (called on every start and restart). */
  readonly create: () => TActor;
  /** Called once the actor has started and is active (not when it failed or finished while starting). */
  readonly onStarted?: (actor: TActor) => void;
  /** Called with every `active` or `done` snapshot, the initial one included; never with an errored one. */
  readonly onSnapshot?: (snapshot: SnapshotFrom<TActor>, actor: TActor) => void;
  /** Stops the actor when the child is stopped or abandoned (default `actor.stop()`; a hosted actor needs its host). */
  readonly stopActor?: (actor: TActor) => void;
  /** See `ChildSpec.onBudgetSpent`. */
  readonly onBudgetSpent?: 'escalate' | 'give-up';
}

/**
 * A `ChildSpec` that runs an XState actor. A hook (`onStarted`, `onSnapshot`) that throws
 * stops the actor and counts as the child's error exit. The hooks are called as methods of
 * `options` (a class instance may serve as its own options).
 *
 * @example
 * const feed = actorChild({ id: 'feed:main', restart: 'permanent', shutdownMs: 2_000, create: () => createActor(feedMachine) });
 */
export function actorChild<TActor extends AnyActorRef>(options: ActorChildOptions<TActor>): ChildSpec {
  const { id, restart, shutdownMs, onBudgetSpent } = options;
  return {
    id,
    restart,
    ...(shutdownMs === undefined ? {} : { shutdownMs }),
    ...(onBudgetSpent === undefined ? {} : { onBudgetSpent }),
    // A method, not an arrow property: tsx (esbuild keepNames) renames every named arrow it
    // creates, which turns the function into a dictionary-mode object (~300 B each).
    start(exit) {
      return new ActorRun(options, exit);
    },
  };
}

/**
 * One run of an actor child, from start to exit. A class rather than closures: thousands
 * of position actors each hold one, and a per-child closure costs more heap than a field.
 */
class ActorRun<TActor extends AnyActorRef> implements ChildHandle {
  private ended = false;
  private readonly actor: TActor;
  private readonly subscription: Subscription;

  constructor(
    private readonly options: ActorChildOptions<TActor>,
    private readonly exit: (reason: ExitReason) => void,
  ) {
    this.actor = options.create();
    // Three listeners rather than an observer object: XState keeps a smaller record for
    // them (about 1 KB less per actor, measured with 10,000 position actors).
    this.subscription = this.actor.subscribe(
      (snapshot: SnapshotFrom<TActor>) => this.next(snapshot),
      (error: unknown) => this.end({ kind: 'error', error }),
      () => this.end({ kind: 'normal' }),
    );
    this.actor.start();
    if (!this.ended && options.onStarted !== undefined) {
      try {
        options.onStarted(this.actor);
      } catch (error) {
        this.ended = true;
        this.abandon();
        throw error;
      }
    }
  }

  stop(): void {
    this.ended = true;
    this.abandon();
  }

  private next(snapshot: SnapshotFrom<TActor>): void {
    if (this.ended) return;
    const { status } = snapshot as { status: string };
    if (this.options.onSnapshot !== undefined && (status === 'active' || status === 'done')) {
      try {
        this.options.onSnapshot(snapshot, this.actor);
      } catch (error) {
        this.abandon();
        this.end({ kind: 'error', error });
        return;
      }
    }
    if (status === 'done') this.end({ kind: 'normal' });
  }

  private end(reason: ExitReason): void {
    if (this.ended) return;
    this.ended = true;
    this.exit(reason);
  }

  private abandon(): void {
    this.subscription.unsubscribe();
    try {
      if (this.options.stopActor !== undefined) this.options.stopActor(this.actor);
      else this.actor.stop();
    } catch {
      // Already stopped, or not a root actor: nothing more to stop.
    }
  }
}
