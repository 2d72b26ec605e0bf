/**
 * What wiring one position machine costs: `wirePositionMachine()` (which `createGuard`'s
 * `open` calls once per position) measured alone — CPU time per call and, with `gc`, the
 * heap each wired machine keeps while its actor lives.
 *
 * @example
 * const { msPerCall, bytesPerCall } = measureWiring(globalThis.gc, 1_000);
 */
import { wirePositionMachine, type WiredPositionMachine } from '../src/actors/position.wiring.js';
import { MemoryAlertSink } from '../src/alerts/alert-sink.js';
import { systemClock } from '../src/clock.js';
import { asAccountId } from '../src/domain/ids.js';
import { SimExchange, createSimPort } from '../src/exchange/sim/index.js';
import { MemoryJournal } from '../src/persistence/journal.js';
import { heapAfterGc } from './heap.js';

export interface WiringCost {
  readonly msPerCall: number;
  /** `undefined` without `gc`. */
  readonly bytesPerCall: number | undefined;
}

export function measureWiring(gc: (() => void) | undefined, count: number): WiringCost {
  const venue = new SimExchange({ clock: systemClock, seed: 1 });
  const wiring = {
    account: asAccountId('w'),
    port: createSimPort(venue, 'w'),
    journal: new MemoryJournal(),
    alerts: new MemoryAlertSink(() => systemClock.now(), 60_000),
    clock: systemClock,
  };
  const kept: WiredPositionMachine[] = [];
  wirePositionMachine(wiring); // warm-up: the first call compiles the code paths
  const before = gc === undefined ? 0 : heapAfterGc(gc);
  const started = performance.now();
  for (let i = 0; i < count; i++) kept.push(wirePositionMachine(wiring));
  const msPerCall = (performance.now() - started) / count;
  const bytesPerCall = gc === undefined ? undefined : (heapAfterGc(gc) - before) / kept.length;
  venue.close();
  return { msPerCall, bytesPerCall };
}
