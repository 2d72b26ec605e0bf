import { describe, expect, it } from 'vitest';
import { InvalidIntent } from '../../src/domain/errors.js';
import { parseIntent } from '../../src/domain/intent.js';
import { suggestName, suggestSymbol } from '../../src/domain/suggest.js';

const LISTED = ['BTC/USDT:USDT', 'ETH/USDT:USDT', 'AVL/USDT:USDT'];
const base = { account: 'main', symbol: 'AVL/USDT:USDT', side: 'buy', amount: 43 };

describe('suggestions for names a user typed', () => {
  it.each([
    ['AVLUSDT', 'AVL/USDT:USDT'],
    ['avlusdt', 'AVL/USDT:USDT'],
    ['AVL/USDT', 'AVL/USDT:USDT'],
    ['AVL-USDT', 'AVL/USDT:USDT'],
    ['BTC/USDT:USD', 'BTC/USDT:USDT'],
  ])('suggests %s → %s', (typed, expected) => {
    expect(suggestSymbol(typed, LISTED)).toBe(expected);
  });

  it('suggests nothing for a symbol that resembles no market', () => {
    expect(suggestSymbol('DOGE/USDT:USDT', LISTED)).toBeUndefined();
  });

  it('suggests the exchange id of a near miss, and nothing for a far one', () => {
    const ids = ['bybit', 'binance', 'binanceusdm', 'okx'];
    expect(suggestName('bybitt', ids)).toBe('bybit');
    expect(suggestName('binanceusd', ids)).toBe('binanceusdm');
    expect(suggestName('kraken', ids)).toBeUndefined();
  });
});

describe('intent errors show what was given', () => {
  it.each([
    ['amount', NaN, 'NaN'],
    ['amount', Infinity, 'Infinity'],
    ['amount', -Infinity, '-Infinity'],
    ['stopLoss', NaN, 'NaN'],
    ['amount', '43', '"43"'],
  ])('reports %s = %s as %s, not null', (field, value, shown) => {
    let error: unknown;
    try {
      parseIntent({ ...base, [field]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidIntent);
    expect((error as InvalidIntent).field).toBe(field);
    expect((error as InvalidIntent).message).toContain(`got ${shown}`);
    expect((error as InvalidIntent).message).not.toContain('null');
  });
});
