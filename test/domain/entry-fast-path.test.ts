/**
 * The entry fast path's rules: when the feed's view of a symbol stands in for the baseline read,
 * and when the ticker's last price stands in for the price fetch (see docs/architecture.md,
 * Request budget).
 */
import { describe, expect, it } from 'vitest';
import {
  baselineFromFeed,
  priceFromTicker,
  type FeedView,
  type PriceTick,
  type TickerFacts,
} from '../../src/domain/entry-fast-path.js';
import type { PositionStatusReport } from '../../src/domain/reports.js';

const AVL = 'AVL/USDT:USDT';
const REST_LAG = 5_000;
const UP = 100_000;
const report = (over: Partial<PositionStatusReport>): PositionStatusReport => ({
  symbol: AVL,
  side: undefined,
  size: 0,
  entryPrice: undefined,
  markPrice: undefined,
  source: 'stream',
  receivedAt: UP + 1_000,
  venueTime: UP + 900,
  ...over,
});
const view = (over: Partial<FeedView>): FeedView => ({ live: true, upSince: UP, report: report({}), ...over });

describe('baselineFromFeed', () => {
  it.each<[string, FeedView, 'feed' | RegExp]>([
    ['a stream report of this session is the baseline', view({}), 'feed'],
    [
      'a stream report received the instant the stream came up counts',
      view({ report: report({ receivedAt: UP }) }),
      'feed',
    ],
    ['the feed down: read', view({ live: false }), /feed is not live/],
    ['the stream never came up: read', view({ upSince: undefined }), /never came up/],
    ['nothing known of the symbol: read', view({ report: undefined }), /knows nothing/],
    [
      'a stream report from before the last gap: read (the gap may have lost a change)',
      view({ report: report({ receivedAt: UP - 1 }) }),
      /before its last gap/,
    ],
    [
      "a REST read received less than restLagMs after the stream came up (the resync's): read",
      view({ report: report({ source: 'position-query', receivedAt: UP + REST_LAG - 1 }) }),
      /REST read received 4999 ms after the stream came up \(less than restLagMs 5000\)/,
    ],
    [
      'a REST read received restLagMs after the stream came up is the baseline',
      view({ report: report({ source: 'position-query', receivedAt: UP + REST_LAG }) }),
      'feed',
    ],
    [
      'an order-query source counts as REST',
      view({ report: report({ source: 'order-query', receivedAt: UP + 10 }) }),
      /REST read/,
    ],
  ])('%s', (_name, v, expected) => {
    const choice = baselineFromFeed(v, REST_LAG);
    if (expected === 'feed') expect(choice.kind).toBe('feed');
    else expect(choice).toMatchObject({ kind: 'read', why: expect.stringMatching(expected) });
  });

  it("carries the report's side, size and timing (a held position is the baseline as it is)", () => {
    const held = report({ side: 'sell', size: 7, venueSeq: 12, receivedAt: UP + 2_000, venueTime: UP + 1_990 });
    expect(baselineFromFeed(view({ report: held }), REST_LAG)).toEqual({
      kind: 'feed',
      baseline: {
        side: 'sell',
        size: 7,
        timing: { source: 'stream', venueTime: UP + 1_990, venueSeq: 12, receivedAt: UP + 2_000 },
      },
    });
  });

  it('a flat report is a flat baseline with no side', () => {
    expect(baselineFromFeed(view({}), REST_LAG)).toMatchObject({
      kind: 'feed',
      baseline: { side: undefined, size: 0 },
    });
  });
});

const NOW = 200_000;
const tick = (over: Partial<PriceTick>): PriceTick => ({
  symbol: AVL,
  mark: 0.25,
  last: 0.26,
  venueTime: NOW - 500,
  receivedAt: NOW - 400,
  ...over,
});
const facts = (over: Partial<TickerFacts>): TickerFacts => ({
  live: true,
  tick: tick({}),
  triggerBy: 'mark',
  reportStaleMs: 2_000,
  venueNow: NOW,
  ...over,
});

describe('priceFromTicker', () => {
  it.each<[string, TickerFacts, { trigger: number; mark: number } | RegExp]>([
    ['a fresh tick: the mark validates a mark-triggered stop', facts({}), { trigger: 0.25, mark: 0.25 }],
    [
      'a fresh tick: the last validates a last-triggered stop',
      facts({ triggerBy: 'last' }),
      { trigger: 0.26, mark: 0.25 },
    ],
    [
      'a tick exactly reportStaleMs old counts',
      facts({ tick: tick({ venueTime: NOW - 2_000 }) }),
      { trigger: 0.25, mark: 0.25 },
    ],
    [
      'a tick older than reportStaleMs by venue time: fetch, however recently it arrived (held back on the way)',
      facts({ tick: tick({ venueTime: NOW - 2_001, receivedAt: NOW }) }),
      /2001 ms old by venue time \(more than reportStaleMs 2000\)/,
    ],
    ['the feed down: fetch', facts({ live: false }), /feed is not live/],
    ['no tick yet: fetch', facts({ tick: undefined }), /no tick/],
    [
      "a stream without the last price (Binance's @markPrice) for a last-triggered stop: fetch",
      facts({ triggerBy: 'last', tick: tick({ last: undefined }) }),
      /carries no last price/,
    ],
    [
      'a mark-only tick: the mark is also the notional price',
      facts({ tick: tick({ last: undefined, mark: 0.3 }) }),
      { trigger: 0.3, mark: 0.3 },
    ],
    [
      'a last-only tick for a last-triggered stop: the last is the notional price too',
      facts({ triggerBy: 'last', tick: tick({ mark: undefined }) }),
      { trigger: 0.26, mark: 0.26 },
    ],
  ])('%s', (_name, f, expected) => {
    const choice = priceFromTicker(f);
    if (expected instanceof RegExp)
      expect(choice).toMatchObject({ kind: 'fetch', why: expect.stringMatching(expected) });
    else expect(choice).toEqual({ kind: 'ticker', ...expected });
  });
});
