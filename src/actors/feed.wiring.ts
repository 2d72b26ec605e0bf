/**
 * Fills the feed machine's slots over one account's port: the stream subscription, the REST
 * resync, routing (with the stream's repeats dropped) and the up/down broadcast.
 *
 * Receives: stream events and REST answers from the port. Sends: reports and feed changes to
 * the account's directory of position actors. Touches: the port only.
 */
import { fromCallback, fromPromise } from 'xstate';
import type { ClientOrderId } from '../domain/ids.js';
import type { ExchangePort } from '../exchange/port.js';
import { feedMachine, type FeedEvent, type FeedReport, type ResyncOutput } from './feed.actor.js';

/** Where the feed delivers: the account's position actors. */
export interface FeedDirectory {
  route(report: FeedReport): void;
  broadcast(up: boolean): void;
  /** The orders the live positions are waiting on, to look up after a gap. */
  trackedOrders(): readonly { readonly symbol: string; readonly clientOrderId: ClientOrderId }[];
  /** The symbols of the live positions: each gets a position report, flat if not held. */
  trackedSymbols(): readonly string[];
}

const DEDUPE_WINDOW = 50_000;

/** The identity of a stream report: two reports with the same key say the same thing. */
export function reportKey(r: FeedReport): string {
  switch (r.type) {
    case 'fill':
      return `f|${r.report.tradeId}`;
    case 'order':
      return `o|${r.report.venueOrderId}|${r.report.status}|${r.report.filled}|${r.report.venueTime ?? ''}`;
    case 'position':
      return `p|${r.report.symbol}|${r.report.venueSeq ?? ''}|${r.report.venueTime ?? ''}|${r.report.side ?? ''}|${r.report.size}`;
  }
}

/**
 * Drops stream reports seen recently; REST reports always pass (their receive time matters).
 * Two generations of keys: when the current one is full it becomes the previous one, so a
 * key is remembered for between one and two windows at O(1) per report.
 */
export class RepeatFilter {
  private current = new Set<string>();
  private previous = new Set<string>();

  fresh(r: FeedReport): boolean {
    if (r.report.source !== 'stream') return true;
    const key = reportKey(r);
    if (this.current.has(key) || this.previous.has(key)) return false;
    this.current.add(key);
    if (this.current.size >= DEDUPE_WINDOW) {
      this.previous = this.current;
      this.current = new Set();
    }
    return true;
  }
}

export async function resyncFromRest(port: ExchangePort, directory: FeedDirectory): Promise<ResyncOutput> {
  const [positions, open] = await Promise.all([port.fetchPositions(directory.trackedSymbols()), port.fetchOpenOrders()]);
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

export function wireFeedMachine(port: ExchangePort, directory: FeedDirectory, options: { readonly resyncRetryMs?: number } = {}) {
  const repeats = new RepeatFilter();
  return feedMachine.provide({
    actors: {
      stream: fromCallback<FeedEvent>(({ sendBack }) => {
        // Reports go straight to the directory (the feed machine would route them in every
        // state anyway); only connection changes drive the machine.
        const subscription = port.subscribe((event) => {
          if (event.type === 'connection') sendBack({ type: 'STREAM', event });
          else if (repeats.fresh(event)) directory.route(event);
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
