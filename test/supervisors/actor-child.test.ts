import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assign, createActor, setup as machineSetup, type Snapshot } from 'xstate';
import { actorChild } from '../../src/supervisors/actor-child.js';
import type { RestartType } from '../../src/supervisors/child-spec.js';
import { settle, setup } from './support.js';

/** A counter whose BOOM action throws, FINISH reaches a final state, and whose entry can throw. */
const counter = machineSetup({
  types: {
    context: {} as { count: number; explodeOnEntry: boolean },
    input: {} as { explodeOnEntry?: boolean },
    events: {} as { type: 'INC' } | { type: 'BOOM' } | { type: 'FINISH' },
  },
  actions: {
    explode: () => {
      throw new Error('action failed');
    },
    maybeExplode: ({ context }) => {
      if (context.explodeOnEntry) throw new Error('entry failed');
    },
  },
}).createMachine({
  id: 'counter',
  context: ({ input }) => ({ count: 0, explodeOnEntry: input.explodeOnEntry ?? false }),
  initial: 'counting',
  states: {
    counting: {
      entry: 'maybeExplode',
      on: {
        INC: { actions: assign({ count: ({ context }) => context.count + 1 }) },
        BOOM: { actions: 'explode' },
        FINISH: 'finished',
      },
    },
    finished: { type: 'final' },
  },
});
type CounterActor = ReturnType<typeof createActor<typeof counter>>;

/** Uncaught exceptions and unhandled rejections seen by the process during a test. */
const uncaught: unknown[] = [];
const record = (e: unknown): void => {
  uncaught.push(e);
};
beforeEach(() => {
  uncaught.length = 0;
  process.on('uncaughtException', record);
  process.on('unhandledRejection', record);
});
afterEach(() => {
  process.off('uncaughtException', record);
  process.off('unhandledRejection', record);
});
/** XState reports an unobserved actor error with a real `setTimeout(() => { throw })`: wait past it. */
const pastXStateReporting = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));

function supervisedCounter(restart: RestartType, input: { explodeOnEntry?: boolean } = {}) {
  const actors: CounterActor[] = [];
  const ctx = setup(() => [
    actorChild({
      id: 'counter',
      restart,
      create: () => createActor(counter, { input }),
      onStarted: (a) => {
        actors.push(a);
      },
    }),
  ]);
  return { ...ctx, actors, latest: () => actors.at(-1) };
}

describe('actorChild: an XState actor as a supervisor child', () => {
  it('restarts an actor whose action throws as a fresh actor, with no uncaught exception', async () => {
    const { sup, sim, log, actors, latest } = supervisedCounter('transient');
    sup.start();
    latest()?.send({ type: 'INC' });
    latest()?.send({ type: 'BOOM' });
    expect(actors[0]?.getSnapshot().status).toBe('error');
    const exited = log.events.find((e) => e.type === 'exited');
    expect(exited?.reason).toMatchObject({
      kind: 'error',
      error: expect.objectContaining({ message: 'action failed' }),
    });
    sim.increment(100);
    expect(actors).toHaveLength(2);
    expect(latest()?.getSnapshot()).toMatchObject({ status: 'active', context: { count: 0 } });
    await pastXStateReporting();
    expect(uncaught).toEqual([]);
  });

  it.each<[RestartType, number]>([
    ['transient', 1],
    ['permanent', 2],
  ])('treats an actor that reaches its final state as a normal exit (%s → %d actors)', (restart, count) => {
    const { sup, sim, log, actors, latest } = supervisedCounter(restart);
    sup.start();
    latest()?.send({ type: 'FINISH' });
    expect(log.events.find((e) => e.type === 'exited')?.reason).toEqual({ kind: 'normal' });
    sim.increment(100);
    expect(actors).toHaveLength(count);
  });

  it('stops the actor when the supervisor stops, without counting it as an exit', async () => {
    const { sup, log, latest } = supervisedCounter('permanent');
    sup.start();
    await sup.stop();
    expect(latest()?.getSnapshot().status).toBe('stopped');
    expect(log.events.some((e) => e.type === 'exited')).toBe(false);
  });

  it('reports an actor that fails while starting as an error exit, without calling onStarted', async () => {
    const { sup, log, actors } = supervisedCounter('permanent', { explodeOnEntry: true });
    sup.start();
    expect(actors).toEqual([]);
    expect(log.events.find((e) => e.type === 'exited')?.reason).toMatchObject({
      kind: 'error',
      error: expect.objectContaining({ message: 'entry failed' }),
    });
    await pastXStateReporting();
    expect(uncaught).toEqual([]);
  });

  it('escalates once when the actor keeps failing on start, with no uncaught exception', async () => {
    const { sup, sim, escalations } = supervisedCounter('permanent', { explodeOnEntry: true });
    sup.start();
    for (let i = 0; i < 10; i += 1) sim.increment(1_000);
    await settle();
    expect(escalations.map((e) => e.child)).toEqual(['counter']);
    expect(escalations[0]?.restarts).toBe(3);
    await pastXStateReporting();
    expect(uncaught).toEqual([]);
  });

  it('restarts from the last good snapshot kept through onSnapshot', () => {
    let lastGood: Snapshot<unknown> | undefined;
    const actors: CounterActor[] = [];
    const { sup, sim } = setup(() => [
      actorChild({
        id: 'counter',
        restart: 'transient',
        create: () => createActor(counter, { input: {}, ...(lastGood === undefined ? {} : { snapshot: lastGood }) }),
        onSnapshot: (_snapshot, actor) => {
          lastGood = actor.getPersistedSnapshot();
        },
        onStarted: (actor) => {
          actors.push(actor);
        },
      }),
    ]);
    sup.start();
    actors[0]?.send({ type: 'INC' });
    actors[0]?.send({ type: 'INC' });
    actors[0]?.send({ type: 'BOOM' });
    sim.increment(100);
    expect(actors[1]?.getSnapshot()).toMatchObject({ status: 'active', context: { count: 2 } });
  });

  it('turns a throwing onSnapshot into an error exit and stops that actor', async () => {
    let calls = 0;
    const actors: CounterActor[] = [];
    const { sup, log } = setup(() => [
      actorChild({
        id: 'counter',
        restart: 'temporary',
        create: () => createActor(counter, { input: {} }),
        onSnapshot: () => {
          calls += 1;
          if (calls === 2) throw new Error('snapshot hook failed');
        },
        onStarted: (actor) => {
          actors.push(actor);
        },
      }),
    ]);
    sup.start();
    actors[0]?.send({ type: 'INC' });
    expect(log.events.find((e) => e.type === 'exited')?.reason).toMatchObject({
      kind: 'error',
      error: expect.objectContaining({ message: 'snapshot hook failed' }),
    });
    expect(actors[0]?.getSnapshot().status).toBe('stopped');
    await pastXStateReporting();
    expect(uncaught).toEqual([]);
  });
});
