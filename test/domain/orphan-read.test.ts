/**
 * The rule of an operator's adopt or flatten of an orphan: the venue's fresh read against what
 * the account already knows of the symbol (stream reports, a closed position's proof of flat).
 */
import { describe, expect, it } from 'vitest';
import { sourceLags } from '../../src/domain/freshness.js';
import { judgeOrphanRead } from '../../src/domain/orphan-read.js';
import type { PositionStatusReport } from '../../src/domain/reports.js';

const ETH = 'ETH/USDT:USDT';
const report = (over: Partial<PositionStatusReport>): PositionStatusReport => ({
  symbol: ETH,
  side: 'buy',
  size: 0.5,
  entryPrice: 3_000,
  markPrice: 3_000,
  source: 'position-query',
  receivedAt: 10_000,
  venueTime: 1_000,
  ...over,
});
const lags = sourceLags(5_000);
const expected = { side: 'buy', size: 0.5 };

describe('judgeOrphanRead', () => {
  it.each([
    ['nothing known: the read is taken', report({}), undefined, 'take'],
    [
      "a read newer than the stream's report is taken",
      report({ venueTime: 2_000 }),
      report({ source: 'stream', venueTime: 1_000 }),
      'take',
    ],
    [
      'a read as new and saying the same is taken (the known report, as fresh)',
      report({}),
      report({ source: 'stream' }),
      'take',
    ],
    [
      'a read older than a proven flat is refused (the ghost of a closed position)',
      report({ venueTime: 1_000 }),
      report({ source: 'stream', side: undefined, size: 0, venueTime: 2_000 }),
      /older than what posguard already knows of the symbol \(flat\)/,
    ],
    [
      'a read as new but different is refused',
      report({ size: 0.5 }),
      report({ source: 'stream', size: 0.7 }),
      /as new as but different from .* \(0\.7 buy\)/,
    ],
    [
      'a flat read is refused',
      report({ side: undefined, size: 0, venueTime: 3_000 }),
      undefined,
      /holds no position there now/,
    ],
    ['no read of the symbol is refused', undefined, undefined, /holds no position there now/],
    [
      'another size than found is refused',
      report({ size: 0.7 }),
      undefined,
      /now holds 0\.7 buy, not the 0\.5 buy that was found/,
    ],
    ['another side than found is refused', report({ side: 'sell' }), undefined, /now holds 0\.5 sell/],
  ] as const)('%s', (_name, read, known, want) => {
    const verdict = judgeOrphanRead(read, known, expected, lags);
    if (want === 'take') expect(verdict.kind).toBe('take');
    else {
      expect(verdict.kind).toBe('refused');
      expect(verdict.kind === 'refused' ? verdict.why : '').toMatch(want);
    }
  });
});
