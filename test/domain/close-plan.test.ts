import { describe, expect, it } from 'vitest';
import { planClose } from '../../src/domain/close-plan.js';
import { CloseRefused } from '../../src/domain/errors.js';
import type { Market } from '../../src/domain/market.js';
import type { Side } from '../../src/domain/side.js';

const AVL: Market = {
  symbol: 'AVL/USDT:USDT',
  amountStep: 1,
  priceStep: 0.0001,
  minAmount: 1,
  minNotional: 5,
  contractSize: 1,
};
const BTC: Market = {
  symbol: 'BTC/USDT:USDT',
  amountStep: 0.001,
  priceStep: 0.1,
  minAmount: 0.001,
  minNotional: 5,
  contractSize: 1,
};
const live = (symbol: string, side: Side | undefined, size: number, hedgeIndex?: number) => ({
  symbol,
  side,
  size,
  hedgeIndex,
});

describe('planClose', () => {
  it.each([
    [
      'a live 43 long → reduce-only sell of 43',
      live(AVL.symbol, 'buy', 43),
      'buy',
      AVL,
      43,
      { side: 'sell', amount: 43 },
    ],
    [
      'a live 20 short → reduce-only buy of 20',
      live(AVL.symbol, 'sell', 20),
      'sell',
      AVL,
      20,
      { side: 'buy', amount: 20 },
    ],
    [
      'a live 86 long of which we filled 43 → sell 43 only',
      live(AVL.symbol, 'buy', 86),
      'buy',
      AVL,
      43,
      { side: 'sell', amount: 43 },
    ],
    [
      'a live 10 long after we filled 43 → sell the live 10',
      live(AVL.symbol, 'buy', 10),
      'buy',
      AVL,
      43,
      { side: 'sell', amount: 10 },
    ],
    [
      'a float-ish BTC size is floored to the step, never up',
      live(BTC.symbol, 'buy', 0.0129),
      'buy',
      BTC,
      0.02,
      { side: 'sell', amount: 0.012 },
    ],
    [
      '0.1 + 0.2 BTC filled closes exactly 0.3',
      live(BTC.symbol, 'sell', 0.30000000000000004),
      'sell',
      BTC,
      0.3,
      { side: 'buy', amount: 0.3 },
    ],
  ] as const)('%s', (_name, position, intentSide, market, ownFilled, expected) => {
    const plan = planClose(position, { symbol: market.symbol, side: intentSide }, market, {
      ownFilled,
      mode: 'one-way',
    });
    expect(plan).toEqual({ symbol: market.symbol, reduceOnly: true, ...expected });
  });

  it.each([
    ['the live position is flat', live(AVL.symbol, undefined, 0), 'buy', 'one-way', 'flat'],
    ['the live position has no side', live(AVL.symbol, undefined, 43), 'buy', 'one-way', 'no-side'],
    ['the live side disagrees with the intent', live(AVL.symbol, 'sell', 43), 'buy', 'one-way', 'side-disagrees'],
    [
      'the account is in hedge mode without a position index',
      live(AVL.symbol, 'buy', 43),
      'buy',
      'hedge',
      'hedge-mode',
    ],
    ['the report is for another symbol', live(BTC.symbol, 'buy', 43), 'buy', 'one-way', 'side-disagrees'],
  ] as const)('refuses when %s', (_name, position, intentSide, mode, reason) => {
    const call = () => planClose(position, { symbol: AVL.symbol, side: intentSide }, AVL, { ownFilled: 43, mode });
    expect(call).toThrow(CloseRefused);
    try {
      call();
    } catch (e) {
      expect((e as CloseRefused).reason).toBe(reason);
    }
  });

  it('refuses when less than one step of our own fill is left', () => {
    expect(() =>
      planClose(live(AVL.symbol, 'buy', 43), { symbol: AVL.symbol, side: 'buy' }, AVL, {
        ownFilled: 0.5,
        mode: 'one-way',
      }),
    ).toThrow(/nothing-filled/);
  });

  it('carries the position index in hedge mode when the report has one', () => {
    const plan = planClose(live(AVL.symbol, 'buy', 43, 1), { symbol: AVL.symbol, side: 'buy' }, AVL, {
      ownFilled: 43,
      mode: 'hedge',
    });
    expect(plan).toMatchObject({ side: 'sell', amount: 43, hedgeIndex: 1, reduceOnly: true });
  });
});
