/**
 * The fail-fast position normaliser: a flat position is a positive flat report; a non-flat
 * one without a side, or any position without a symbol or a readable size, is an error —
 * never a guess.
 */
import { describe, expect, it } from 'vitest';
import { MalformedPositionReply, normalizePosition } from '../../../src/exchange/ccxt/index.js';

const ctx = { source: 'stream' as const, receivedAt: 1_000 };

describe('normalizePosition', () => {
  it('turns a long into a buy-side report with the venue sequence and time', () => {
    expect(
      normalizePosition(
        {
          symbol: 'AVL/USDT:USDT',
          side: 'long',
          contracts: 43,
          entryPrice: 0.25,
          markPrice: 0.26,
          lastUpdateTimestamp: 900,
        },
        { ...ctx, venueSeq: 7 },
      ),
    ).toEqual({
      source: 'stream',
      receivedAt: 1_000,
      venueTime: 900,
      venueSeq: 7,
      symbol: 'AVL/USDT:USDT',
      side: 'buy',
      size: 43,
      entryPrice: 0.25,
      markPrice: 0.26,
    });
  });

  it.each([
    ['Bybit (side undefined)', { symbol: 'AVL/USDT:USDT', side: undefined, contracts: 0 }],
    ['Binance (positionSide both)', { symbol: 'AVL/USDT:USDT', side: 'both', contracts: 0 }],
    ['a string size', { symbol: 'AVL/USDT:USDT', side: 'long', contracts: '0' }],
  ])('reads a flat position from %s as side undefined, size 0', (_venue, raw) => {
    expect(normalizePosition(raw, ctx)).toMatchObject({ side: undefined, size: 0, entryPrice: undefined });
  });

  it.each([
    ['no symbol', { side: 'long', contracts: 1 }, 'symbol'],
    ['no size', { symbol: 'X', side: 'long' }, 'contracts'],
    ['a negative size', { symbol: 'X', side: 'long', contracts: -1 }, 'contracts'],
    ['a size without a side', { symbol: 'X', side: undefined, contracts: 43 }, 'side'],
    ['a size with an unknown side', { symbol: 'X', side: 'unknown', contracts: 43 }, 'side'],
  ])('refuses a position with %s', (_what, raw, field) => {
    expect(() => normalizePosition(raw, ctx)).toThrow(MalformedPositionReply);
    try {
      normalizePosition(raw, ctx);
    } catch (e) {
      expect((e as MalformedPositionReply).field).toBe(field);
    }
  });
});
