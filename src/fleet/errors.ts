/**
 * The named errors of the fleet (see docs/architecture.md, The fleet): what a caller hears when
 * an intent or a close handed to the account's lease holder did not come back in time, when it
 * was withdrawn, and when no worker owns the account at all.
 */
import { PosguardError } from '../domain/errors.js';

/** No worker of the fleet holds the account's lease: nobody can carry an intent or a close out. */
export class NoOwner extends PosguardError {
  readonly code = 'NOT_OWNER';
  constructor(readonly account: string) {
    super(
      `no posguard worker owns account ${account} right now (nobody holds its ownership lease): nothing was sent; ` +
        'start a worker with this account in its config, or wait for one to take it, then try again',
    );
  }
}

/**
 * A hand-over was not answered by its deadline, and what became of it cannot be said here: the
 * caller polls the position. Never a 5xx: the request may well have been carried out.
 */
export class HandoverUnanswered extends PosguardError {
  readonly code = 'HANDOVER_UNANSWERED';
  constructor(
    readonly positionId: string,
    readonly what: 'open' | 'close' | 'flatten' | 'sweep',
    why: string,
  ) {
    super(
      what === 'open' || what === 'close'
        ? `the ${what === 'open' ? 'intent' : 'close'} of position ${positionId} was handed to the worker that owns its account and its answer is unknown (${why}): ` +
            `poll GET /v1/positions/${positionId}`
        : `the ${what} ${positionId} was handed to the worker that owns the account and its answer is unknown (${why}): look at GET /v1/audit and GET /v1/positions`,
    );
  }
}

/** An intent handed over was withdrawn at its deadline before the owner journalled it: nothing was sent. */
export class HandoverWithdrawn extends PosguardError {
  readonly code = 'HANDOVER_WITHDRAWN';
  constructor(
    readonly positionId: string,
    status: string,
  ) {
    super(
      `the intent of position ${positionId} was handed to the worker that owns its account and withdrawn before it was journalled (${status}): ` +
        'nothing was sent; submit it again',
    );
  }
}

/** An entry not claimed yet when its account was flattened: it is never sent (see docs/architecture.md, The fleet). */
export class EntryAborted extends PosguardError {
  readonly code = 'ENTRY_ABORTED';
  constructor(
    readonly account: string,
    readonly positionId: string,
  ) {
    super(`the entry of position ${positionId} was aborted before it was sent: account ${account} is being flattened`);
  }
}
