/**
 * The rig of the feed-routing bench: one account as the guard runs it (an `AccountRuntime`,
 * its `PositionRegistry`, one account `Supervisor`), N position actors restored — as the
 * guard rehydrates them (`positionChild`, a `RESUME` each) — from real persisted snapshots
 * of open, protected positions (see `open-template.ts`), all from ONE machine built by
 * `wirePositionMachine()`, and the account's feed actor (`runtime.createFeed()`, a
 * `permanent` child) over a scripted port whose stream the bench drives.
 *
 * Receives: the template and the count. Sends: stream events through the port. Touches only
 * its own actors (memory journal, no Redis: persistence is measured in its own section).
 *
 * @example
 * const rig = await startRig(template, 10_000, gc);
 * rig.port.emit(batch.events);
 * await rig.stop();
 */
import { wirePositionMachine, type WiredPositionMachine } from '../src/actors/position.wiring.js';
import { MemoryAlertSink } from '../src/alerts/alert-sink.js';
import { systemClock } from '../src/clock.js';
import { asAccountId, type PositionId } from '../src/domain/ids.js';
import type { Market } from '../src/domain/market.js';
import { seededRandom } from '../src/domain/random.js';
import type { OrderStatusReport } from '../src/domain/reports.js';
import { AccountRuntime } from '../src/guard/account.js';
import { ActorHost } from '../src/guard/actor-host.js';
import { positionChild } from '../src/guard/position-child.js';
import { PositionRegistry } from '../src/guard/registry.js';
import { MemoryJournal } from '../src/persistence/journal.js';
import { Supervisor, actorChild } from '../src/supervisors/index.js';
import { heapAfterGc } from './heap.js';
import { AVL_SPEC, benchSymbol, cloneOpen, defaultSettings, type OpenTemplate } from './open-template.js';
import type { MixPosition } from './report-mix.js';
import { ScriptedPort } from './scripted-port.js';

export interface Rig {
  readonly port: ScriptedPort;
  readonly runtime: AccountRuntime;
  readonly registry: PositionRegistry;
  readonly supervisor: Supervisor;
  /** The one wired machine every position actor runs. */
  readonly machine: WiredPositionMachine;
  readonly positions: readonly MixPosition[];
  readonly ids: readonly PositionId[];
  /** Wall time to restore and start the N actors (with their registry rows). */
  readonly startMs: number;
  /** Heap (after gc) per live position actor with its registry row and directory entries; `undefined` without gc. */
  readonly bytesPerPosition: number | undefined;
  stop(): Promise<void>;
}

const flush = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

export async function startRig(template: OpenTemplate, n: number, gc: (() => void) | undefined): Promise<Rig> {
  const clock = systemClock;
  const account = asAccountId('bench');
  const settings = defaultSettings();
  const { symbol: _avl, initialPrice: _p, volatility: _v, ...marketShape } = AVL_SPEC;
  const markets = new Map<string, Market>();
  // What the bench (the venue and the report mix) knows of each position; kept apart from posguard's heap.
  const positions: MixPosition[] = [];
  const ids: PositionId[] = [];
  const openStops: OrderStatusReport[] = [];
  for (let i = 0; i < n; i++) {
    const symbol = benchSymbol(i);
    markets.set(symbol, { ...marketShape, symbol });
    const { id, context } = cloneOpen(template, i, symbol);
    const { entry, live } = context;
    const stop = context.stops.at(-1);
    if (stop?.report === undefined || entry.venueOrderId === undefined || stop.venueOrderId === undefined)
      throw new Error('the template has no stop or venue ids');
    ids.push(id);
    openStops.push(stop.report);
    positions.push({
      symbol,
      entry: {
        clientOrderId: entry.clientOrderId,
        venueOrderId: entry.venueOrderId,
        tradeId: entry.fillIds[0] ?? '',
        amount: entry.amount,
      },
      stop: {
        clientOrderId: stop.clientOrderId,
        venueOrderId: stop.venueOrderId,
        amount: stop.amount,
        triggerPrice: stop.report.triggerPrice ?? 0,
      },
      venueSeq: live?.venueSeq ?? 0,
    });
  }
  const port = new ScriptedPort('bench', markets, openStops);
  const runtime = new AccountRuntime(account, port, clock);
  await runtime.load();
  const alerts = new MemoryAlertSink(() => clock.now(), 60_000);
  // ONE wired machine for every actor of the account, as AccountWorker does.
  const machine = wirePositionMachine({ account, port, journal: new MemoryJournal(), alerts, clock });
  const registry = new PositionRegistry();
  const supervisor = new Supervisor(
    {
      id: 'account:bench',
      strategy: 'one_for_one',
      intensity: 5,
      periodMs: 60_000,
      backoff: { minMs: 200, maxMs: 10_000, jitter: 0.2 },
      children: [],
    },
    { clock, random: seededRandom(1) },
  );
  supervisor.start();

  // One deps object for every child, as AccountWorker shares its own.
  const deps = {
    machine,
    clock,
    runtime,
    registry,
    writer: undefined,
    host: new ActorHost(clock, false),
    onTransition: () => {},
  };
  const before = gc === undefined ? undefined : heapAfterGc(gc);
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const symbol = benchSymbol(i);
    // A fresh parse per actor (as from Redis): nothing of it is shared with the bench's own data.
    const { id, intent, snapshot } = cloneOpen(template, i, symbol);
    const market = runtime.markets.get(symbol) as Market;
    registry.track(id, intent, clock.now());
    const reservation = runtime.locks.reserve(symbol);
    if (reservation !== undefined) runtime.locks.commit(reservation, id);
    const input = { id, intent, market, hedgeMode: false, settings, now: clock.now(), feedUp: false };
    supervisor.startChild(positionChild(deps, input, snapshot as never).spec);
  }
  const startMs = performance.now() - started;
  const bytesPerPosition = before === undefined || gc === undefined ? undefined : (heapAfterGc(gc) - before) / n;

  supervisor.startChild(
    actorChild({ id: 'feed', restart: 'permanent', shutdownMs: 2_000, create: () => runtime.createFeed() }),
  );
  if (!port.subscribed) throw new Error('the feed did not subscribe to the stream');
  port.emit([{ type: 'connection', status: 'up' }]);
  for (let k = 0; !runtime.feedUp; k++) {
    if (k > 10_000) throw new Error('the feed did not come up after its resync');
    await flush();
  }
  return {
    port,
    runtime,
    registry,
    supervisor,
    machine,
    positions,
    ids,
    startMs,
    bytesPerPosition,
    stop: async () => {
      await supervisor.stop();
      await port.close();
    },
  };
}
