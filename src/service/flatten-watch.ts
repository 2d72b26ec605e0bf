/**
 * A flatten's last step (see docs/architecture.md, The fleet): once every position it asked to
 * close is final, its result goes to the audit log — `flat verified` when each ended `closed`
 * (a fresh flat report proved it, its stops cancelled), else what each ended as. Positions are
 * read wherever they are driven (`GuardApi.positionState`: this worker, else Redis). A watch
 * that outlives its bound, or the worker, records that flat was not verified.
 *
 * Receives: the positions a flatten started to close. Sends: one audit record. Touches: the API's reads.
 *
 * @example
 * void watchFlatten({ api, actions, stopping }, started, { by: 'ops', why: 'incident' });
 */
import type { FlattenStarted } from '../fleet/fleet.js';
import { FINAL_STATES, type PositionStateName } from '../machines/position.machine.js';
import type { GuardApi } from './guard-api.js';
import type { ActionLog } from './operator-actions.js';

export interface FlattenWatchDeps {
  readonly api: Pick<GuardApi, 'positionState'>;
  readonly actions: ActionLog;
  /** Resolves when the worker stops: the watch ends then. */
  readonly stopping?: Promise<unknown>;
  readonly pollMs?: number;
  /** How long flat may take to be verified (10 min unless given). */
  readonly boundMs?: number;
}

export async function watchFlatten(
  deps: FlattenWatchDeps,
  started: FlattenStarted,
  who: { readonly by: string; readonly why?: string },
): Promise<void> {
  const pollMs = deps.pollMs ?? 500;
  const until = Date.now() + (deps.boundMs ?? 600_000);
  let stopped = false;
  void deps.stopping?.then(() => {
    stopped = true;
  });
  const ends = new Map<string, PositionStateName | undefined>();
  for (;;) {
    for (const id of started.positions) {
      if (ends.has(id)) continue;
      const state = await deps.api.positionState(id).catch(() => undefined);
      if (state !== undefined && FINAL_STATES.includes(state)) ends.set(id, state);
    }
    if (ends.size === started.positions.length || stopped || Date.now() >= until) break;
    await new Promise((resolve) => {
      setTimeout(resolve, pollMs).unref?.();
    });
  }
  const notClosed = started.positions.filter((id) => ends.get(id) !== 'closed');
  const result =
    notClosed.length === 0
      ? `flat verified: ${started.positions.length} position${started.positions.length === 1 ? '' : 's'} of posguard's closed`
      : `not verified flat: ${notClosed.map((id) => `${id} ${ends.get(id) ?? 'not final yet'}`).join(', ')}${stopped ? ' (the worker stopped watching)' : ''}; look at the venue`;
  await deps.actions.record({
    what: 'flatten',
    account: started.account,
    by: who.by,
    ...(who.why === undefined ? {} : { why: who.why }),
    result,
  });
}
