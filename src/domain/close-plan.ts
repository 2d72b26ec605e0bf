/**
 * `planClose`: the only way posguard sizes and sides a close or a rollback (see
 * docs/architecture.md, Principles). The side is the opposite of the **live** position's side as the exchange
 * reports it, cross-checked with the intent; the amount is at most the smaller of the live
 * size and what this position's own orders filled, floored to the market's step; the order
 * is always reduce-only. Anything doubtful is refused with `CloseRefused`, never guessed.
 *
 * @example
 * planClose({ side: 'buy', size: 43, … }, { side: 'buy', symbol }, market, { ownFilled: 43, mode: 'one-way' })
 * // { symbol, side: 'sell', amount: 43, reduceOnly: true }
 */
import { floorToStep, gt, isZero, min } from './decimal.js';
import { CloseRefused } from './errors.js';
import type { Market } from './market.js';
import type { PositionStatusReport } from './reports.js';
import { opposite, type Side } from './side.js';

export interface PlannedClose {
  readonly symbol: string;
  readonly side: Side;
  readonly amount: number;
  readonly reduceOnly: true;
  /** Hedge-mode position index, when the account is in hedge mode. */
  readonly hedgeIndex?: number;
}

export interface CloseContext {
  /** What this position's own orders filled, net of what earlier closes already reduced. */
  readonly ownFilled: number;
  readonly mode: 'one-way' | 'hedge';
}

export function planClose(
  live: Pick<PositionStatusReport, 'symbol' | 'side' | 'size' | 'hedgeIndex'>,
  intent: { readonly symbol: string; readonly side: Side },
  market: Market,
  ctx: CloseContext,
): PlannedClose {
  if (live.symbol !== intent.symbol || market.symbol !== intent.symbol) {
    throw new CloseRefused('side-disagrees', `the live report is for ${live.symbol}, the intent for ${intent.symbol}`);
  }
  if (ctx.mode === 'hedge' && live.hedgeIndex === undefined) {
    throw new CloseRefused(
      'hedge-mode',
      `the account is in hedge mode and the report of ${live.symbol} has no position index`,
    );
  }
  if (!gt(live.size, 0)) throw new CloseRefused('flat', `the live ${live.symbol} position is flat: nothing to close`);
  if (live.side === undefined) {
    throw new CloseRefused('no-side', `the live ${live.symbol} position of size ${live.size} has no side`);
  }
  if (live.side !== intent.side) {
    throw new CloseRefused(
      'side-disagrees',
      `the live ${live.symbol} position is ${live.side === 'buy' ? 'long' : 'short'} but the intent was ${intent.side}: ` +
        'someone else holds this position; reconcile by hand',
    );
  }
  const amount = floorToStep(min(live.size, ctx.ownFilled), market.amountStep);
  if (isZero(amount)) {
    throw new CloseRefused(
      'nothing-filled',
      `this position's own orders filled ${ctx.ownFilled}; less than one step (${market.amountStep}) to close`,
    );
  }
  return {
    symbol: live.symbol,
    side: opposite(live.side),
    amount,
    reduceOnly: true,
    ...(ctx.mode === 'hedge' && live.hedgeIndex !== undefined ? { hedgeIndex: live.hedgeIndex } : {}),
  };
}
