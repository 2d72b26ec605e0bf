/**
 * Alerts: what posguard raises when a human must look. `kind` is public (API, channels,
 * dashboards); `key` groups repeats of the same problem so that they are rate limited.
 */
import type { AccountId, PositionId } from './ids.js';

export type AlertKind =
  | 'orphan'
  | 'mismatch'
  | 'closeUnverified'
  | 'unknownOrder'
  | 'protectionFailed'
  | 'protectionUnconfirmed'
  | 'protectionLost'
  | 'feedDown'
  | 'supervisorEscalation'
  | 'closeRefused'
  /** The all-clear of a `feedDown`: the account's private stream is live again. */
  | 'feedRecovered'
  /** A scheduled sweep has not run for two of its intervals (its schedule deleted, its worker stuck, the venue failing). */
  | 'sweepStale'
  /** The store lost its data (a Redis restarted without it); what the worker knew was written back, or could not be. */
  | 'storeWiped'
  /** A worker could not take (or keep driving) an account: it let the lease go and tries again. */
  | 'accountUnguarded'
  /** The venue has been refusing an account's requests for its rate limit for a sustained time (its budget backs off meanwhile). */
  | 'rateLimited';

export interface AlertDraft {
  readonly kind: AlertKind;
  readonly message: string;
  /** Tells apart different problems of one kind on one subject (say, which mismatch). */
  readonly topic?: string;
}

export interface Alert extends AlertDraft {
  readonly id: string;
  readonly key: string;
  readonly account: AccountId;
  readonly symbol: string | undefined;
  readonly positionId: PositionId | undefined;
  readonly at: number;
}

/**
 * The grouping key: one problem of one kind (and topic) on one position (or else symbol) of
 * one account. Every sink groups by this one function.
 */
export function alertKey(
  draft: Pick<AlertDraft, 'kind' | 'topic'>,
  subject: { readonly account: string; readonly symbol?: string | undefined; readonly positionId?: string | undefined },
): string {
  const on = subject.positionId ?? subject.symbol ?? '-';
  return `${draft.kind}:${subject.account}:${on}${draft.topic === undefined ? '' : `:${draft.topic}`}`;
}
