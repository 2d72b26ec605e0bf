/**
 * The owner's side of a hand-over (see docs/architecture.md, The fleet): while this worker holds
 * accounts' leases, it takes the requests other workers queued for them (one blocking pop over
 * the queues of the accounts it owns) and carries each out like its own — an intent through
 * the guard's open with the caller's position id (its journal script takes the hand-over, or
 * finds it expired), a close with the caller's request id — then writes the answer. A request
 * it cannot carry out because it lost the account meanwhile goes back in the queue for the
 * next owner; one that is no longer pending is skipped.
 *
 * Receives: queued hand-overs. Sends: opens and closes to the guard; what fails to the log (with
 * the hand-over's id and account). Touches: Redis (its own blocking connection, and the store's).
 */
import type { Redis } from 'ioredis';
import { LeaseLost } from '../persistence/redis-store.js';
import { GuardStopped, NotOwner, PosguardError } from '../domain/errors.js';
import type { Logger } from '../log/logger.js';
import type { FleetStore, HandoverRequest } from '../persistence/fleet-scripts.js';
import type { RefusalAnswer } from './handover-client.js';

export interface HandoverDeskDeps {
  readonly fleet: FleetStore;
  /** A connection of the desk's own: a blocking pop holds it. */
  readonly blocking: Redis;
  /** The accounts this worker owns now. */
  readonly owned: () => readonly string[];
  /** Carries a request out here; resolves with its answer. Throws `NotOwner`/`LeaseLost` when the account is not driven here. */
  readonly carryOut: (account: string, request: HandoverRequest) => Promise<unknown>;
  readonly log: Logger;
}

const IDLE_MS = 250;
const POP_TIMEOUT_S = 1;

export class HandoverDesk {
  private stopped = false;
  private loop: Promise<void> | undefined;
  private readonly working = new Set<Promise<void>>();

  private readonly log: Logger;

  constructor(private readonly deps: HandoverDeskDeps) {
    this.log = deps.log.child({ component: 'handover-desk' });
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Takes no more requests; waits for those being carried out. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.deps.blocking.disconnect();
    await this.loop;
    await Promise.all([...this.working]);
  }

  private async run(): Promise<void> {
    const { fleet, blocking } = this.deps;
    while (!this.stopped) {
      const accounts = this.deps.owned();
      if (accounts.length === 0) {
        await pause(IDLE_MS);
        continue;
      }
      let popped: [string, string] | null;
      try {
        popped = await blocking.brpop(...accounts.map((a) => fleet.store.keys.handovers(a)), POP_TIMEOUT_S);
      } catch (e) {
        if (this.stopped) return;
        this.log.warn({ err: e, accounts }, 'the hand-over queue could not be read; trying again in 1 s');
        await pause(1_000);
        continue;
      }
      if (popped === null) continue;
      const account = accounts.find((a) => fleet.store.keys.handovers(a) === popped[0]);
      if (account === undefined) continue;
      const work = this.take(account, popped[1]);
      this.working.add(work);
      void work.finally(() => this.working.delete(work));
    }
  }

  private async take(account: string, id: string): Promise<void> {
    const { fleet } = this.deps;
    try {
      const request = await fleet.handoverRequest(id);
      if (request === undefined || request.status !== 'pending') return;
      if (this.stopped) {
        await fleet.requeue(account, id);
        return;
      }
      let answer: unknown;
      try {
        answer = await this.deps.carryOut(account, request);
      } catch (e) {
        // Not driven here (any more), or this worker is stopping: the next owner takes it.
        if (e instanceof NotOwner || e instanceof LeaseLost || e instanceof GuardStopped) {
          await fleet.requeue(account, id);
          return;
        }
        if (!(e instanceof PosguardError))
          this.log.error(
            { err: e, handover: id, account, kind: request.kind },
            'a hand-over failed here; its caller is refused without the reason',
          );
        await fleet.settle(id, 'refused', refusalOf(e));
        return;
      }
      await fleet.settle(id, 'done', answer);
    } catch (e) {
      this.log.warn(
        { err: e, handover: id, account },
        'a hand-over could not be answered; its caller hears it is unknown at its deadline',
      );
    }
  }
}

function refusalOf(e: unknown): RefusalAnswer {
  if (e instanceof PosguardError) {
    const field = (e as { field?: unknown }).field;
    return { code: e.code, message: e.message, ...(typeof field === 'string' && field !== '' ? { field } : {}) };
  }
  // An unexpected error's text may say anything: it goes to the owner's log only.
  return {
    code: 'INTERNAL',
    message: 'the worker that owns the account could not carry it out; the reason is in its log',
  };
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => {
    setTimeout(resolve, ms).unref?.();
  });
}
