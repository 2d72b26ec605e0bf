/**
 * An intent is what a bot asks for. `parseIntent` checks its shape (unknown keys are errors:
 * a misspelt `stoploss` must not open an unprotected position); `checkIntentAgainstMarket`
 * checks it against the market and the mark price. Invalid intents are refused with the
 * field and the reason — never rounded.
 *
 * @example
 * const intent = parseIntent({ account: 'main', symbol: 'AVL/USDT:USDT', side: 'buy', amount: 43, stopLoss: 0.21 });
 * checkIntentAgainstMarket(intent, market, 0.25);
 */
import { gte, isMultipleOf, lt, mul, gt } from './decimal.js';
import { InvalidIntent } from './errors.js';
import { asAccountId, type AccountId } from './ids.js';
import type { Market } from './market.js';
import type { TriggerBy } from './entry-fast-path.js';
import { isSide, type Side } from './side.js';

export interface Intent {
  readonly account: AccountId;
  readonly symbol: string;
  readonly side: Side;
  readonly amount: number;
  readonly stopLoss?: number;
  readonly idempotencyKey?: string;
}

const KEYS = new Set(['account', 'symbol', 'side', 'amount', 'stopLoss', 'idempotencyKey']);

function nonEmptyString(o: Record<string, unknown>, field: string, max: number): string {
  const v = o[field];
  if (typeof v !== 'string' || v.trim() === '') throw new InvalidIntent(field, 'must be a non-empty string');
  if (v.length > max) throw new InvalidIntent(field, `must be at most ${max} characters`);
  return v;
}

/** What was given, as the user would write it: `NaN` and `Infinity` as such, not JSON's `null`. */
function shown(v: unknown): string {
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (typeof v === 'bigint') return `${v}n`;
  return JSON.stringify(v) ?? 'nothing';
}

function positiveNumber(o: Record<string, unknown>, field: string): number {
  const v = o[field];
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new InvalidIntent(field, `must be a positive number, got ${shown(v)}`);
  }
  return v;
}

export function parseIntent(raw: unknown): Intent {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new InvalidIntent('(intent)', 'must be an object');
  const o = raw as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KEYS.has(key))
      throw new InvalidIntent(key, `is not a field of an intent (expected one of ${[...KEYS].join(', ')})`);
  }
  const account = nonEmptyString(o, 'account', 64);
  const symbol = nonEmptyString(o, 'symbol', 64);
  if (!isSide(o.side)) throw new InvalidIntent('side', `must be "buy" or "sell", got ${shown(o.side)}`);
  const amount = positiveNumber(o, 'amount');
  const stopLoss = o.stopLoss === undefined ? undefined : positiveNumber(o, 'stopLoss');
  const idempotencyKey = o.idempotencyKey === undefined ? undefined : nonEmptyString(o, 'idempotencyKey', 128);
  return {
    account: asAccountId(account),
    symbol,
    side: o.side,
    amount,
    ...(stopLoss === undefined ? {} : { stopLoss }),
    ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
  };
}

/**
 * Throws `InvalidIntent` unless the intent can be sent to `market` as it is: its notional at
 * `markPrice`, its stop against `trigger` (the price the stop fires on: the mark or the last
 * price, `protection.triggerBy`; the mark when not given).
 */
export function checkIntentAgainstMarket(
  intent: Intent,
  market: Market,
  markPrice: number,
  trigger: { readonly by: TriggerBy; readonly price: number } = { by: 'mark', price: markPrice },
): void {
  if (intent.symbol !== market.symbol)
    throw new InvalidIntent('symbol', `is ${intent.symbol} but the market is ${market.symbol}`);
  if (!isMultipleOf(intent.amount, market.amountStep)) {
    throw new InvalidIntent('amount', `${intent.amount} is not a multiple of the market's step ${market.amountStep}`);
  }
  if (lt(intent.amount, market.minAmount)) {
    throw new InvalidIntent('amount', `${intent.amount} is below the market's minimum ${market.minAmount}`);
  }
  const notional = mul(mul(intent.amount, markPrice), market.contractSize);
  if (lt(notional, market.minNotional)) {
    throw new InvalidIntent(
      'amount',
      `notional ${notional} at mark ${markPrice} is below the market's minimum ${market.minNotional}`,
    );
  }
  const stop = intent.stopLoss;
  if (stop === undefined) return;
  if (!isMultipleOf(stop, market.priceStep)) {
    throw new InvalidIntent('stopLoss', `${stop} is not a multiple of the market's price step ${market.priceStep}`);
  }
  const { by, price } = trigger;
  if (intent.side === 'buy' && gte(stop, price)) {
    throw new InvalidIntent('stopLoss', `${stop} must be below the ${by} price ${price} for a long`);
  }
  if (intent.side === 'sell' && !gt(stop, price)) {
    throw new InvalidIntent('stopLoss', `${stop} must be above the ${by} price ${price} for a short`);
  }
}

export function validateIntent(raw: unknown, market: Market, markPrice: number): Intent {
  const intent = parseIntent(raw);
  checkIntentAgainstMarket(intent, market, markPrice);
  return intent;
}
