/**
 * What a position actor receives, and what it is started with.
 */
import type { PositionId } from '../domain/ids.js';
import type { Intent } from '../domain/intent.js';
import type { Market } from '../domain/market.js';
import type { FillReport, OrderStatusReport, PositionStatusReport } from '../domain/reports.js';
import type { CloseReason, PositionSettings } from './position.context.js';

export interface PositionInput {
  readonly id: PositionId;
  readonly intent: Intent;
  readonly market: Market;
  readonly hedgeMode: boolean;
  readonly settings: PositionSettings;
  /** Local time at which the actor is created. */
  readonly now: number;
  /** Whether the account's feed is live when the actor starts (else it polls from the start). */
  readonly feedUp?: boolean;
}

export type PositionEvent =
  | { readonly type: 'ORDER_REPORT'; readonly report: OrderStatusReport }
  | { readonly type: 'FILL_REPORT'; readonly report: FillReport }
  | { readonly type: 'POSITION_REPORT'; readonly report: PositionStatusReport }
  /** The account's feed went down or came back (`at`: local time of the change). */
  | { readonly type: 'FEED'; readonly up: boolean; readonly at?: number }
  /**
   * Close the position (carried out once the entry's fate is known). `requestId` names the
   * request: the same request delivered twice is one close. `at`: local time of the request
   * (the machine's now, against which the last report's freshness is judged).
   */
  | { readonly type: 'CLOSE'; readonly reason?: CloseReason; readonly requestId?: string; readonly at: number }
  /** Reconciliation adopts a position left in `orphanAlert`. */
  | { readonly type: 'ADOPT' }
  /**
   * Sent once after a restore from a snapshot: re-enter the waiting state to re-arm its
   * timers. `at` is the time of the restore: a deadline that passed while no worker ran gets
   * a fresh window, so that the new worker checks before it gives up.
   */
  | { readonly type: 'RESUME'; readonly at?: number };
