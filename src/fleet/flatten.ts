/**
 * A flatten's second step on the account's owner (see docs/architecture.md, The fleet): every
 * non-final position of posguard's on the account is asked to close (reduce-only, sized from the
 * live position, reason `flatten`); a position of another program is never touched, since only
 * posguard's own actors are asked. A position still pending keeps the close request: its entry,
 * aborted at its claim if not claimed yet, either never leaves or is closed once it filled.
 *
 * Receives: the account's worker. Sends: `CLOSE` to its position actors (through the worker,
 * whose lease is checked in Redis first). Touches nothing else.
 */
import { NotOwner } from '../domain/errors.js';
import type { AccountWorker } from '../guard/account-worker.js';
import { stateName } from '../guard/registry.js';
import { FINAL_STATES } from '../machines/position.machine.js';
import type { FlattenStarted } from './fleet.js';

export async function closeEveryPosition(worker: AccountWorker, requestId: string): Promise<FlattenStarted> {
  const account = worker.runtime.id;
  if (!worker.owned) throw new NotOwner(account);
  const live = [...worker.runtime.actors].filter(
    ([, actor]) => !FINAL_STATES.includes(stateName(actor.getSnapshot().value)),
  );
  const positions: string[] = [];
  for (const [id] of live) {
    if (await worker.close(id, requestId, 'flatten')) positions.push(id);
  }
  return { account, positions };
}
