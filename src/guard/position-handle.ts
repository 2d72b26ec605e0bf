/**
 * What `guard.open` answers: a position's id, its current state, and `settled()`, which
 * resolves with the first of `open`, `closed`, `failed`, `orphanAlert` (or rejects with a
 * timeout that names the current state). Receives registry changes; touches nothing.
 */
import type { Clock } from '../clock.js';
import { SettleTimeout } from '../domain/errors.js';
import type { PositionId } from '../domain/ids.js';
import type { PositionStateName } from '../machines/position.machine.js';
import type { PositionRegistry } from './registry.js';

export interface PositionHandle {
  readonly id: PositionId;
  /** The current state name. */
  readonly state: PositionStateName;
  /** Resolves with the first of `open`, `closed`, `failed`, `orphanAlert`. */
  settled(opts?: { readonly timeoutMs?: number }): Promise<PositionStateName>;
}

/** The states `settled()` resolves with. */
export const SETTLED: readonly PositionStateName[] = ['open', 'closed', 'failed', 'orphanAlert'];

export function positionHandle(
  id: PositionId,
  current: () => PositionStateName,
  registry: PositionRegistry,
  clock: Clock,
): PositionHandle {
  return {
    id,
    get state() {
      return current();
    },
    settled: ({ timeoutMs = 60_000 } = {}) =>
      new Promise<PositionStateName>((resolve, reject) => {
        if (SETTLED.includes(current())) {
          resolve(current());
          return;
        }
        const timer = clock.setTimeout(() => {
          sub.unsubscribe();
          reject(new SettleTimeout(id, current(), timeoutMs));
        }, timeoutMs);
        const sub = registry.subscribe((rows) => {
          const state = rows.get(id)?.state;
          if (state === undefined || !SETTLED.includes(state)) return;
          clock.clearTimeout(timer);
          queueMicrotask(() => sub.unsubscribe());
          resolve(state);
        });
      }),
  };
}
