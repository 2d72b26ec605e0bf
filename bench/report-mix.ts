/**
 * The stream reports of the feed-routing bench: what a private stream sends about open,
 * protected positions, none of it changing their state. Per 20 reports of one position:
 * 14 position updates (same side and size, a new `venueSeq`, venue time and mark price),
 * 3 updates of its resting stop order (still `open`, filled 0, a new venue time),
 * 2 replays of its entry's fill (a trade id it has already counted, as after a reconnect),
 * 1 exact repeat of its latest position update (a stream duplicate). Reports go to the
 * positions round-robin, and the kinds are interleaved within each batch.
 * Receives the positions' ids; builds plain report objects; touches nothing.
 *
 * @example
 * const mix = new ReportMix(positions, T0);
 * const batch = mix.next(10_000); // batch.events[k] concerns positions[batch.target[k]]
 */
import type { ClientOrderId, VenueOrderId } from '../src/domain/ids.js';
import type { FillReport, OrderStatusReport, PositionStatusReport } from '../src/domain/reports.js';
import type { StreamEvent } from '../src/exchange/port.js';

/** What the mix needs to know of one position. */
export interface MixPosition {
  readonly symbol: string;
  readonly entry: {
    readonly clientOrderId: ClientOrderId;
    readonly venueOrderId: VenueOrderId;
    readonly tradeId: string;
    readonly amount: number;
  };
  readonly stop: {
    readonly clientOrderId: ClientOrderId;
    readonly venueOrderId: VenueOrderId;
    readonly amount: number;
    readonly triggerPrice: number;
  };
  /** The `venueSeq` of the position report it already holds. */
  readonly venueSeq: number;
}

type Kind = 'position' | 'stop' | 'fill' | 'duplicate';
/** One cycle of 20: 14 position updates, 3 stop updates, 2 fill replays, 1 duplicate. */
const CYCLE: readonly Kind[] = [
  'position',
  'position',
  'stop',
  'position',
  'position',
  'fill',
  'position',
  'position',
  'position',
  'stop',
  'position',
  'position',
  'duplicate',
  'position',
  'position',
  'fill',
  'position',
  'stop',
  'position',
  'position',
];
export const MIX_LABEL =
  '70% position updates (new venueSeq, same size), 15% resting-stop order updates, 10% replayed entry fills, 5% exact stream duplicates';

export interface ReportBatch {
  readonly events: StreamEvent[];
  /** Index of the position each event concerns (what the bare baseline sends to). */
  readonly target: Int32Array;
}

export class ReportMix {
  private sent = 0;
  private readonly seq: Int32Array;
  private readonly last: (StreamEvent | undefined)[];
  readonly counts = new Map<Kind, number>();

  constructor(
    private readonly positions: readonly MixPosition[],
    private readonly t0: number,
  ) {
    this.seq = Int32Array.from(positions, (p) => p.venueSeq);
    this.last = new Array<StreamEvent | undefined>(positions.length).fill(undefined);
  }

  /** The `venueSeq` of the latest position update sent for position `p`. */
  venueSeqOf(p: number): number {
    return this.seq[p] ?? 0;
  }

  /** The next `n` reports. */
  next(n: number): ReportBatch {
    const events: StreamEvent[] = new Array<StreamEvent>(n);
    const target = new Int32Array(n);
    const count = this.positions.length;
    for (let k = 0; k < n; k++, this.sent++) {
      const p = this.sent % count;
      const round = Math.floor(this.sent / count);
      const kind = CYCLE[(p + round) % CYCLE.length] ?? 'position';
      events[k] = this.report(p, round, kind);
      target[k] = p;
      this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    }
    return { events, target };
  }

  private report(p: number, round: number, kind: Kind): StreamEvent {
    const pos = this.positions[p] as MixPosition;
    const venueTime = this.t0 + 1_000 + round * 100 + (p % 100);
    const receivedAt = venueTime + 3;
    // Plain literals, field by field, as the ports' normalisers build reports.
    switch (kind) {
      case 'duplicate': {
        const prev = this.last[p];
        if (prev !== undefined) return prev;
        return this.report(p, round, 'position');
      }
      case 'position': {
        this.seq[p] = (this.seq[p] ?? 0) + 1;
        const report: PositionStatusReport = {
          source: 'stream',
          receivedAt,
          venueTime,
          venueSeq: this.seq[p],
          symbol: pos.symbol,
          side: 'buy',
          size: pos.entry.amount,
          entryPrice: 0.25,
          markPrice: 0.25 + ((round % 50) - 25) * 0.0001,
        };
        const event: StreamEvent = { type: 'position', report };
        this.last[p] = event;
        return event;
      }
      case 'stop': {
        const report: OrderStatusReport = {
          source: 'stream',
          receivedAt,
          venueTime,
          venueOrderId: pos.stop.venueOrderId,
          clientOrderId: pos.stop.clientOrderId,
          symbol: pos.symbol,
          side: 'sell',
          type: 'stop-market',
          amount: pos.stop.amount,
          filled: 0,
          averagePrice: undefined,
          status: 'open',
          reduceOnly: true,
          triggerPrice: pos.stop.triggerPrice,
        };
        return { type: 'order', report };
      }
      case 'fill': {
        // A replay carries the trade's own venue time (the entry's fill, at t0).
        const report: FillReport = {
          source: 'stream',
          receivedAt,
          venueTime: this.t0,
          tradeId: pos.entry.tradeId,
          venueOrderId: pos.entry.venueOrderId,
          clientOrderId: pos.entry.clientOrderId,
          symbol: pos.symbol,
          side: 'buy',
          amount: pos.entry.amount,
          price: 0.25,
        };
        return { type: 'fill', report };
      }
    }
  }
}
