/**
 * One XState system for all the position actors of an account. Every root actor carries a
 * system of its own (its scheduler, registry and a dozen closures: about 1.6 KB, measured
 * with 10,000 actors); actors created with `parent: host.ref` share the host's instead.
 *
 * The host is an actor that ignores what its children tell it (their done and error events
 * go to their own observers, the supervisor's) and stops a child on request: a child with a
 * parent cannot be stopped directly. With `recordEvents`, it also keeps the latest event
 * each child received (for the history written with each snapshot).
 *
 * @example
 * const host = new ActorHost(clock, true);
 * const actor = createActor(machine, { clock, parent: host.ref }).start();
 * host.lastEvent(actor); // the event being processed, in a snapshot observer
 * host.stop(actor);
 */
import {
  createActor,
  fromTransition,
  type ActorRefLike,
  type AnyActorRef,
  type EventObject,
  type InspectionEvent,
} from 'xstate';
import type { Clock } from '../clock.js';

type HostEvent = { readonly type: 'host.stopChild'; readonly child: AnyActorRef } | EventObject;

const hostLogic = fromTransition((state: null, event: HostEvent, scope) => {
  if (event.type === 'host.stopChild' && 'child' in event) scope.stopChild(event.child as AnyActorRef);
  return state;
}, null);

export class ActorHost {
  private readonly actor;
  private readonly lastEvents = new WeakMap<ActorRefLike, EventObject>();

  /** `inspect`, when given, is told of every inspection event of the hosted actors (the Stately inspector). */
  constructor(
    clock: Clock,
    private readonly recordEvents: boolean,
    private readonly inspect?: (ev: InspectionEvent) => void,
  ) {
    this.actor = createActor(hostLogic, {
      clock,
      ...(recordEvents || inspect !== undefined ? { inspect: this.inspected.bind(this) } : {}),
    });
    this.actor.start();
  }

  /** The parent to create hosted actors with. */
  get ref(): AnyActorRef {
    return this.actor;
  }

  /** Stops a hosted actor (like `actor.stop()` for a root actor). */
  stop(child: AnyActorRef): void {
    this.actor.send({ type: 'host.stopChild', child });
  }

  /** The latest event a hosted actor received (with `recordEvents`). */
  lastEvent(child: AnyActorRef): EventObject | undefined {
    return this.lastEvents.get(child);
  }

  private inspected(ev: InspectionEvent): void {
    if (this.recordEvents && ev.type === '@xstate.event' && ev.actorRef !== this.actor)
      this.lastEvents.set(ev.actorRef, ev.event);
    this.inspect?.(ev);
  }
}
