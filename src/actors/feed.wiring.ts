/**
 * Fills the feed machine's slots over one account's port: the stream subscription, the REST
 * resync, routing (with the stream's repeats dropped) and the up/down broadcast.
 *
 * Receives: stream events and REST answers from the port. Sends: reports and feed changes to
 * the account's directory of position actors. Touches: the port only.
 */
import { fromCallback, fromPromise } from 'xstate';
import type { ClientOrderId } from '../domain/ids.js';
import type { OrderStatusReport, PositionStatusReport } from '../domain/reports.js';
import type { ExchangePort } from '../exchange/port.js';
import { feedMachine, type FeedEvent, type FeedReport, type ResyncOutput } from '../machines/feed.machine.js';

/** Where the feed delivers: the account's position actors. */
export interface FeedDirectory {
  route(report: FeedReport): void;
  broadcast(up: boolean): void;
  /** The orders the live positions are waiting on, to look up after a gap. */
  trackedOrders(): readonly { readonly symbol: string; readonly clientOrderId: ClientOrderId }[];
  /** The symbols of the live positions: each gets a position report, flat if not held. */
  trackedSymbols(): readonly string[];
  /** Told of every message the private stream delivers (repeats and connection changes too). */
  heard?(): void;
  /** Told when the private stream comes up, before its resync (the entry fast path's rule counts from then). */
  connected?(): void;
}

/** Subjects (trade ids, orders, symbols) remembered per generation. */
const DEDUPE_WINDOW = 50_000;

/** Two generations of a map: when the current one is full it becomes the previous one. */
class Generations<V> {
  private current = new Map<string, V>();
  private previous = new Map<string, V>();

  get(key: string): V | undefined {
    return this.current.get(key) ?? this.previous.get(key);
  }

  set(key: string, value: V): void {
    this.current.set(key, value);
    if (this.current.size >= DEDUPE_WINDOW) {
      this.previous = this.current;
      this.current = new Map();
    }
  }
}

const sameOrder = (a: OrderStatusReport, b: OrderStatusReport): boolean =>
  a.status === b.status && a.filled === b.filled && a.venueTime === b.venueTime;
const samePosition = (a: PositionStatusReport, b: PositionStatusReport): boolean =>
  a.venueSeq === b.venueSeq && a.venueTime === b.venueTime && a.side === b.side && a.size === b.size;

/**
 * Drops stream reports the feed has already routed: a fill whose trade id it has seen, an
 * order or position report that says what the last report of the same order (or symbol)
 * said — a stream repeating itself. REST reports always pass (their receive time matters).
 * Nothing is built per report: fields are compared, and each subject keeps only its last
 * report (most often the very object its position keeps). A repeat of an older report still
 * reaches its position, which never lets an older report overrule a newer one.
 */
export class RepeatFilter {
  private readonly trades = new Generations<true>();
  private readonly orders = new Generations<OrderStatusReport>();
  private readonly positions = new Generations<PositionStatusReport>();

  fresh(r: FeedReport): boolean {
    if (r.report.source !== 'stream') return true;
    switch (r.type) {
      case 'fill':
        if (this.trades.get(r.report.tradeId) !== undefined) return false;
        this.trades.set(r.report.tradeId, true);
        return true;
      case 'order':
        return remember(this.orders, r.report.venueOrderId, r.report, sameOrder);
      case 'position':
        return remember(this.positions, r.report.symbol, r.report, samePosition);
    }
  }
}

/** False when `report` repeats the subject's last report; else remembers it as the last. */
function remember<R>(seen: Generations<R>, subject: string, report: R, same: (a: R, b: R) => boolean): boolean {
  const last = seen.get(subject);
  if (last !== undefined && same(last, report)) return false;
  seen.set(subject, report);
  return true;
}

async function resyncFromRest(port: ExchangePort, directory: FeedDirectory): Promise<ResyncOutput> {
  const [positions, open] = await Promise.all([
    port.fetchPositions(directory.trackedSymbols()),
    port.fetchOpenOrders(),
  ]);
  const openIds = new Set(open.map((o) => o.clientOrderId));
  const waiting = directory.trackedOrders().filter((o) => !openIds.has(o.clientOrderId));
  const looked = await Promise.all(waiting.map((o) => port.fetchOrder({ clientOrderId: o.clientOrderId }, o.symbol)));
  return {
    reports: [
      ...positions.map((report) => ({ type: 'position' as const, report })),
      ...open.map((report) => ({ type: 'order' as const, report })),
      ...looked.flatMap((report) => (report === undefined ? [] : [{ type: 'order' as const, report }])),
    ],
  };
}

export function wireFeedMachine(
  port: ExchangePort,
  directory: FeedDirectory,
  options: { readonly resyncRetryMs?: number } = {},
) {
  const repeats = new RepeatFilter();
  return feedMachine.provide({
    actors: {
      stream: fromCallback<FeedEvent>(({ sendBack }) => {
        // Reports go straight to the directory (the feed machine would route them in every
        // state anyway); only connection changes drive the machine.
        const subscription = port.subscribe((event) => {
          directory.heard?.();
          if (event.type === 'connection') {
            if (event.status === 'up') directory.connected?.();
            sendBack({ type: 'STREAM', event });
          } else if (repeats.fresh(event)) directory.route(event);
        });
        return () => {
          void subscription.close();
        };
      }),
      resync: fromPromise<ResyncOutput>(() => resyncFromRest(port, directory)),
    },
    actions: {
      route: (_args, report) => {
        if (repeats.fresh(report)) directory.route(report);
      },
      broadcast: (_args, { up }) => directory.broadcast(up),
    },
    delays: { resyncRetry: options.resyncRetryMs ?? 1_000 },
  });
}
