import { describe, expect, it } from 'vitest';
import { judgeFlatReport, sourceLags, judgeAbsence } from '../../src/domain/freshness.js';
import type { ReportSource, ReportTiming } from '../../src/domain/reports.js';

const lags = sourceLags(5_000);
const at = (
  source: ReportSource,
  venueTime: number | undefined,
  receivedAt: number,
  venueSeq?: number,
): ReportTiming => ({ source, venueTime, receivedAt, venueSeq });

describe('the freshness rule for flat reports', () => {
  it.each([
    // name, flat report, last non-flat evidence, counts?, why
    [
      'REST flat read 4 s after a stream fill, showing an older state (the incident)',
      at('position-query', 13_19_05_000, 13_19_10_000),
      at('stream', 13_19_06_000, 13_19_06_000),
      false,
      'not-later-venue-time',
    ],
    [
      'REST flat with a later venue time but received 1 s after the fill',
      at('position-query', 13_19_07_000, 13_19_07_000),
      at('stream', 13_19_06_000, 13_19_06_000),
      false,
      'within-source-lag',
    ],
    [
      'REST flat with a later venue time, received past the lag',
      at('position-query', 13_19_12_000, 13_19_12_000),
      at('stream', 13_19_06_000, 13_19_06_000),
      true,
      undefined,
    ],
    [
      'REST flat received exactly the lag after',
      at('position-query', 13_19_11_000, 13_19_11_000),
      at('stream', 13_19_06_000, 13_19_06_000),
      true,
      undefined,
    ],
    ['stream flat one ms later than the fill', at('stream', 1_001, 1_001), at('stream', 1_000, 1_000), true, undefined],
    [
      'stream flat with the same venue time as the fill',
      at('stream', 1_000, 1_002),
      at('stream', 1_000, 1_000),
      false,
      'not-later-venue-time',
    ],
    [
      'a higher sequence number wins even at the same venue time',
      at('stream', 1_000, 1_000, 8),
      at('stream', 1_000, 1_000, 7),
      true,
      undefined,
    ],
    [
      'a lower sequence number loses even at a later venue time',
      at('stream', 2_000, 2_000, 6),
      at('stream', 1_000, 1_000, 7),
      false,
      'older-sequence',
    ],
    [
      'an equal sequence number is not newer',
      at('position-query', 9_000, 9_000, 7),
      at('stream', 1_000, 1_000, 7),
      false,
      'older-sequence',
    ],
    [
      'REST flat with a newer sequence still waits out the lag',
      at('position-query', 1_500, 1_500, 8),
      at('stream', 1_000, 1_000, 7),
      false,
      'within-source-lag',
    ],
    [
      'a flat report without venue time cannot be ordered',
      at('stream', undefined, 9_000),
      at('stream', 1_000, 1_000),
      false,
      'no-venue-time',
    ],
    [
      'an order-query flat also waits out the REST lag',
      at('order-query', 2_000, 2_000),
      at('stream', 1_000, 1_000),
      false,
      'within-source-lag',
    ],
    ['a flat report with no earlier non-flat evidence', at('position-query', 1_000, 1_000), undefined, true, undefined],
  ])('%s → counts: %s', (_name, flat, evidence, counts, why) => {
    const verdict = judgeFlatReport(flat, evidence, lags);
    expect(verdict.counts).toBe(counts);
    if (!verdict.counts) expect(verdict.why).toBe(why);
  });
});

describe('judgeAbsence: a "not found" believed only from a state since the worker took the account', () => {
  const lags = sourceLags(2_000);
  const since = 10_000;
  it.each([
    [
      'the simulated venue: a state since the take-over, asked restLagMs after it',
      at('order-query', 12_000, 12_000),
      true,
      undefined,
    ],
    [
      'the simulated venue: REST lagging beyond restLagMs shows a state before the take-over',
      at('order-query', 8_000, 15_000),
      false,
      'older-venue-time',
    ],
    [
      'a real venue (no state time): asked restLagMs after the take-over',
      at('order-query', undefined, 12_000),
      true,
      undefined,
    ],
    [
      'a real venue (no state time): asked within restLagMs of the take-over',
      at('order-query', undefined, 11_999),
      false,
      'within-source-lag',
    ],
    [
      'the simulated venue: a venue time since the take-over counts at once (its index delay is in that time)',
      at('order-query', 10_000, 10_000),
      true,
      undefined,
    ],
  ] as const)('%s → counts: %s', (_name, absence, counts, why) => {
    const verdict = judgeAbsence(absence, since, lags);
    expect(verdict.counts).toBe(counts);
    if (!verdict.counts) expect(verdict.why).toBe(why);
  });
});
