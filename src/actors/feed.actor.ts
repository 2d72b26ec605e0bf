/**
 * The feed actor of one account: it holds the private stream and routes every report to the
 * position actors it concerns. Receives: the port's stream events. Sends: each report to
 * `route` (the account's directory of position actors), and `up`/`down` to `broadcast`.
 * Touches: the port (stream, and REST for the resync).
 *
 * After every (re)connect it resynchronises from REST — positions, open orders, and the
 * orders the live positions are waiting on — before it reports itself up, because events
 * are lost during a gap. Reports repeated by the stream are dropped before routing (the
 * position machine would ignore them anyway; this saves it the work).
 *
 * @example
 * const feed = createActor(feedMachine.provide({ actors: { stream, resync }, actions: { route, broadcast } }));
 */
import { assign, enqueueActions, fromCallback, fromPromise, setup } from 'xstate';
import type { FillReport, OrderStatusReport, PositionStatusReport } from '../domain/reports.js';
import type { StreamEvent } from '../exchange/port.js';

export type FeedReport =
  | { readonly type: 'order'; readonly report: OrderStatusReport }
  | { readonly type: 'position'; readonly report: PositionStatusReport }
  | { readonly type: 'fill'; readonly report: FillReport };

export interface ResyncOutput {
  readonly reports: readonly FeedReport[];
}

export type FeedEvent = { readonly type: 'STREAM'; readonly event: StreamEvent };

export interface FeedContext {
  readonly connected: boolean;
  readonly resyncs: number;
  readonly lastError: string | undefined;
}

export type FeedStatus = 'connecting' | 'resyncing' | 'live' | 'down';

const notProvided = (slot: string) => () => {
  throw new Error(`the feed machine's '${slot}' slot was not provided`);
};

export const feedMachine = setup({
  types: { context: {} as FeedContext, events: {} as FeedEvent },
  actors: {
    /** Subscribes to the port's stream and sends every event back as `STREAM`. */
    stream: fromCallback<FeedEvent>(notProvided('stream')),
    /** Reads REST for what the stream may have lost. */
    resync: fromPromise<ResyncOutput>(notProvided('resync')),
  },
  actions: {
    route: (_args, _params: FeedReport) => {},
    broadcast: (_args, _params: { readonly up: boolean }) => {},
  },
  delays: {
    resyncRetry: 1_000,
  },
  guards: {
    isReport: ({ event }) => event.event.type !== 'connection',
    isUp: ({ event }) => event.event.type === 'connection' && event.event.status === 'up',
    isDown: ({ event }) => event.event.type === 'connection' && event.event.status === 'down',
  },
}).createMachine({
  id: 'feed',
  context: { connected: false, resyncs: 0, lastError: undefined },
  invoke: { src: 'stream' },
  // Reports are routed in every state; the states below handle only connection changes.
  on: {
    STREAM: { guard: 'isReport', actions: { type: 'route', params: ({ event }) => event.event as FeedReport } },
  },
  initial: 'connecting',
  states: {
    connecting: {
      on: {
        STREAM: [
          { guard: 'isUp', target: 'resyncing', actions: assign({ connected: true }) },
          { guard: 'isDown', actions: { type: 'broadcast', params: { up: false } } },
        ],
      },
    },
    resyncing: {
      invoke: {
        src: 'resync',
        onDone: {
          target: 'live',
          actions: [
            // What the gap lost, in order, before the feed reports itself up.
            enqueueActions(({ event, enqueue }) => {
              for (const report of event.output.reports) enqueue({ type: 'route', params: report });
            }),
            assign({ resyncs: ({ context }) => context.resyncs + 1, lastError: undefined }),
            { type: 'broadcast', params: { up: true } },
          ],
        },
        onError: { target: 'resyncWait', actions: assign({ lastError: ({ event }) => String(event.error) }) },
      },
      on: {
        STREAM: [
          { guard: 'isDown', target: 'down', actions: [assign({ connected: false }), { type: 'broadcast', params: { up: false } }] },
        ],
      },
    },
    resyncWait: {
      after: { resyncRetry: 'resyncing' },
      on: {
        STREAM: [
          { guard: 'isDown', target: 'down', actions: [assign({ connected: false }), { type: 'broadcast', params: { up: false } }] },
        ],
      },
    },
    live: {
      on: {
        STREAM: [
          { guard: 'isDown', target: 'down', actions: [assign({ connected: false }), { type: 'broadcast', params: { up: false } }] },
        ],
      },
    },
    down: {
      on: {
        STREAM: [
          { guard: 'isUp', target: 'resyncing', actions: assign({ connected: true }) },
        ],
      },
    },
  },
});
