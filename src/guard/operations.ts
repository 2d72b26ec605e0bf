/**
 * What the guard does for a position on the worker that drives its account: open an intent,
 * close a position, find a position's actor or handle. Used by the API object (`guard.ts`) and
 * by the fleet's hand-over desk (`assembly.ts`), over the guard's parts.
 */
import {
  AccountUnavailable,
  GuardStopped,
  Halted,
  HedgeModeUnsupported,
  InvalidIntent,
  JournalUnavailable,
  NotOwner,
  SymbolBusy,
  UnknownAccount,
  UnknownPosition,
  errorText,
} from '../domain/errors.js';
import { isPositionId, type PositionId } from '../domain/ids.js';
import type { Intent } from '../domain/intent.js';
import { didYouMean, suggestSymbol } from '../domain/suggest.js';
import { FINAL_STATES } from '../machines/position.machine.js';
import type { PositionActor } from './account.js';
import type { AccountWorker } from './account-worker.js';
import type { Assembly } from './assembly.js';
import { closeAnswerBefore, type CloseAnswer } from './close-answer.js';
import { positionHandle, type PositionHandle } from './position-handle.js';
import { positionIdForKey } from './position-ids.js';
import { stateName } from './registry.js';

/** A position id from outside, validated: one that is not an id (a ULID) names no position. */
export function knownId(raw: string): PositionId {
  if (!isPositionId(raw)) throw new UnknownPosition(raw);
  return raw;
}

/** The actor driving a position on this worker, if any. */
export function actorOf(parts: Assembly, id: PositionId): PositionActor | undefined {
  for (const w of parts.workers.values()) {
    const actor = w.runtime.actors.get(id);
    if (actor !== undefined) return actor;
  }
  return undefined;
}

export function workerOf(parts: Assembly, name: string): AccountWorker {
  const w = parts.workers.get(name);
  if (w === undefined) throw new UnknownAccount(name, [...parts.workers.keys()]);
  return w;
}

export function handleOf(parts: Assembly, id: PositionId): PositionHandle {
  const { registry, fleet } = parts;
  // Driven elsewhere, or final and let go of: Redis answers (see docs/architecture.md, The fleet).
  if (actorOf(parts, id) === undefined && registry.get(id) === undefined && fleet !== undefined)
    return fleet.handle(id);
  return positionHandle(
    id,
    () => {
      const actor = actorOf(parts, id);
      return actor !== undefined ? stateName(actor.getSnapshot().value) : (registry.get(id)?.state ?? 'pending');
    },
    registry,
    parts.clock,
  );
}

/** Why an account is halted (persisted with Redis, else in this process), or `undefined`. */
export async function haltOf(parts: Assembly, name: string): Promise<string | undefined> {
  if (parts.fleet === undefined) return workerOf(parts, name).runtime.halted;
  return parts.fleet.haltedBecause(name);
}

/** Opens a position on an account this worker drives, under `given` (a hand-over's id) or an id of its own. */
export async function openHere(parts: Assembly, intent: Intent, given?: PositionId): Promise<PositionHandle> {
  if (parts.stopped) throw new GuardStopped();
  const worker = workerOf(parts, intent.account);
  const account = worker.runtime;
  if (!worker.owned)
    throw worker.unavailable !== undefined
      ? new AccountUnavailable(account.id, worker.unavailable)
      : new NotOwner(account.id);
  const known =
    intent.idempotencyKey === undefined
      ? undefined
      : (worker.keys.get(intent.idempotencyKey) ??
        (await parts.store?.positionForKey(account.id, intent.idempotencyKey).catch((e: unknown) => {
          throw new JournalUnavailable(`the idempotency key could not be looked up: ${errorText(e)}`);
        })));
  if (known !== undefined) return handleOf(parts, known);
  if (parts.fleet === undefined) {
    if (account.halted !== undefined) throw new Halted(`account ${account.id}`, account.halted);
    return openChecked(parts, worker, intent, given);
  }
  // With Redis the halt is not read before the entry: the journal script reads the persisted halt
  // in the same step as its write and refuses with `Halted`, leaving nothing of the position
  // behind (see docs/architecture.md, Request budget). An intent refused for another reason
  // before that reads it then, so that a halted account answers `Halted` as it always did.
  try {
    return await openChecked(parts, worker, intent, given);
  } catch (e) {
    if (e instanceof Halted || e instanceof GuardStopped || e instanceof NotOwner) throw e;
    const why = await haltOf(parts, account.id).catch(() => undefined);
    throw why === undefined ? e : new Halted(`account ${account.id}`, why);
  }
}

/** `openHere` once the intent is known to be new here: checked, its symbol reserved, its position admitted. */
async function openChecked(
  parts: Assembly,
  worker: AccountWorker,
  intent: Intent,
  given: PositionId | undefined,
): Promise<PositionHandle> {
  const account = worker.runtime;
  if (account.mode === 'hedge') throw new HedgeModeUnsupported(account.id);
  const market = account.markets.get(intent.symbol);
  if (market === undefined)
    throw new InvalidIntent(
      'symbol',
      `${intent.symbol} is not listed on account ${account.id}${didYouMean(suggestSymbol(intent.symbol, account.markets.keys()))}`,
    );
  // The symbol is held from here on, across every await: a sweep counts it as tracked, a
  // second intent finds it busy, an adoption cannot take it.
  const reservation = account.locks.reserve(intent.symbol);
  if (reservation === undefined) {
    const holder = account.locks.holder(intent.symbol) ?? 'reserved';
    const state = holder === 'reserved' ? 'pending' : (parts.registry.get(holder)?.state ?? 'quarantined');
    throw new SymbolBusy(account.id, intent.symbol, holder === 'reserved' ? '(being opened)' : holder, state);
  }
  try {
    // At the ticker's price when fresh (the entry fast path), else a fetched one (see docs/architecture.md, Request budget).
    await account.checkIntent(intent, market);
    if (parts.stopped) throw new GuardStopped();
  } catch (e) {
    account.locks.cancel(reservation);
    throw e;
  }
  const id =
    given ??
    (intent.idempotencyKey === undefined ? parts.newId() : positionIdForKey(account.id, intent.idempotencyKey));
  await worker.open(reservation, id, intent, market);
  return handleOf(parts, id);
}

/**
 * Closes a position whose actor runs here; `undefined` when this worker does not drive it.
 * The lease is checked in Redis first (`AccountWorker.close`).
 */
export async function closeHere(
  parts: Assembly,
  positionId: string,
  requestId: string | undefined,
): Promise<CloseAnswer | undefined> {
  const id = knownId(positionId);
  const actor = actorOf(parts, id);
  const row = parts.registry.get(id);
  if (actor === undefined) {
    if (row === undefined) return undefined;
    if (FINAL_STATES.includes(row.state)) return { id, state: row.state, result: 'alreadyFinal' };
    if (parts.workers.get(row.account)?.owned === true)
      throw new AccountUnavailable(
        row.account,
        `the actor of position ${id} is not running (quarantined or restarting)`,
      );
    return undefined;
  }
  const before = closeAnswerBefore(id, stateName(actor.getSnapshot().value));
  if (before !== undefined) return before;
  const owner = [...parts.workers.values()].find((w) => w.runtime.actors.get(id) === actor);
  if (owner === undefined || !(await owner.close(id, requestId))) throw new NotOwner(row?.account ?? '?');
  return { id, state: stateName(actor.getSnapshot().value), result: 'requested' };
}
