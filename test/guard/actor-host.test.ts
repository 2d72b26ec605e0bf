import { SimulatedClock, assign, createActor, setup, type AnyActorRef, type EventObject } from 'xstate';
import { describe, expect, it } from 'vitest';
import { ActorHost } from '../../src/guard/actor-host.js';

/** A small machine: counts PINGs, BOOM throws, FINISH ends it, and after 1 s it says TICKED. */
const child = setup({
  types: {
    context: {} as { pings: number; ticked: boolean },
    events: {} as { type: 'PING' } | { type: 'BOOM' } | { type: 'FINISH' },
  },
  actions: {
    boom: () => {
      throw new Error('boom');
    },
  },
}).createMachine({
  context: { pings: 0, ticked: false },
  initial: 'running',
  states: {
    running: {
      after: { 1_000: { actions: assign({ ticked: true }) } },
      on: {
        PING: { actions: assign({ pings: ({ context }) => context.pings + 1 }) },
        BOOM: { actions: 'boom' },
        FINISH: 'done',
      },
    },
    done: { type: 'final' },
  },
});

function hosted(host: ActorHost, clock: SimulatedClock) {
  const actor = createActor(child, { clock, parent: host.ref });
  const errors: unknown[] = [];
  actor.subscribe({ error: (e) => errors.push(e) });
  actor.start();
  return { actor, errors };
}

describe('the actor host', () => {
  it("runs its children on one XState system, timers on the host's clock", () => {
    const clock = new SimulatedClock();
    const host = new ActorHost(clock, false);
    const a = hosted(host, clock).actor;
    const b = hosted(host, clock).actor;
    expect(a.system).toBe(b.system);
    expect(a.system).toBe(host.ref.system);
    clock.increment(1_000);
    expect(a.getSnapshot().context.ticked).toBe(true);
    expect(b.getSnapshot().context.ticked).toBe(true);
  });

  it('stops a child on request: its timers are cancelled and it takes no more events', () => {
    const clock = new SimulatedClock();
    const host = new ActorHost(clock, false);
    const { actor } = hosted(host, clock);
    expect(() => actor.stop()).toThrow(/non-root/); // why the host is needed
    host.stop(actor);
    expect(actor.getSnapshot().status).toBe('stopped');
    clock.increment(1_000);
    actor.send({ type: 'PING' });
    expect(actor.getSnapshot().context).toEqual({ pings: 0, ticked: false });
  });

  it("stays up when a child fails or finishes; the child's own observer sees the error, siblings carry on", () => {
    const clock = new SimulatedClock();
    const host = new ActorHost(clock, false);
    const failing = hosted(host, clock);
    const finishing = hosted(host, clock);
    const sibling = hosted(host, clock);
    failing.actor.send({ type: 'BOOM' });
    finishing.actor.send({ type: 'FINISH' });
    sibling.actor.send({ type: 'PING' });
    expect(failing.actor.getSnapshot().status).toBe('error');
    expect(failing.errors).toHaveLength(1);
    expect(finishing.actor.getSnapshot().status).toBe('done');
    expect(host.ref.getSnapshot().status).toBe('active');
    expect(sibling.actor.getSnapshot().context.pings).toBe(1);
    expect(sibling.errors).toEqual([]);
  });

  it("with recordEvents, tells each child's snapshot observer the event it is processing", () => {
    const clock = new SimulatedClock();
    const host = new ActorHost(clock, true);
    const seen: (string | undefined)[] = [];
    const actor = createActor(child, { clock, parent: host.ref });
    actor.subscribe({ next: () => seen.push(host.lastEvent(actor as AnyActorRef)?.type), error: () => {} });
    actor.start();
    const other = hosted(host, clock).actor;
    actor.send({ type: 'PING' });
    other.send({ type: 'FINISH' }); // another child's event is not this one's
    actor.send({ type: 'FINISH' });
    expect(seen.slice(-2)).toEqual(['PING', 'FINISH']);
    expect((host.lastEvent(other) as EventObject).type).toBe('FINISH');
  });

  it('without recordEvents, keeps no events', () => {
    const clock = new SimulatedClock();
    const host = new ActorHost(clock, false);
    const { actor } = hosted(host, clock);
    actor.send({ type: 'PING' });
    expect(host.lastEvent(actor)).toBeUndefined();
  });
});
