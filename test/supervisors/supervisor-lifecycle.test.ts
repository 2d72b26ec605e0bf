import { describe, expect, it } from 'vitest';
import { DuplicateChild, ShutdownTimeout, SupervisorNotRunning } from '../../src/supervisors/errors.js';
import { settle, setup } from './support.js';

describe('Supervisor: stopping', () => {
  it('stops its children in reverse start order, awaiting each stop before the next', async () => {
    const order: string[] = [];
    const { sup } = setup((f) =>
      ['a', 'b', 'c'].map((id) =>
        f.spec(id, 'permanent', {
          stop: async () => {
            order.push(`begin:${id}`);
            await Promise.resolve();
            await Promise.resolve();
            order.push(`end:${id}`);
          },
        }),
      ),
    );
    sup.start();
    await sup.stop();
    expect(order).toEqual(['begin:c', 'end:c', 'begin:b', 'end:b', 'begin:a', 'end:a']);
    expect(sup.status).toBe('stopped');
    expect(sup.children().map((c) => c.status)).toEqual(['stopped', 'stopped', 'stopped']);
  });

  it('gives up on a stop that outlasts shutdownMs, reports it and moves on to the next child', async () => {
    const { sup, fakes, sim, log, pending } = setup((f) => [
      f.spec('a'),
      f.spec('stuck', 'permanent', { shutdownMs: 500, stop: () => new Promise<void>(() => undefined) }),
    ]);
    sup.start();
    const stopped = sup.stop();
    await settle();
    expect(fakes.stops()).toEqual(['stuck']);
    sim.increment(499);
    await settle();
    expect(fakes.stops()).toEqual(['stuck']);
    sim.increment(1);
    await stopped;
    expect(fakes.stops()).toEqual(['stuck', 'a']);
    const report = log.events.find((e) => e.type === 'stopped' && e.child === 'stuck');
    expect(report?.reason).toMatchObject({ kind: 'error', error: expect.any(ShutdownTimeout) });
    expect(pending()).toBe(0);
  });

  it('reports a stop that throws and still stops the other children', async () => {
    const { sup, fakes, log } = setup((f) => [
      f.spec('a'),
      f.spec('b', 'permanent', {
        stop: () => {
          throw new Error('cannot stop');
        },
      }),
    ]);
    sup.start();
    await sup.stop();
    expect(fakes.stops()).toEqual(['b', 'a']);
    expect(log.events.find((e) => e.type === 'stopped' && e.child === 'b')?.reason).toMatchObject({ kind: 'error' });
  });

  it('ignores an exit that a child reports after it was asked to stop', async () => {
    const { sup, fakes, sim, log } = setup((f) => [f.spec('a', 'permanent', { stop: () => f.finish('a') })]);
    sup.start();
    await sup.stop();
    sim.increment(10_000);
    expect(fakes.starts('a')).toBe(1);
    expect(log.events.some((e) => e.type === 'exited')).toBe(false);
  });

  it('cancels a pending restart when the supervisor stops, and never restarts the stopped child', async () => {
    const { sup, fakes, sim, pending, log } = setup((f) => [f.spec('a'), f.spec('b')]);
    sup.start();
    fakes.crash('a');
    expect(pending()).toBe(1);
    await sup.stop();
    expect(pending()).toBe(0);
    sim.increment(10_000);
    expect(fakes.starts('a')).toBe(1);
    expect(fakes.stops()).toEqual(['b']);
    expect(log.events.some((e) => e.type === 'restarted')).toBe(false);
  });

  it('schedules one restart and one timer when a child reports its exit twice', () => {
    const { sup, fakes, sim, pending } = setup((f) => [f.spec('a')]);
    sup.start();
    const exit = fakes.exitOf('a');
    exit({ kind: 'error', error: new Error('first') });
    exit({ kind: 'error', error: new Error('second') });
    exit({ kind: 'normal' });
    expect(pending()).toBe(1);
    sim.increment(100);
    expect(fakes.starts('a')).toBe(2);
    expect(pending()).toBe(0);
    // The old incarnation's exit does not touch the new one.
    exit({ kind: 'error', error: new Error('late') });
    expect(pending()).toBe(0);
    expect(sup.children()[0]?.status).toBe('running');
  });

  it('resolves stop() at once when it was never started, and twice-called stop() shares one shutdown', async () => {
    const { sup, fakes } = setup((f) => [f.spec('a')]);
    await sup.stop();
    expect(sup.status).toBe('idle');
    sup.start();
    const first = sup.stop();
    const second = sup.stop();
    expect(second).toBe(first);
    await first;
    expect(fakes.stops()).toEqual(['a']);
  });
});

describe('Supervisor: dynamic children', () => {
  it('starts a child added with startChild at once, applies its restart type, and stops it first (it started last)', async () => {
    const { sup, fakes, sim } = setup((f) => [f.spec('feed')]);
    sup.start();
    sup.startChild(fakes.spec('pos-1', 'transient'));
    sup.startChild(fakes.spec('pos-2', 'transient'));
    expect(fakes.log).toEqual(['start:feed', 'start:pos-1', 'start:pos-2']);
    fakes.crash('pos-1');
    fakes.finish('pos-2');
    sim.increment(100);
    expect(fakes.starts('pos-1')).toBe(2);
    expect(sup.children().map((c) => c.id)).toEqual(['feed', 'pos-1']);
    sup.startChild(fakes.spec('pos-3', 'transient'));
    await sup.stop();
    expect(fakes.stops()).toEqual(['pos-3', 'pos-1', 'feed']);
  });

  it('keeps a child added before start() until start()', () => {
    const { sup, fakes } = setup((f) => [f.spec('a')]);
    sup.startChild(fakes.spec('b'));
    expect(fakes.log).toEqual([]);
    sup.start();
    expect(fakes.log).toEqual(['start:a', 'start:b']);
  });

  it('refuses a duplicate id, and any new child once stopped', async () => {
    const { sup, fakes } = setup((f) => [f.spec('a')]);
    sup.start();
    expect(() => sup.startChild(fakes.spec('a'))).toThrow(DuplicateChild);
    await sup.stop();
    expect(() => sup.startChild(fakes.spec('b'))).toThrow(SupervisorNotRunning);
  });

  it('stopChild stops one child and removes it; an unknown id answers false', async () => {
    const { sup, fakes, sim, log } = setup((f) => [f.spec('a'), f.spec('b')]);
    sup.start();
    expect(await sup.stopChild('a')).toBe(true);
    expect(await sup.stopChild('nope')).toBe(false);
    fakes.finish('a');
    sim.increment(1_000);
    expect(fakes.starts('a')).toBe(1);
    expect(sup.children().map((c) => c.id)).toEqual(['b']);
    expect(log.lines().slice(-2)).toEqual(['sup/a stopped', 'sup/a removed']);
  });

  it('stopChild during a pending restart cancels the restart and leaves no timer', async () => {
    const { sup, fakes, sim, pending } = setup((f) => [f.spec('a')]);
    sup.start();
    fakes.crash('a');
    await sup.stopChild('a');
    expect(pending()).toBe(0);
    sim.increment(1_000);
    expect(fakes.starts('a')).toBe(1);
    expect(sup.children()).toEqual([]);
  });

  it('the same id can be added again after its child was removed', async () => {
    const { sup, fakes } = setup(() => []);
    sup.start();
    sup.startChild(fakes.spec('p', 'transient'));
    fakes.finish('p');
    expect(sup.children()).toEqual([]);
    sup.startChild(fakes.spec('p', 'transient'));
    expect(fakes.starts('p')).toBe(2);
    await sup.stop();
  });
});
