import { describe, expect, it } from 'vitest';
import type { PositionId } from '../../src/domain/ids.js';
import type { PositionStatusReport } from '../../src/domain/reports.js';
import type { Finding } from '../../src/sweeps/reconcile.js';
import { planSweep, type OrphanPolicy } from '../../src/sweeps/sweep-plan.js';

const AVL = 'AVL/USDT:USDT';
const P1 = '01KAV9FT00000000000000000P' as PositionId;
const report: PositionStatusReport = {
  source: 'position-query',
  venueTime: 1,
  receivedAt: 2,
  symbol: AVL,
  side: 'buy',
  size: 43,
  entryPrice: 0.25,
  markPrice: 0.25,
};
const orphan: Finding = { kind: 'orphan', symbol: AVL, side: 'buy', size: 43 };
const view = new Map([[AVL, report]]);

describe('planSweep (pure)', () => {
  it.each<[OrphanPolicy, string, RegExp]>([
    ['alert', 'alert', /left alone \(policy: alert\)$/],
    ['adopt', 'adopt', /; adopted$/],
    ['flatten', 'flatten', /adopted and being closed reduce-only$/],
  ])('an orphan under policy %s: an orphan alert, then %s', (policy, kind, text) => {
    const [c] = planSweep([orphan], view, policy);
    expect(c?.kind).toBe(kind);
    expect(c?.alert).toMatchObject({ kind: 'orphan', message: expect.stringMatching(text) });
    if (c !== undefined && (c.kind === 'adopt' || c.kind === 'flatten')) expect(c.report).toBe(report);
  });

  it('a leftover stop is cancelled only where the freshest report positively shows its symbol flat; elsewhere it is alerted', () => {
    const leftover = {
      kind: 'leftoverStop' as const,
      symbol: report.symbol,
      clientOrderId: 'pg-01KAV9G5EJ5AQPJ3PWG3MCMNT0-s1',
      positionId: undefined,
    };
    const flat = new Map([[report.symbol, { ...report, size: 0, side: undefined }]]);
    expect(planSweep([leftover], flat, 'alert')).toMatchObject([
      { kind: 'cancelStop', clientOrderId: leftover.clientOrderId, alert: { kind: 'mismatch', topic: 'leftoverStop' } },
    ]);
    expect(planSweep([leftover], view, 'alert').map((c) => c.kind)).toEqual(['alert']); // the symbol is held: the stop may protect it
    expect(planSweep([leftover], new Map(), 'alert').map((c) => c.kind)).toEqual(['alert']); // not in the list proves nothing
  });

  it('an orphan whose report is not in the view is alerted, never adopted from nothing', () => {
    expect(planSweep([orphan], new Map(), 'adopt').map((c) => c.kind)).toEqual(['alert']);
  });

  it('a difference is a mismatch alert with its kind as the topic, about its position', () => {
    const f: Finding = { kind: 'missingStop', positionId: P1, symbol: AVL };
    expect(planSweep([f], view, 'flatten')).toEqual([
      {
        kind: 'alert',
        alert: {
          kind: 'mismatch',
          topic: 'missingStop',
          message: expect.stringContaining('without its protective stop'),
        },
        subject: { symbol: AVL, positionId: P1 },
      },
    ]);
  });

  it('a size or side that differs from the read is alerted and the read handed to the position (seeds 5582, 7106: a manual close the stream lost)', () => {
    const f: Finding = { kind: 'sizeMismatch', positionId: P1, symbol: AVL, local: 43, venue: 20 };
    expect(planSweep([f], view, 'flatten')).toEqual([
      {
        kind: 'tell',
        alert: { kind: 'mismatch', topic: 'sizeMismatch', message: expect.stringContaining('believes 43') },
        subject: { symbol: AVL, positionId: P1 },
        positionId: P1,
        report,
      },
    ]);
    const side: Finding = { kind: 'sideMismatch', positionId: P1, symbol: AVL, local: 'sell', venue: 'buy' };
    expect(planSweep([side], view, 'alert').map((c) => c.kind)).toEqual(['tell']);
    expect(planSweep([f], new Map(), 'alert').map((c) => c.kind)).toEqual(['alert']); // no read of the symbol: nothing to hand
  });

  it('keeps the order of the findings, one command each', () => {
    const f: Finding = { kind: 'missingStop', positionId: P1, symbol: 'BTC/USDT:USDT' };
    expect(planSweep([f, orphan], view, 'adopt').map((c) => c.kind)).toEqual(['alert', 'adopt']);
  });
});
