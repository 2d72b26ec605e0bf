/**
 * A position's history on a worker without Redis: every change of state with the event that
 * caused it and its payload (the report, the send's outcome), learnt from the position
 * actors' inspection events — what the Redis history stream holds when positions are
 * persisted. Bounded: the last 200 entries of each position, the last 2,000 positions.
 *
 * Receives: XState inspection events (`GuardOptions.inspect`). Sends nothing. Touches nothing.
 *
 * @example
 * const history = new MemoryHistory(Date.now);
 * createGuard(config, { inspect: (e) => history.observe(e) });
 * history.of(positionId); // [{ at, state: 'pending', event: '(start)' }, { at, state: 'verifying', event: 'xstate.done.actor…', payload }]
 */
import type { ActorRefLike, InspectionEvent } from 'xstate';
import { describeEvent } from '../guard/position-child.js';
import { stateName } from '../guard/registry.js';
import type { PositionContext } from '../machines/position.context.js';
import { positionIdOf } from '../machines/position.queries.js';
import type { HistoryItem } from './guard-api.js';

const PER_POSITION = 200;
const POSITIONS = 2_000;

export class MemoryHistory {
  private readonly lastEvent = new WeakMap<ActorRefLike, { type: string }>();
  private readonly lastState = new WeakMap<ActorRefLike, string>();
  private readonly byPosition = new Map<string, HistoryItem[]>();

  constructor(private readonly now: () => number) {}

  observe(ev: InspectionEvent): void {
    if (ev.type === '@xstate.event') {
      this.lastEvent.set(ev.actorRef, ev.event);
      return;
    }
    if (ev.type !== '@xstate.snapshot') return;
    const snapshot = ev.snapshot as { value?: unknown; context?: { spec?: unknown } };
    // Only position actors (their context has a spec): asked through the machine's read side.
    if (snapshot.value === undefined || typeof snapshot.context?.spec !== 'object' || snapshot.context.spec === null)
      return;
    const id = positionIdOf(snapshot.context as PositionContext);
    if (typeof id !== 'string') return;
    const state = stateName(snapshot.value);
    if (this.lastState.get(ev.actorRef) === state) return;
    this.lastState.set(ev.actorRef, state);
    const event = describeEvent(this.lastEvent.get(ev.actorRef));
    let items = this.byPosition.get(id);
    if (items === undefined) {
      items = [];
      this.byPosition.set(id, items);
      if (this.byPosition.size > POSITIONS) this.byPosition.delete(this.byPosition.keys().next().value as string);
    }
    items.push({ at: this.now(), state, event: event.type, payload: event.payload });
    if (items.length > PER_POSITION) items.shift();
  }

  of(positionId: string): readonly HistoryItem[] | undefined {
    return this.byPosition.get(positionId);
  }
}
