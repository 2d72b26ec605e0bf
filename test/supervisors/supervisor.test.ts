import { describe, expect, it } from 'vitest';
import type { ChildSpec, RestartType } from '../../src/supervisors/child-spec.js';
import { SupervisorEscalation } from '../../src/supervisors/errors.js';
import { Supervisor } from '../../src/supervisors/supervisor.js';
import { FakeChildren, eventLog, settle, setup, trackedClock } from './support.js';

describe('Supervisor: starting and restart types', () => {
  it('starts its children in spec order', () => {
    const { sup, fakes } = setup((f) => [f.spec('a'), f.spec('b'), f.spec('c')]);
    sup.start();
    expect(fakes.log).toEqual(['start:a', 'start:b', 'start:c']);
    expect(sup.children().map((c) => `${c.id}:${c.status}`)).toEqual(['a:running', 'b:running', 'c:running']);
    expect(sup.status).toBe('running');
  });

  it.each<[RestartType, 'crash' | 'finish', boolean]>([
    ['permanent', 'finish', true],
    ['permanent', 'crash', true],
    ['transient', 'finish', false],
    ['transient', 'crash', true],
    ['temporary', 'finish', false],
    ['temporary', 'crash', false],
  ])('a %s child that ends by %s: restarted = %s (and removed otherwise)', (restart, how, restarted) => {
    const { sup, fakes, sim, pending } = setup((f) => [f.spec('x', restart)]);
    sup.start();
    fakes[how]('x');
    sim.increment(1_000);
    expect(fakes.starts('x')).toBe(restarted ? 2 : 1);
    expect(sup.children().map((c) => c.id)).toEqual(restarted ? ['x'] : []);
    expect(pending()).toBe(0);
  });

  it('restarts a crashed child only once its backoff has passed on the clock, doubling it on the next crash', () => {
    const { sup, fakes, sim, log } = setup((f) => [f.spec('a')]);
    sup.start();
    fakes.crash('a');
    expect(sup.children()[0]?.status).toBe('restarting');
    sim.increment(99);
    expect(fakes.starts('a')).toBe(1);
    sim.increment(1);
    expect(fakes.starts('a')).toBe(2);
    fakes.crash('a');
    sim.increment(199);
    expect(fakes.starts('a')).toBe(1 + 1);
    sim.increment(1);
    expect(fakes.starts('a')).toBe(3);
    expect(log.events.filter((e) => e.type === 'restarting').map((e) => e.delayMs)).toEqual([100, 200]);
    expect(sup.children()[0]).toMatchObject({ status: 'running', restarts: 2 });
  });

  it('one_for_one: restarts the crashed child alone and leaves its siblings running', () => {
    const { sup, fakes, sim } = setup((f) => [f.spec('a'), f.spec('b'), f.spec('c')]);
    sup.start();
    fakes.crash('b');
    sim.increment(100);
    expect(fakes.log).toEqual(['start:a', 'start:b', 'start:c', 'start:b']);
  });

  it('treats a start that throws as an error exit, and restarts the child', () => {
    const { sup, fakes, sim, log } = setup((f) => [
      f.spec('a', 'transient', { failStart: (n) => n === 1 }),
      f.spec('b'),
    ]);
    sup.start();
    expect(fakes.log).toEqual(['start:a', 'start:b']);
    expect(log.events.find((e) => e.type === 'exited')?.reason).toMatchObject({ kind: 'error' });
    sim.increment(100);
    expect(fakes.starts('a')).toBe(2);
    expect(sup.children()[0]?.status).toBe('running');
  });

  it('handles a child that ends synchronously inside its own start', () => {
    const fakes = new FakeChildren();
    let starts = 0;
    const flaky: ChildSpec = {
      id: 'flaky',
      restart: 'permanent',
      start: (exit) => {
        starts += 1;
        if (starts === 1) exit({ kind: 'error', error: new Error('died at birth') });
        return { stop: () => undefined };
      },
    };
    const { clock, sim } = trackedClock();
    const log = eventLog();
    const sup = new Supervisor(
      {
        id: 's',
        strategy: 'one_for_one',
        intensity: 3,
        periodMs: 1_000,
        backoff: { minMs: 10, maxMs: 10, jitter: 0 },
        children: [flaky, fakes.spec('b')],
      },
      { clock, random: Math.random, onEvent: log.onEvent },
    );
    sup.start();
    expect(log.lines()).toEqual(['s/flaky exited', 's/flaky restarting', 's/b started']);
    sim.increment(10);
    expect(starts).toBe(2);
    expect(log.lines().at(-1)).toBe('s/flaky restarted');
  });
});

describe('Supervisor: restart budget and escalation', () => {
  it('a child that gives up when its budget is spent leaves alone, with a gaveUp event: no escalation, its siblings run on', async () => {
    const { sup, fakes, sim, escalations, log } = setup(
      (f) => [f.spec('a'), { ...f.spec('pos', 'transient'), onBudgetSpent: 'give-up' as const }, f.spec('b')],
      { intensity: 2 },
    );
    sup.start();
    for (let i = 0; i < 3; i++) {
      fakes.crash('pos');
      sim.increment(1_000);
    }
    await settle();
    expect(escalations).toEqual([]);
    expect(sup.status).toBe('running');
    expect(sup.children().map((c) => c.id)).toEqual(['a', 'b']);
    expect(log.events.filter((e) => e.type === 'gaveUp').map((e) => e.child)).toEqual(['pos']);
    expect(fakes.log.filter((l) => l.startsWith('stop:'))).toEqual([]);
  });

  it('escalates once, naming the child, when a child keeps failing; stops the others in reverse order', async () => {
    const { sup, fakes, sim, pending, escalations, log } = setup((f) => ['a', 'b', 'c', 'd'].map((id) => f.spec(id)), {
      intensity: 2,
    });
    sup.start();
    fakes.crash('b');
    sim.increment(100);
    fakes.crash('b');
    sim.increment(200);
    fakes.crash('b', 'b crashed for the third time');
    expect(sup.status).toBe('escalating');
    await settle();
    expect(escalations).toHaveLength(1);
    const [escalation] = escalations;
    expect(escalation).toBeInstanceOf(SupervisorEscalation);
    expect(escalation).toMatchObject({
      code: 'SUPERVISOR_ESCALATION',
      supervisor: 'sup',
      child: 'b',
      restarts: 2,
      path: ['b'],
    });
    expect(escalation?.message).toContain("child 'b'");
    expect(escalation?.message).toContain('b crashed for the third time');
    expect(fakes.stops()).toEqual(['d', 'c', 'a']);
    expect(sup.status).toBe('escalated');
    expect(sup.escalation).toBe(escalation);
    expect(log.events.filter((e) => e.type === 'escalated')).toHaveLength(1);
    expect(pending()).toBe(0);
    // Nothing that happens afterwards restarts anything or escalates again.
    fakes.crash('a');
    sim.increment(10_000);
    await settle();
    expect(escalations).toHaveLength(1);
    expect(fakes.starts('b')).toBe(3);
  });

  it('escalates on the first crash when intensity is 0', async () => {
    const { sup, fakes, escalations } = setup((f) => [f.spec('a'), f.spec('b')], { intensity: 0 });
    sup.start();
    fakes.crash('b');
    await settle();
    expect(escalations.map((e) => e.child)).toEqual(['b']);
    expect(fakes.stops()).toEqual(['a']);
  });

  it('forgets restarts older than the period: a slow crash loop never escalates', async () => {
    const { sup, fakes, sim, escalations } = setup((f) => [f.spec('a')], { intensity: 1, periodMs: 1_000 });
    sup.start();
    for (let i = 0; i < 5; i += 1) {
      fakes.crash('a');
      sim.increment(1_000);
    }
    await settle();
    expect(escalations).toEqual([]);
    expect(fakes.starts('a')).toBe(6);
  });

  it("counts each child's restarts apart by default, and all children's together with budgetScope 'supervisor'", async () => {
    for (const [budgetScope, escalated] of [
      ['child', false],
      ['supervisor', true],
    ] as const) {
      const { sup, fakes, sim, escalations } = setup((f) => [f.spec('a'), f.spec('b'), f.spec('c')], {
        intensity: 2,
        budgetScope,
      });
      sup.start();
      for (const id of ['a', 'b', 'c']) {
        fakes.crash(id);
        sim.increment(100);
      }
      await settle();
      expect(escalations.map((e) => e.child)).toEqual(escalated ? ['c'] : []);
    }
  });

  it('starts again after an escalation with a fresh budget, its children included', async () => {
    const { sup, fakes, sim, escalations } = setup((f) => [f.spec('a'), f.spec('b', 'temporary')], { intensity: 0 });
    sup.start();
    fakes.crash('a');
    await settle();
    expect(sup.status).toBe('escalated');
    sup.start();
    expect(sup.status).toBe('running');
    expect(sup.escalation).toBeUndefined();
    // The temporary child left with the escalation; the permanent one is started again.
    expect(sup.children().map((c) => `${c.id}:${c.status}`)).toEqual(['a:running']);
    expect(fakes.starts('a')).toBe(2);
    sim.increment(1);
    expect(escalations).toHaveLength(1);
  });

  it('keeps supervising when onEscalate or onEvent throw', async () => {
    const fakes = new FakeChildren();
    const { clock } = trackedClock();
    const sup = new Supervisor(
      {
        id: 's',
        strategy: 'one_for_one',
        intensity: 0,
        periodMs: 1_000,
        backoff: { minMs: 0, maxMs: 0, jitter: 0 },
        children: [fakes.spec('a'), fakes.spec('b')],
      },
      {
        clock,
        random: Math.random,
        onEvent: () => {
          throw new Error('bad observer');
        },
        onEscalate: () => {
          throw new Error('bad owner');
        },
      },
    );
    sup.start();
    fakes.crash('b');
    await settle();
    expect(sup.status).toBe('escalated');
    expect(sup.escalation?.child).toBe('b');
    expect(fakes.stops()).toEqual(['a']);
  });
});
