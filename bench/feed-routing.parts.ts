/**
 * Where the feed-routing time goes: the parts of the path timed apart, on the same kind of
 * reports (the bench's mix, continued), each in its steady state — the repeat filter alone
 * (its window full), the feed machine alone (its route action only counts), and the
 * account's routing into the live position actors without a feed. And the heap parts: a
 * restored position actor alone, then as a supervised child, and a registry row alone.
 * Receives the rig and the mix; touches only its own filter, feed and actors.
 *
 * @example
 * const parts = await timeParts(rig, mix, 100_000);
 */
import { createActor, fromCallback, fromPromise } from 'xstate';
import { RepeatFilter } from '../src/actors/feed.wiring.js';
import { feedMachine, type FeedEvent, type FeedReport, type ResyncOutput } from '../src/machines/feed.machine.js';
import type { WiredPositionMachine } from '../src/actors/position.wiring.js';
import { systemClock } from '../src/clock.js';
import type { PositionId } from '../src/domain/ids.js';
import type { Intent } from '../src/domain/intent.js';
import { seededRandom } from '../src/domain/random.js';
import { ActorHost } from '../src/guard/actor-host.js';
import { PositionRegistry } from '../src/guard/registry.js';
import { Supervisor, actorChild } from '../src/supervisors/index.js';
import { heapAfterGc } from './heap.js';
import { AVL_SPEC, benchSymbol, cloneOpen, defaultSettings, type OpenTemplate } from './open-template.js';
import type { Rig } from './feed-routing.rig.js';
import type { ReportMix } from './report-mix.js';
import { ScriptedPort } from './scripted-port.js';

const BATCH = 10_000;
const flush = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

export interface PartTiming {
  readonly reports: number;
  readonly ms: number;
}

export interface PartTimings {
  readonly filter: PartTiming;
  readonly feed: PartTiming;
  readonly route: PartTiming;
  /** The repeat filter's window (distinct keys kept), filled before timing. */
  readonly window: number;
}

/** Feeds `warm` reports untimed, then times `count` more, batch by batch. */
async function timed(
  mix: ReportMix,
  warm: number,
  count: number,
  run: (events: readonly FeedReport[]) => void,
): Promise<PartTiming> {
  let ms = 0;
  for (let done = 0; done < warm + count; done += BATCH) {
    const events = mix.next(Math.min(BATCH, warm + count - done)).events as FeedReport[];
    const t = performance.now();
    run(events);
    if (done >= warm) ms += performance.now() - t;
    await flush();
  }
  return { reports: count, ms };
}

/** The repeat filter's window, read from its behaviour: the first key that is no longer remembered. */
function filterWindow(): number {
  const f = new RepeatFilter();
  const report = (i: number) =>
    ({ type: 'fill', report: { source: 'stream', tradeId: `w${i}` } }) as unknown as FeedReport;
  f.fresh(report(0));
  for (let n = 1; n < 1_000_000; n++) {
    f.fresh(report(n));
    // Key 0 is remembered until the window is full; once evicted it is fresh again.
    if (f.fresh(report(0))) return n;
  }
  return Number.NaN;
}

export async function timeParts(rig: Rig, mix: ReportMix, count: number): Promise<PartTimings> {
  const window = filterWindow();
  const warm = Math.ceil((window * 1.2) / BATCH) * BATCH;
  const filter = new RepeatFilter();
  // Its cost swings with the position in V8's rehash cycle: time twice as many reports.
  const filterTiming = await timed(mix, warm, 2 * count, (events) => {
    for (const e of events) filter.fresh(e);
  });

  // The feed machine alone: its stream and routing slots filled as the wiring does, but the
  // route action only counts (no repeat filter, no directory).
  const port = new ScriptedPort('parts', new Map(), []);
  let routed = 0;
  const bareFeed = feedMachine.provide({
    actors: {
      stream: fromCallback<FeedEvent>(({ sendBack }) => {
        const subscription = port.subscribe((event) => sendBack({ type: 'STREAM', event }));
        return () => {
          void subscription.close();
        };
      }),
      resync: fromPromise<ResyncOutput>(async () => ({ reports: [] })),
    },
    actions: {
      route: () => {
        routed++;
      },
      broadcast: () => {},
    },
  });
  const feed = createActor(bareFeed, { clock: systemClock });
  feed.subscribe({ error: () => {} });
  feed.start();
  port.emit([{ type: 'connection', status: 'up' }]);
  while (feed.getSnapshot().value !== 'live') await flush();
  const feedTiming = await timed(mix, 0, count, (events) => port.emit(events));
  feed.stop();
  if (routed !== count) throw new Error(`the feed machine routed ${routed} of ${count} reports`);

  // The account's routing into the live position actors (their registry rows included), no feed.
  const route = await timed(mix, 0, count, (events) => {
    for (const e of events) rig.runtime.route(e);
  });
  return { filter: filterTiming, feed: feedTiming, route, window };
}

export interface HeapParts {
  /** A restored position actor alone (createActor from the snapshot on a shared host, started, RESUMEd; no observer). */
  readonly actorAlone: number;
  /** The same actor as a supervised child: `actorChild` (its subscription) and the supervisor's entry. */
  readonly supervised: number;
  /** A registry row of an open position (tracked, then updated to `open`). */
  readonly registryRow: number;
}

interface HeapSetup {
  readonly template: OpenTemplate;
  readonly machine: WiredPositionMachine;
  readonly n: number;
  readonly gc: () => void;
}

function inputOf(i: number, id: PositionId, intent: Intent) {
  const { symbol: _s, initialPrice: _p, volatility: _v, ...shape } = AVL_SPEC;
  return {
    id,
    intent,
    market: { ...shape, symbol: benchSymbol(i) },
    hedgeMode: false,
    settings: SETTINGS,
    now: systemClock.now(),
    feedUp: true,
  };
}

const SETTINGS = defaultSettings();

/** A registry row of an open position: tracked, then updated with the open context. */
function registryRowBytes({ template, n, gc }: HeapSetup): number {
  const registry = new PositionRegistry();
  const before = heapAfterGc(gc);
  for (let i = 0; i < n; i++) {
    const { id, intent, context } = cloneOpen(template, i, benchSymbol(i), 2);
    registry.track(id, intent, systemClock.now());
    registry.update(id, 'open', context, systemClock.now());
  }
  const bytes = (heapAfterGc(gc) - before) / n;
  // Keeps the registry alive up to the measure (else the collector may take it first).
  if (registry.rows().length !== n) throw new Error('the registry lost rows');
  return bytes;
}

/** Restored actors on one host (as an account's share one XState system), with no observer, no supervisor, no registry. */
function actorAloneBytes({ template, machine, n, gc }: HeapSetup): number {
  const actors = [];
  const host = new ActorHost(systemClock, false);
  const before = heapAfterGc(gc);
  for (let i = 0; i < n; i++) {
    const { id, intent, snapshot } = cloneOpen(template, i, benchSymbol(i), 1);
    const actor = createActor(machine, {
      clock: systemClock,
      input: inputOf(i, id, intent),
      snapshot: snapshot as never,
      parent: host.ref,
    });
    actor.start();
    actor.send({ type: 'RESUME', at: systemClock.now() });
    actors.push(actor);
  }
  const bytes = (heapAfterGc(gc) - before) / n;
  for (const a of actors) host.stop(a);
  return bytes;
}

/**
 * A supervised child's options as the guard builds them (`positionChild`): one object with
 * methods, no closures per child (under tsx each named closure is a ~300 B object).
 */
class HeapChild {
  readonly restart = 'transient' as const;
  readonly shutdownMs = 1_000;
  constructor(
    readonly id: string,
    private readonly machine: WiredPositionMachine,
    private readonly host: ActorHost,
    private readonly input: ReturnType<typeof inputOf>,
    private readonly snapshot: unknown,
  ) {}

  create() {
    return createActor(this.machine, {
      clock: systemClock,
      input: this.input,
      snapshot: this.snapshot as never,
      parent: this.host.ref,
    });
  }

  onStarted(actor: ReturnType<HeapChild['create']>): void {
    actor.send({ type: 'RESUME', at: systemClock.now() });
  }

  onSnapshot(): void {}

  stopActor(actor: ReturnType<HeapChild['create']>): void {
    this.host.stop(actor);
  }
}

/** The same actors as supervised children (`actorChild`, its subscription, the supervisor's entry). */
function supervisedBytes({ template, machine, n, gc }: HeapSetup): { bytes: number; supervisor: Supervisor } {
  const supervisor = new Supervisor(
    {
      id: 'heap',
      strategy: 'one_for_one',
      intensity: 5,
      periodMs: 60_000,
      backoff: { minMs: 200, maxMs: 10_000, jitter: 0.2 },
      children: [],
    },
    { clock: systemClock, random: seededRandom(1) },
  );
  supervisor.start();
  const host = new ActorHost(systemClock, false);
  const before = heapAfterGc(gc);
  for (let i = 0; i < n; i++) {
    const { id, intent, snapshot } = cloneOpen(template, i, benchSymbol(i), 4);
    supervisor.startChild(actorChild(new HeapChild(id, machine, host, inputOf(i, id, intent), snapshot)));
  }
  return { bytes: (heapAfterGc(gc) - before) / n, supervisor };
}

/** Heap per item after gc, for `n` items of each part (each measured on its own, the previous one released). */
export async function heapParts(
  template: OpenTemplate,
  machine: WiredPositionMachine,
  n: number,
  gc: () => void,
): Promise<HeapParts> {
  const setup = { template, machine, n, gc };
  const registryRow = registryRowBytes(setup);
  const actorAlone = actorAloneBytes(setup);
  const { bytes: supervised, supervisor } = supervisedBytes(setup);
  await supervisor.stop();
  return { actorAlone, supervised, registryRow };
}
