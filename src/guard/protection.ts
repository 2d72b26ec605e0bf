/**
 * Whether a position is protected, as the registry, the API, `posguard status` and the
 * metrics show it: one function over the position's context and state. Pure.
 *
 * - `none`: the intent asked for no stop;
 * - `pending`: a stop is asked for and not confirmed yet (not placed, or placed with no report of it);
 * - `confirmed`: a report from the venue shows the stop working;
 * - `refused`: the venue refused the stop;
 * - `lost`: the stop ended (cancelled, expired) while the position needed it;
 * - `triggered`: the stop fired;
 * - `ended`: the position is final, nothing to protect.
 *
 * @example
 * protectionOf(ctx, 'open'); // 'confirmed'
 */
import { isTerminal, type PositionContext } from '../machines/position.context.js';
import { FINAL_STATES, type PositionStateName } from '../machines/position.machine.js';

export type Protection = 'none' | 'pending' | 'confirmed' | 'refused' | 'lost' | 'triggered' | 'ended';

/** The protections that leave a held position without a working stop it asked for. */
export const UNPROTECTED: readonly Protection[] = ['pending', 'refused', 'lost'];

export function protectionOf(ctx: PositionContext, state: PositionStateName): Protection {
  if (FINAL_STATES.includes(state)) return 'ended';
  if (ctx.intent.stopLoss === undefined) return 'none';
  const stop = ctx.stop;
  if (stop === undefined) return 'pending';
  if (stop.send === 'rejected') return 'refused';
  if (stop.report === undefined) return 'pending';
  if (!isTerminal(stop)) return stop.report.status === 'triggered' ? 'triggered' : 'confirmed';
  return stop.report.filled > 0 ? 'triggered' : 'lost';
}
