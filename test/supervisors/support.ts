/**
 * Test support for the supervisor suites: fake children that record their starts and stops and
 * can be made to end on command, and a simulated clock that counts its pending timers.
 */
import { SimulatedClock } from 'xstate';
import type { Clock } from '../../src/clock.js';
import { seededRandom } from '../../src/domain/random.js';
import type { ChildSpec, ExitReason, RestartType } from '../../src/supervisors/child-spec.js';
import type { SupervisorEscalation } from '../../src/supervisors/errors.js';
import { Supervisor } from '../../src/supervisors/supervisor.js';
import type { SupervisorEvent } from '../../src/supervisors/supervisor-events.js';
import type { SupervisorSpec } from '../../src/supervisors/supervisor-spec.js';

/** A `SimulatedClock` that also knows which of its timers are still pending. */
export function trackedClock(): { clock: Clock; sim: SimulatedClock; pending: () => number } {
  const sim = new SimulatedClock();
  const live = new Set<number>();
  const clock: Clock = {
    now: () => sim.now(),
    setTimeout: (fn, ms) => {
      const handle: number = sim.setTimeout(() => {
        live.delete(handle);
        fn();
      }, ms);
      live.add(handle);
      return handle;
    },
    clearTimeout: (handle) => {
      live.delete(handle as number);
      sim.clearTimeout(handle as number);
    },
  };
  return { clock, sim, pending: () => live.size };
}

/** Lets every pending promise chain (stops, escalation reports) run to its end. */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export interface FakeOptions {
  /** Makes `start` throw while it returns true (gets the start number, 1-based). */
  readonly failStart?: (n: number) => boolean;
  /** What `stop()` returns; by default it stops at once. */
  readonly stop?: () => void | Promise<void>;
  readonly shutdownMs?: number;
}

/** Fake children: `log` records `start:id` and `stop:id`; `crash`/`finish` end a child on its own. */
export class FakeChildren {
  readonly log: string[] = [];
  private readonly exits = new Map<string, (reason: ExitReason) => void>();
  private readonly counts = new Map<string, number>();

  spec(id: string, restart: RestartType = 'permanent', options: FakeOptions = {}): ChildSpec {
    return {
      id,
      restart,
      ...(options.shutdownMs === undefined ? {} : { shutdownMs: options.shutdownMs }),
      start: (exit) => {
        const n = (this.counts.get(id) ?? 0) + 1;
        this.counts.set(id, n);
        this.log.push(`start:${id}`);
        if (options.failStart?.(n) === true) throw new Error(`${id} could not start`);
        this.exits.set(id, exit);
        return {
          stop: () => {
            this.log.push(`stop:${id}`);
            return options.stop?.();
          },
        };
      },
    };
  }

  starts(id: string): number {
    return this.counts.get(id) ?? 0;
  }

  /** The `exit` callback given to the latest start of `id`. */
  exitOf(id: string): (reason: ExitReason) => void {
    const exit = this.exits.get(id);
    if (exit === undefined) throw new Error(`child ${id} was never started`);
    return exit;
  }

  crash(id: string, message = `${id} crashed`): void {
    this.exitOf(id)({ kind: 'error', error: new Error(message) });
  }
  finish(id: string): void {
    this.exitOf(id)({ kind: 'normal' });
  }
  stops(): string[] {
    return this.log.filter((l) => l.startsWith('stop:')).map((l) => l.slice(5));
  }
}

/** Collects events, keeping only `type child` strings for compact assertions. */
export function eventLog(): {
  onEvent: (e: SupervisorEvent) => void;
  events: SupervisorEvent[];
  lines: () => string[];
} {
  const events: SupervisorEvent[] = [];
  return {
    onEvent: (e) => {
      events.push(e);
    },
    events,
    lines: () => events.map((e) => `${e.supervisor}/${e.child} ${e.type}`),
  };
}

/**
 * A root supervisor `sup` (3 restarts per 10 s, backoff 100 ms doubling to 1 s, no jitter)
 * over fake children, with its clock, its events and the escalations its owner received.
 */
export function setup(children: (f: FakeChildren) => ChildSpec[], patch: Partial<SupervisorSpec> = {}) {
  const fakes = new FakeChildren();
  const { clock, sim, pending } = trackedClock();
  const log = eventLog();
  const escalations: SupervisorEscalation[] = [];
  const spec: SupervisorSpec = {
    id: 'sup',
    strategy: 'one_for_one',
    intensity: 3,
    periodMs: 10_000,
    backoff: { minMs: 100, maxMs: 1_000, jitter: 0 },
    children: children(fakes),
    ...patch,
  };
  const sup = new Supervisor(spec, {
    clock,
    random: seededRandom(1),
    onEvent: log.onEvent,
    onEscalate: (e) => {
      escalations.push(e);
    },
  });
  return { sup, fakes, clock, sim, pending, log, escalations };
}
