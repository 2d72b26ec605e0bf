/**
 * The caller's side of a hand-over (see docs/architecture.md, The fleet): a worker that does
 * not own an account — or a `connectGuard` client that owns none — queues the intent or the
 * close for the account's lease holder and waits for its answer until the deadline. The caller
 * mints the position id of an intent (so its client order ids) and the request id of a close,
 * so a request delivered twice is one. Not answered by its deadline, the hand-over is withdrawn
 * in one script (journal-or-expire) and the caller hears `HandoverUnanswered` (poll the
 * position), never a guess.
 *
 * Receives: requests from the guard or the client. Touches: Redis (through `FleetStore`).
 *
 * @example
 * const answer = await handOver(fleet, 'main', { id, kind: 'open', body: intent }, { deadlineMs: 10_000 });
 */
import { PosguardError } from '../domain/errors.js';
import type { FleetStore, HandoverRequest, HandoverState } from '../persistence/fleet-scripts.js';
import { HandoverUnanswered, HandoverWithdrawn, NoOwner } from './errors.js';

export interface HandoverTiming {
  /** How long the owner has to journal (or answer) it, in real time. */
  readonly deadlineMs: number;
  /** Sleeps between polls of the record (real time); `setTimeout` by default. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** An error the owner answered with, carried to the caller with its code (and so its HTTP status). */
export class RefusedByOwner extends PosguardError {
  constructor(
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** What an owner writes when it refuses a hand-over: the error's code, message and field. */
export interface RefusalAnswer {
  readonly code: string;
  readonly message: string;
  readonly field?: string;
}

const realSleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref?.();
  });

/**
 * Hands `request` to the lease holder of `account` and resolves with the owner's answer: for an
 * intent, `{ id, state: 'pending' }` once it is journalled; for a close, what the owner said.
 * Rejects with the owner's refusal (`RefusedByOwner`), `NoOwner` when nobody holds the lease,
 * `HandoverUnanswered` when its fate is not known by the deadline.
 */
export async function handOver(
  fleet: FleetStore,
  account: string,
  request: HandoverRequest,
  timing: HandoverTiming,
): Promise<unknown> {
  const sleep = timing.sleep ?? realSleep;
  const what = request.kind;
  let queued: Awaited<ReturnType<FleetStore['handOver']>>;
  try {
    queued = await fleet.handOver(account, request, timing.deadlineMs);
  } catch (e) {
    throw new HandoverUnanswered(
      request.id,
      what,
      `it could not be queued: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  if (queued === 'noOwner') throw new NoOwner(account);
  const until = Date.now() + timing.deadlineMs;
  let pause = 10;
  for (;;) {
    let state: HandoverState | undefined;
    try {
      state = await fleet.handoverState(request.id);
    } catch {
      state = { status: 'pending', answer: undefined };
    }
    if (state === undefined) throw new HandoverUnanswered(request.id, what, 'its record is gone');
    if (state.status !== 'pending') return answerOf(request, state);
    if (Date.now() >= until) break;
    await sleep(Math.min(pause, Math.max(1, until - Date.now())));
    pause = Math.min(pause * 2, 200);
  }
  // Journal-or-expire: withdrawn now unless the owner took it in the meantime.
  let settled: HandoverState | undefined;
  try {
    settled = await fleet.settle(request.id, 'expired', null);
  } catch (e) {
    throw new HandoverUnanswered(
      request.id,
      what,
      `no answer by its deadline, and it could not be withdrawn: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  if (settled === undefined) throw new HandoverUnanswered(request.id, what, 'its record is gone');
  if (settled.status === 'expired')
    throw new HandoverUnanswered(request.id, what, `no answer within ${timing.deadlineMs} ms; it was withdrawn`);
  return answerOf(request, settled);
}

function answerOf(request: HandoverRequest, state: HandoverState): unknown {
  switch (state.status) {
    case 'journalled':
      return { id: request.id, state: 'pending' };
    case 'done':
      return state.answer;
    case 'refused': {
      const r = (state.answer ?? {}) as Partial<RefusalAnswer>;
      throw new RefusedByOwner(
        r.code ?? 'REFUSED',
        r.message ?? 'the worker that owns the account refused it',
        r.field,
      );
    }
    case 'expired':
      if (request.kind === 'open') throw new HandoverWithdrawn(request.id, 'withdrawn at its deadline');
      throw new HandoverUnanswered(request.id, request.kind, 'it was withdrawn at its deadline');
    default:
      throw new HandoverUnanswered(request.id, request.kind, `it stands ${String(state.status)}`);
  }
}
