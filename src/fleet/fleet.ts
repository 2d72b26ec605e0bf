/**
 * A worker's place in the fleet (see docs/architecture.md, The fleet): it hears when another
 * worker lets a lease go (and takes the account at once), takes the hand-overs queued for the
 * accounts it owns (`HandoverDesk`) and carries them out through the guard, hands what concerns
 * an account it does not own to that account's lease holder (`handOver`), and keeps each
 * account's halt in Redis.
 *
 * Receives: calls from the guard, lease announcements, hand-overs. Sends: opens and closes to
 * the guard. Touches: Redis (the store's connection, and two of its own: a subscriber and the
 * desk's blocking pop).
 *
 * @example
 * const fleet = await joinFleet({ store, url, owned, onReleased, openHere, closeHere, newId, log });
 * const handle = await fleet.open(intent); // journalled by the account's lease holder
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Halted, JournalUnavailable, UnknownPosition, errorText } from '../domain/errors.js';
import type { PositionId } from '../domain/ids.js';
import { parseIntent, type Intent } from '../domain/intent.js';
import { closeAnswerBefore, type CloseAnswer } from '../guard/close-answer.js';
import type { PositionHandle } from '../guard/position-handle.js';
import type { Logger } from '../log/logger.js';
import type { PositionStateName } from '../machines/position.machine.js';
import { FleetStore, type HaltRecord, type HandoverRequest } from '../persistence/fleet-scripts.js';
import type { RedisStore } from '../persistence/redis-store.js';
import { NotOwner } from '../domain/errors.js';
import type { SweepKind, SweepReport } from '../sweeps/sweep.js';
import { handOver } from './handover-client.js';
import { HandoverDesk } from './handover-desk.js';
import { remoteHandle } from './remote-handle.js';

/** How long an owner has to journal an intent (or answer a close) handed to it, unless told otherwise. */
export const HANDOVER_DEADLINE_MS = 10_000;

export interface FleetDeps {
  readonly store: RedisStore;
  /** The Redis URL, for the fleet's own connections. */
  readonly url: string;
  readonly deadlineMs?: number | undefined;
  /** The accounts this worker owns now (none for a client). */
  readonly owned: () => readonly string[];
  /** Another worker let this account's lease go. */
  readonly onReleased: (account: string) => void;
  /** Opens a position here under the caller's id; throws `NotOwner` when the account is not driven here. */
  readonly openHere: (intent: Intent, id: PositionId) => Promise<{ id: string; state: PositionStateName }>;
  /** Closes a position of an account driven here; throws `UnknownPosition` when it is not one. */
  readonly closeHere: (positionId: string, requestId: string) => Promise<CloseAnswer>;
  /** Closes every non-final position of an account driven here (a flatten's second step); answers their ids. */
  readonly flattenHere: (account: string) => Promise<FlattenStarted>;
  /** Runs a sweep now on an account driven here; answers its report. */
  readonly sweepHere: (account: string, kind: SweepKind) => Promise<SweepReport>;
  /** The id of a new position (the idempotency key's own when it has one). */
  readonly newId: (intent: Intent) => PositionId;
  /** Where what fails in the background (the hand-over desk, `component: 'handover-desk'`) is told. */
  readonly log: Logger;
}

/** What a flatten started: the positions it asked to close. */
export interface FlattenStarted {
  readonly account: string;
  readonly positions: readonly string[];
}

export interface FleetMember {
  readonly store: FleetStore;
  /** Hands an intent to the account's lease holder; resolves once it is journalled there. */
  open(intent: Intent): Promise<PositionHandle>;
  /** Hands a close to the lease holder of the position's account (`account` when known). */
  close(positionId: string, requestId: string | undefined, account: string | undefined): Promise<CloseAnswer>;
  halt(account: string, record: HaltRecord): Promise<void>;
  /**
   * Flattens an account: halted and its entries not claimed yet aborted (persisted, together),
   * then every non-final position closed by its owner (handed over unless it is this worker).
   */
  flatten(account: string, record: HaltRecord): Promise<FlattenStarted>;
  /** Runs a sweep now on the account's lease holder; answers its report. */
  sweep(account: string, kind: SweepKind): Promise<SweepReport>;
  resume(account: string): Promise<void>;
  haltedBecause(account: string): Promise<string | undefined>;
  /** The handle of a position as Redis holds it; its `settled()` rejects with `UnknownPosition` when Redis does not know it. */
  handle(positionId: PositionId): PositionHandle;
  /** Takes no more hand-overs (those being carried out finish) and stops listening. */
  stop(): Promise<void>;
}

export async function joinFleet(deps: FleetDeps): Promise<FleetMember> {
  const fleet = new FleetStore(deps.store);
  const deadlineMs = deps.deadlineMs ?? HANDOVER_DEADLINE_MS;
  const subscriber = new Redis(deps.url, { maxRetriesPerRequest: null });
  subscriber.on('error', () => {}); // the main connection logs Redis's failures
  const blocking = new Redis(deps.url, { maxRetriesPerRequest: null });
  blocking.on('error', () => {});
  subscriber.on('message', (_channel: string, account: string) => deps.onReleased(account));
  try {
    await subscriber.subscribe(deps.store.keys.released());
  } catch (e) {
    subscriber.disconnect();
    blocking.disconnect();
    throw e;
  }
  const carryOut = async (account: string, request: HandoverRequest): Promise<unknown> => {
    if (request.kind === 'open') {
      const intent = parseIntent(request.body);
      if (intent.account !== account) throw new UnknownPosition(request.id);
      return deps.openHere(intent, request.id as PositionId);
    }
    if (!deps.owned().includes(account)) throw new NotOwner(account);
    if (request.kind === 'flatten') return deps.flattenHere(account);
    if (request.kind === 'sweep') return deps.sweepHere(account, (request.body as { kind: SweepKind }).kind);
    const { positionId, requestId } = request.body as { positionId: string; requestId: string };
    return deps.closeHere(positionId, requestId);
  };
  const desk = new HandoverDesk({ fleet, blocking, owned: deps.owned, carryOut, log: deps.log });
  desk.start();
  const stateReader = (account: string, id: string) => fleet.stateOf(account, id);

  const haltedBecause = async (account: string): Promise<string | undefined> => {
    const record = await fleet.halted(account).catch((e: unknown) => {
      throw new JournalUnavailable(`the account's halt could not be read: ${errorText(e)}`);
    });
    return record === undefined ? undefined : `${record.reason}, by ${record.by}`;
  };

  return {
    store: fleet,
    open: async (intent) => {
      const key = intent.idempotencyKey;
      const known =
        key === undefined
          ? undefined
          : await deps.store.positionForKey(intent.account as never, key).catch((e: unknown) => {
              throw new JournalUnavailable(`the idempotency key could not be looked up: ${errorText(e)}`);
            });
      if (known !== undefined) return remoteHandle(known, intent.account, stateReader);
      const why = await haltedBecause(intent.account);
      if (why !== undefined) throw new Halted(`account ${intent.account}`, why);
      const id = deps.newId(intent);
      await handOver(fleet, intent.account, { id, kind: 'open', body: intent }, { deadlineMs });
      return remoteHandle(id, intent.account, stateReader);
    },
    close: async (positionId, requestId, known) => {
      const account = known ?? (await fleet.accountOf(positionId));
      if (account === undefined) throw new UnknownPosition(positionId);
      const state = await fleet.stateOf(account, positionId);
      const before = state === undefined ? undefined : closeAnswerBefore(positionId, state as PositionStateName);
      if (before !== undefined) return before;
      // Owned here, yet not driven here: nothing to hand over to.
      if (deps.owned().includes(account)) throw new NotOwner(account);
      const body = { positionId, requestId: requestId ?? randomUUID() };
      return (await handOver(
        fleet,
        account,
        { id: `close:${positionId}:${body.requestId}`, kind: 'close', body },
        { deadlineMs },
      )) as CloseAnswer;
    },
    handle: (positionId) =>
      remoteHandle(positionId, undefined, async (_account, id) => {
        const account = await fleet.accountOf(id);
        if (account === undefined) throw new UnknownPosition(id);
        return fleet.stateOf(account, id);
      }),
    halt: (account, record) => fleet.halt(account, record),
    sweep: async (account, kind) =>
      (await handOver(
        fleet,
        account,
        { id: `sweep:${account}:${randomUUID()}`, kind: 'sweep', body: { kind } },
        { deadlineMs },
      )) as SweepReport,
    flatten: async (account, record) => {
      await fleet.haltToFlatten(account, record);
      if (deps.owned().includes(account)) return deps.flattenHere(account);
      return (await handOver(
        fleet,
        account,
        { id: `flatten:${account}:${record.at}:${randomUUID()}`, kind: 'flatten', body: { account } },
        { deadlineMs },
      )) as FlattenStarted;
    },
    resume: (account) => fleet.resume(account),
    haltedBecause,
    stop: async () => {
      await desk.stop();
      subscriber.disconnect();
    },
  };
}
