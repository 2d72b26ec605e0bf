import { describe, expect, it } from 'vitest';
import { InvalidIntent } from '../../src/domain/errors.js';
import { validateIntent } from '../../src/domain/intent.js';
import type { Market } from '../../src/domain/market.js';

const AVL: Market = {
  symbol: 'AVL/USDT:USDT',
  amountStep: 1,
  priceStep: 0.0001,
  minAmount: 1,
  minNotional: 5,
  contractSize: 1,
};
const good = { account: 'main', symbol: 'AVL/USDT:USDT', side: 'buy', amount: 43, stopLoss: 0.21 };
const MARK = 0.25;

describe('intent validation', () => {
  it('accepts the incident intent as it is', () => {
    expect(validateIntent(good, AVL, MARK)).toEqual(good);
  });

  it('accepts a short with its stop above the mark, and an idempotency key', () => {
    const short = { ...good, side: 'sell', stopLoss: 0.29, idempotencyKey: 'bot-7-0001' };
    expect(validateIntent(short, AVL, MARK)).toEqual(short);
  });

  it.each([
    ['an amount off the step', { ...good, amount: 43.5 }, 'amount', /multiple of the market's step 1/],
    [
      'an amount below the minimum notional',
      { ...good, amount: 19 },
      'amount',
      /notional 4.75 .* below the market's minimum 5/,
    ],
    ['a zero amount', { ...good, amount: 0 }, 'amount', /positive number/],
    ['a string amount', { ...good, amount: '43' }, 'amount', /positive number/],
    [
      'a long with its stop above the mark',
      { ...good, stopLoss: 0.26 },
      'stopLoss',
      /below the mark price 0.25 for a long/,
    ],
    ['a long with its stop at the mark', { ...good, stopLoss: 0.25 }, 'stopLoss', /below the mark/],
    [
      'a short with its stop below the mark',
      { ...good, side: 'sell', stopLoss: 0.21 },
      'stopLoss',
      /above the mark price 0.25 for a short/,
    ],
    ['a stop off the price step', { ...good, stopLoss: 0.21005 }, 'stopLoss', /price step/],
    ['a side that is not buy or sell', { ...good, side: 'long' }, 'side', /"buy" or "sell"/],
    ['a missing side', { ...good, side: undefined }, 'side', /"buy" or "sell"/],
    [
      'a misspelt stop-loss key',
      { ...good, stopLoss: undefined, stoploss: 0.21 },
      'stoploss',
      /not a field of an intent/,
    ],
    ['an empty account', { ...good, account: '' }, 'account', /non-empty string/],
    ['another market', { ...good, symbol: 'BTC/USDT:USDT' }, 'symbol', /market is AVL/],
  ])('refuses %s, naming the field', (_name, raw, field, reason) => {
    const call = () => validateIntent(raw, AVL, MARK);
    expect(call).toThrow(InvalidIntent);
    expect(call).toThrow(reason);
    try {
      call();
    } catch (e) {
      expect((e as InvalidIntent).field).toBe(field);
    }
  });

  it('never rounds: 42.9999 is refused, not sent as 43', () => {
    expect(() => validateIntent({ ...good, amount: 42.9999 }, AVL, MARK)).toThrow(InvalidIntent);
  });
});
