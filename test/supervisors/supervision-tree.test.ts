import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/domain/random.js';
import { SupervisorEscalation } from '../../src/supervisors/errors.js';
import { Supervisor } from '../../src/supervisors/supervisor.js';
import type { SupervisorSpec } from '../../src/supervisors/supervisor-spec.js';
import { FakeChildren, eventLog, settle, trackedClock } from './support.js';

/** root ── [a, feeds (f1, f2), z]; feeds allows `feedsIntensity` restarts, the root `rootIntensity`. */
function tree(feedsIntensity: number, rootIntensity: number) {
  const fakes = new FakeChildren();
  const { clock, sim, pending } = trackedClock();
  const log = eventLog();
  const escalations: SupervisorEscalation[] = [];
  const base = { strategy: 'one_for_one', periodMs: 10_000, backoff: { minMs: 100, maxMs: 1_000, jitter: 0 } } as const;
  const feedsSpec: SupervisorSpec = {
    ...base,
    id: 'feeds',
    intensity: feedsIntensity,
    children: [fakes.spec('f1'), fakes.spec('f2')],
  };
  const feeds = new Supervisor(feedsSpec, { clock, random: seededRandom(3), onEvent: log.onEvent });
  const root = new Supervisor(
    {
      ...base,
      id: 'root',
      intensity: rootIntensity,
      children: [fakes.spec('a'), feeds.asChild('permanent'), fakes.spec('z')],
    },
    {
      clock,
      random: seededRandom(4),
      onEvent: log.onEvent,
      onEscalate: (e) => {
        escalations.push(e);
      },
    },
  );
  return { root, feeds, fakes, sim, pending, log, escalations };
}

describe('supervision trees', () => {
  it('starts depth-first in order and stops in exact reverse order', async () => {
    const { root, fakes } = tree(1, 1);
    root.start();
    expect(fakes.log).toEqual(['start:a', 'start:f1', 'start:f2', 'start:z']);
    await root.stop();
    expect(fakes.stops()).toEqual(['z', 'f2', 'f1', 'a']);
  });

  it("restarts a nested supervisor that escalated, by the parent's policy and after the parent's backoff", async () => {
    const { root, feeds, fakes, sim, log, escalations } = tree(1, 3);
    root.start();
    fakes.crash('f1');
    sim.increment(100);
    fakes.crash('f1');
    await settle();
    // feeds gave up: it stopped f2 and exited with its escalation; the root schedules its restart.
    expect(fakes.stops()).toEqual(['f2']);
    const exited = log.events.find((e) => e.supervisor === 'root' && e.type === 'exited');
    expect(exited?.child).toBe('feeds');
    expect(exited?.reason).toMatchObject({ kind: 'error', error: expect.any(SupervisorEscalation) });
    expect(root.children().find((c) => c.id === 'feeds')?.status).toBe('restarting');
    expect(escalations).toEqual([]);
    sim.increment(100);
    expect(feeds.status).toBe('running');
    expect([fakes.starts('f1'), fakes.starts('f2')]).toEqual([3, 2]);
    // The siblings of the nested supervisor were never touched.
    expect([fakes.starts('a'), fakes.starts('z')]).toEqual([1, 1]);
    // The restarted supervisor has a fresh budget: one more crash is restarted again.
    fakes.crash('f1');
    sim.increment(100);
    expect(fakes.starts('f1')).toBe(4);
  });

  it('escalates to the owner when the parent spends its own budget, with the path down to the failing child', async () => {
    const { root, fakes, escalations } = tree(0, 0);
    root.start();
    fakes.crash('f2', 'stream refused to connect');
    await settle();
    expect(escalations).toHaveLength(1);
    const [escalation] = escalations;
    expect(escalation).toMatchObject({ supervisor: 'root', child: 'feeds', path: ['feeds', 'f2'] });
    expect(escalation?.cause).toBeInstanceOf(SupervisorEscalation);
    expect((escalation?.cause as SupervisorEscalation).message).toContain('stream refused to connect');
    // feeds stopped f1 first, then the root stopped its own remaining children, last started first.
    expect(fakes.stops()).toEqual(['f1', 'z', 'a']);
    expect(root.status).toBe('escalated');
  });

  it('treats a nested supervisor stopped on its own as a normal exit that its parent handles by restart type', async () => {
    const { root, feeds, fakes, sim } = tree(1, 3);
    root.start();
    await feeds.stop();
    await settle();
    expect(root.children().find((c) => c.id === 'feeds')?.status).toBe('restarting');
    sim.increment(100);
    expect(feeds.status).toBe('running');
    expect(fakes.starts('f1')).toBe(2);
  });
});
