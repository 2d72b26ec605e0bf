import { describe, expect, it } from 'vitest';
import { clientOrderId } from '../../src/domain/client-order-id.js';
import { newPositionId, asVenueOrderId, type PositionId } from '../../src/domain/ids.js';
import type { OrderStatusReport, PositionStatusReport } from '../../src/domain/reports.js';
import type { Side } from '../../src/domain/side.js';
import { findOrphans, reconcile, type LocalPosition, type ReconcileInput } from '../../src/sweeps/reconcile.js';

const NOW = 1_764_000_600_000;
const P1 = newPositionId(NOW - 60_000, new Uint8Array(10).fill(1));
const P2 = newPositionId(NOW - 60_000, new Uint8Array(10).fill(2));
const AVL = 'AVL/USDT:USDT';
const BTC = 'BTC/USDT:USDT';
const settings = { stuckAfterMs: 300_000, ignoreClientOrderIdPrefixes: ['mybot-'], sizeTolerance: 1, restLagMs: 5_000 };

const venuePos = (symbol: string, side: Side | undefined, size: number): PositionStatusReport => ({
  source: 'position-query',
  venueTime: NOW - 1,
  receivedAt: NOW,
  symbol,
  side,
  size,
  entryPrice: undefined,
  markPrice: undefined,
});
const order = (symbol: string, cid: string, extra: Partial<OrderStatusReport> = {}): OrderStatusReport => ({
  source: 'order-query',
  venueTime: NOW - 1,
  receivedAt: NOW,
  venueOrderId: asVenueOrderId('1'),
  clientOrderId: cid as never,
  symbol,
  side: 'sell',
  type: 'stop-market',
  amount: 43,
  filled: 0,
  averagePrice: undefined,
  status: 'open',
  reduceOnly: true,
  triggerPrice: 0.21,
  ...extra,
});
const local = (id: PositionId, state: string, extra: Partial<LocalPosition> = {}): LocalPosition => ({
  id,
  symbol: AVL,
  side: 'buy',
  state,
  final: state === 'closed' || state === 'failed',
  size: 43,
  expectsStop: false,
  updatedAt: NOW - 1_000,
  ...extra,
});
const input = (
  positions: PositionStatusReport[],
  locals: LocalPosition[],
  openOrders: OrderStatusReport[] = [],
): ReconcileInput => ({ now: NOW, venue: { positions, openOrders }, local: locals, settings });

describe('the orphan sweep (pure)', () => {
  it.each([
    [
      'a venue position nothing tracks is an orphan',
      [venuePos(AVL, 'buy', 43)],
      [],
      [],
      [{ kind: 'orphan', symbol: AVL, side: 'buy', size: 43 }],
    ],
    [
      'a position still pending counts as tracked',
      [venuePos(AVL, 'buy', 43)],
      [local(P1, 'pending', { size: 0 })],
      [],
      [],
    ],
    ['a position in orphanAlert counts as tracked', [venuePos(AVL, 'buy', 43)], [local(P1, 'orphanAlert')], [], []],
    [
      'a closed position does not track its symbol',
      [venuePos(AVL, 'sell', 5)],
      [local(P1, 'closed', { size: 0 })],
      [],
      [{ kind: 'orphan', symbol: AVL, side: 'sell', size: 5 }],
    ],
    ['a flat venue report is no orphan', [venuePos(AVL, undefined, 0)], [], [], []],
    [
      "another program's position (its client order id prefix) is left out",
      [venuePos(AVL, 'buy', 43)],
      [],
      [order(AVL, 'mybot-7')],
      [],
    ],
    [
      'an unknown prefix does not hide an orphan',
      [venuePos(AVL, 'buy', 43)],
      [],
      [order(AVL, 'other-7')],
      [{ kind: 'orphan', symbol: AVL, side: 'buy', size: 43 }],
    ],
  ])('%s', (_name, positions, locals, orders, expected) => {
    expect(findOrphans(input(positions, locals, orders))).toEqual(expected);
  });
});

describe('the reconciliation sweep (pure)', () => {
  it('finds a size difference on an open position', () => {
    expect(reconcile(input([venuePos(AVL, 'buy', 33)], [local(P1, 'open')]))).toEqual([
      { kind: 'sizeMismatch', positionId: P1, symbol: AVL, local: 43, venue: 33 },
    ]);
  });

  it('finds a side difference on an open position', () => {
    expect(reconcile(input([venuePos(AVL, 'sell', 43)], [local(P1, 'open')]))).toEqual([
      { kind: 'sideMismatch', positionId: P1, symbol: AVL, local: 'buy', venue: 'sell' },
    ]);
  });

  it('finds a missing protective stop, and is quiet when the stop is there', () => {
    const mine = local(P1, 'open', { expectsStop: true });
    expect(reconcile(input([venuePos(AVL, 'buy', 43)], [mine]))).toEqual([
      { kind: 'missingStop', positionId: P1, symbol: AVL },
    ]);
    expect(reconcile(input([venuePos(AVL, 'buy', 43)], [mine], [order(AVL, clientOrderId(P1, 'stop'))]))).toEqual([]);
  });

  it('finds a stop left behind by a position that is no longer live', () => {
    const leftover = clientOrderId(P2, 'stop-2');
    expect(reconcile(input([], [local(P2, 'closed', { size: 0 })], [order(AVL, leftover)]))).toEqual([
      { kind: 'leftoverStop', symbol: AVL, clientOrderId: leftover, positionId: P2 },
    ]);
  });

  it('finds an actor stuck in a non-final state past the threshold, but not one resting in open', () => {
    const old = NOW - 400_000;
    const findings = reconcile(
      input(
        [venuePos(AVL, 'buy', 43), venuePos(BTC, 'buy', 0.01)],
        [local(P1, 'verifying', { updatedAt: old }), local(P2, 'open', { symbol: BTC, size: 0.01, updatedAt: old })],
      ),
    );
    expect(findings).toEqual([{ kind: 'stuck', positionId: P1, symbol: AVL, state: 'verifying', sinceMs: 400_000 }]);
  });

  it('finds a position posguard calls closed that the exchange still holds', () => {
    const findings = reconcile(input([venuePos(AVL, 'buy', 43)], [local(P1, 'closed', { size: 0 })]));
    expect(findings).toContainEqual({ kind: 'closedButHeld', positionId: P1, symbol: AVL, size: 43 });
    expect(findings).toContainEqual({ kind: 'orphan', symbol: AVL, side: 'buy', size: 43 });
  });

  it('finds nothing when belief and venue agree', () => {
    expect(reconcile(input([venuePos(AVL, 'buy', 43)], [local(P1, 'open')]))).toEqual([]);
  });
});
