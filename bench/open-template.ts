/**
 * A real open position for benchmarks that need thousands of them: one position (buy 43 AVL
 * with a stop-loss) is driven to `open` through the real wiring on the in-process simulator
 * (a `SimulatedClock`, its private stream routed to the actor). It yields the persisted
 * snapshot of the open position, and the log of every write the guard makes for it on the
 * way (journal calls in order, and each snapshot with the event that caused it, as
 * `positionChild` hands them to the position's writer). Clones get a different position id,
 * client order ids, venue order ids, trade ids and symbol each.
 * Receives nothing; touches only its own venue.
 *
 * @example
 * const template = await openTemplate();
 * const { snapshot, intent } = cloneOpen(template, 7, benchSymbol(7));
 */
import { SimulatedClock, createActor, type InspectionEvent } from 'xstate';
import { wirePositionMachine } from '../src/actors/position.wiring.js';
import { MemoryAlertSink } from '../src/alerts/alert-sink.js';
import { parseConfig } from '../src/config/config.js';
import { asAccountId, newPositionId, type ClientOrderId, type PositionId } from '../src/domain/ids.js';
import type { Intent } from '../src/domain/intent.js';
import { DEFAULT_SIM_MARKETS, SimExchange, createSimPort, type SimMarketSpec } from '../src/exchange/sim/index.js';
import { positionSettings } from '../src/guard/position-settings.js';
import { stateName } from '../src/guard/registry.js';
import type { PositionContext, PositionSettings } from '../src/machines/position.context.js';
import { FINAL_STATES } from '../src/machines/position.machine.js';
import { versioned } from '../src/machines/position.migrate.js';
import { MemoryJournal, type Journal, type JournalEntry } from '../src/persistence/journal.js';
import { driveUntil } from '../test/support/sim-drive.js';

export const T0 = 1_764_000_000_000;
export const TEMPLATE_SYMBOL = 'AVL/USDT:USDT';
export const AVL_SPEC = DEFAULT_SIM_MARKETS.find((m) => m.symbol === TEMPLATE_SYMBOL) as SimMarketSpec;

/** The verification settings `createGuard` derives from the default config. */
export function defaultSettings(): PositionSettings {
  const config = parseConfig({ accounts: [{ id: 'bench', exchange: 'sim' }] });
  return positionSettings(config);
}

/** One write the guard makes for a position, in the order it made them (JSON as written to Redis). */
export type TemplateWrite =
  | { readonly kind: 'recordIntent'; readonly entry: JournalEntry }
  | { readonly kind: 'recordAndClaim'; readonly entry: JournalEntry }
  | { readonly kind: 'confirmIntent' }
  | { readonly kind: 'claimSend'; readonly clientOrderId: ClientOrderId; readonly at: number }
  | {
      readonly kind: 'snapshot';
      readonly state: string;
      readonly final: boolean;
      readonly transition: boolean;
      readonly at: number;
      readonly json: string;
      readonly event: { readonly type: string; readonly payload: unknown };
    };

export interface OpenTemplate {
  readonly id: PositionId;
  /** The persisted snapshot of the open position, as JSON (what Redis keeps). */
  readonly json: string;
  readonly context: PositionContext;
  /** Venue order ids and trade ids in the snapshot: each clone gets its own. */
  readonly venueIds: readonly string[];
  /** Every write of the position's life from intent to `open`. */
  readonly writes: readonly TemplateWrite[];
}

export interface OpenClone {
  readonly id: PositionId;
  readonly intent: Intent;
  /** The persisted snapshot of this clone, parsed. */
  readonly snapshot: unknown;
  readonly context: PositionContext;
}

/** A journal that logs each call (in the order the wiring makes them) before answering from memory. */
class LoggingJournal implements Journal {
  private readonly inner = new MemoryJournal();
  constructor(private readonly log: TemplateWrite[]) {}

  recordIntent(entry: JournalEntry) {
    this.log.push({ kind: 'recordIntent', entry });
    return this.inner.recordIntent(entry);
  }

  recordAndClaim(entry: JournalEntry) {
    this.log.push({ kind: 'recordAndClaim', entry });
    return this.inner.recordAndClaim(entry);
  }

  holdClaim(positionId: PositionId, clientOrderId: ClientOrderId, claim: string) {
    return this.inner.holdClaim(positionId, clientOrderId, claim);
  }

  confirmIntent(positionId: PositionId) {
    this.log.push({ kind: 'confirmIntent' });
    return this.inner.confirmIntent(positionId);
  }

  claimSend(positionId: PositionId, clientOrderId: ClientOrderId, at: number) {
    this.log.push({ kind: 'claimSend', clientOrderId, at });
    return this.inner.claimSend(positionId, clientOrderId, at);
  }

  releaseClaim(positionId: PositionId, clientOrderId: ClientOrderId) {
    return this.inner.releaseClaim(positionId, clientOrderId);
  }

  fence(operation: string) {
    return this.inner.fence(operation);
  }
}

/** What a persisted transition is recorded with (as `positionChild` does): the event type and its payload. */
function describeEvent(event: { type: string } | undefined): { type: string; payload: unknown } {
  if (event === undefined) return { type: '(start)', payload: null };
  const { type, ...rest } = event as { type: string } & Record<string, unknown>;
  return { type, payload: 'output' in rest ? rest.output : 'report' in rest ? rest.report : rest };
}

/** Drives one position with a stop-loss to `open` on the simulator; returns its snapshot and its writes. */
export async function openTemplate(): Promise<OpenTemplate> {
  const clock = new SimulatedClock();
  clock.set(T0);
  const venue = new SimExchange({ clock, seed: 1 });
  venue.setPrice(TEMPLATE_SYMBOL, 0.25);
  const account = asAccountId('bench');
  const port = createSimPort(venue, 'bench');
  const writes: TemplateWrite[] = [];
  const machine = wirePositionMachine({
    account,
    port,
    journal: new LoggingJournal(writes),
    alerts: new MemoryAlertSink(() => clock.now(), 60_000),
    clock,
  });
  const id = newPositionId(T0, new Uint8Array(10).fill(9));
  const { symbol, amountStep, priceStep, minAmount, minNotional, contractSize } = AVL_SPEC;
  let lastEvent: { type: string } | undefined;
  const actor = createActor(machine, {
    clock,
    input: {
      id,
      intent: { account, symbol: TEMPLATE_SYMBOL, side: 'buy', amount: 43, stopLoss: 0.21 },
      market: { symbol, amountStep, priceStep, minAmount, minNotional, contractSize },
      hedgeMode: false,
      settings: defaultSettings(),
      now: T0,
      feedUp: true,
    },
    inspect: (ev: InspectionEvent) => {
      if (ev.type === '@xstate.event' && ev.actorRef === actor) lastEvent = ev.event;
    },
  });
  let previous: string | undefined;
  actor.subscribe({
    next: (snap) => {
      const state = stateName(snap.value);
      writes.push({
        kind: 'snapshot',
        state,
        final: FINAL_STATES.includes(state),
        transition: state !== previous,
        at: clock.now(),
        json: JSON.stringify(versioned(machine.getPersistedSnapshot(snap))),
        event: describeEvent(lastEvent),
      });
      previous = state;
    },
    error: () => {},
  });
  actor.start();
  // The private stream, as the account's feed would route it (one position: everything is its).
  const stream = port.subscribe((event) => {
    if (event.type === 'position') actor.send({ type: 'POSITION_REPORT', report: event.report });
    else if (event.type === 'order') actor.send({ type: 'ORDER_REPORT', report: event.report });
    else if (event.type === 'fill') actor.send({ type: 'FILL_REPORT', report: event.report });
  });
  // Let the stream deliver what it holds (fill, position, stop) once the position is open.
  await driveUntil(clock, () => actor.getSnapshot().matches('open'), { stepMs: 10, maxMs: 60_000 });
  await driveUntil(clock, () => false, { stepMs: 50, maxMs: 500 }).catch(() => {});
  const snap = actor.getSnapshot();
  if (!snap.matches('open')) throw new Error(`the template position is ${JSON.stringify(snap.value)}, not open`);
  const context = snap.context;
  const json = JSON.stringify(versioned(machine.getPersistedSnapshot(snap)));
  actor.stop();
  await stream.close();
  venue.close();
  const venueIds = [context.entry.venueOrderId, context.stops.at(-1)?.venueOrderId, ...context.entry.fillIds].filter(
    (v): v is NonNullable<typeof v> => v !== undefined,
  );
  return { id, json, context, venueIds, writes };
}

/** Symbols of the benchmark's many markets: `P<i>/USDT:USDT`, each a copy of AVL. */
export const benchSymbol = (i: number): string => `P${i}/USDT:USDT`;
export const benchMarkets = (n: number): SimMarketSpec[] =>
  Array.from({ length: n }, (_, i) => ({ ...AVL_SPEC, symbol: benchSymbol(i) }));

/** Position `i`'s id, and a rewrite of the template's JSON text for it (ids, order and trade ids, symbol). */
export function cloneIds(
  t: OpenTemplate,
  i: number,
  symbol: string,
  salt = 0,
): { id: PositionId; rewrite: (json: string) => string } {
  const bytes = new Uint8Array(10);
  new DataView(bytes.buffer).setUint32(0, i);
  new DataView(bytes.buffer).setUint32(4, salt);
  const id = newPositionId(T0, bytes);
  const rewrite = (json: string): string => {
    let out = json.split(t.id).join(id).split(TEMPLATE_SYMBOL).join(symbol);
    // Venue order ids and trade ids are quoted JSON strings: make them unique per clone.
    for (const v of t.venueIds) out = out.split(JSON.stringify(v)).join(JSON.stringify(`${v}-${i}`));
    return out;
  };
  return { id, rewrite };
}

/** Position `i` of the bench: the template's open snapshot with its own ids and symbol. */
export function cloneOpen(t: OpenTemplate, i: number, symbol: string, salt = 0): OpenClone {
  const { id, rewrite } = cloneIds(t, i, symbol, salt);
  const snapshot = JSON.parse(rewrite(t.json)) as { context: PositionContext };
  return { id, intent: snapshot.context.spec.intent, snapshot, context: snapshot.context };
}
