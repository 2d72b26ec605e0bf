/**
 * The handle of a position driven by another worker (or by any worker, for a `connectGuard`
 * client): its state is read from Redis — the account's position → state index the owner's
 * snapshot script writes — so `settled()` answers alike wherever it is asked (see
 * docs/architecture.md, The fleet). Receives nothing; touches Redis (reads only).
 *
 * @example
 * const handle = remoteHandle(id, 'main', (a, id) => store.redis.hget(store.keys.states(a), id));
 * await handle.settled({ timeoutMs: 60_000 }); // 'open'
 */
import { PosguardError, SettleTimeout } from '../domain/errors.js';
import type { PositionId } from '../domain/ids.js';
import { SETTLED, type PositionHandle } from '../guard/position-handle.js';
import type { PositionStateName } from '../machines/position.machine.js';

const POLL_MS = 200;

/**
 * Reads a position's state name from Redis (`undefined` while it has no snapshot yet); a
 * `PosguardError` it throws (the position is unknown) ends `settled()`, anything else is retried.
 */
export type StateReader = (account: string, id: string) => Promise<string | null | undefined>;

/** `account`: the position's, when known (else the reader finds it). */
export function remoteHandle(
  id: PositionId,
  account: string | undefined,
  read: StateReader,
  first: PositionStateName = 'pending',
): PositionHandle {
  let last: PositionStateName = first;
  const refresh = async (): Promise<PositionStateName> => {
    const state = await read(account ?? '', id).catch((e: unknown) => {
      if (e instanceof PosguardError) throw e;
      return undefined;
    });
    if (typeof state === 'string' && state !== '') last = state as PositionStateName;
    return last;
  };
  return {
    id,
    get state() {
      return last;
    },
    settled: async ({ timeoutMs = 60_000 } = {}) => {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const state = await refresh();
        if (SETTLED.includes(state)) return state;
        if (Date.now() >= until) throw new SettleTimeout(id, state, timeoutMs);
        await new Promise((resolve) => {
          setTimeout(resolve, Math.min(POLL_MS, Math.max(1, until - Date.now()))).unref?.();
        });
      }
    },
  };
}
