/**
 * What a private stream delivers, and what the feed routes to the positions: reports of
 * orders, positions and fills, and the stream's connection changes. Types only.
 */
import type { FillReport, OrderStatusReport, PositionStatusReport } from './reports.js';

/** A report the feed routes to the position it concerns. */
export type FeedReport =
  | { readonly type: 'order'; readonly report: OrderStatusReport }
  | { readonly type: 'position'; readonly report: PositionStatusReport }
  | { readonly type: 'fill'; readonly report: FillReport };

export type StreamEvent =
  | { readonly type: 'order'; readonly report: OrderStatusReport }
  | { readonly type: 'position'; readonly report: PositionStatusReport }
  | { readonly type: 'fill'; readonly report: FillReport }
  /** `up`: connected; `down`: disconnected (events may be lost); `resynced` is the feed's. */
  | { readonly type: 'connection'; readonly status: 'up' | 'down'; readonly reason?: string };
