/**
 * The feed machine of one account (pure: its effects are slots the wiring fills, see
 * `src/actors/feed.wiring.ts`): it holds the private stream and routes every report to the
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
import { enqueueActions, fromCallback, fromPromise, setup } from 'xstate';
import type { FeedReport, StreamEvent } from '../domain/stream-events.js';

export type { FeedReport } from '../domain/stream-events.js';

export interface ResyncOutput {
  readonly reports: readonly FeedReport[];
}

export type FeedEvent = { readonly type: 'STREAM'; readonly event: StreamEvent };

const notProvided = (slot: string) => () => {
  throw new Error(`the feed machine's '${slot}' slot was not provided`);
};

export const feedMachine = setup({
  types: { events: {} as FeedEvent },
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
          { guard: 'isUp', target: 'resyncing' },
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
            { type: 'broadcast', params: { up: true } },
          ],
        },
        onError: { target: 'resyncWait' },
      },
      on: {
        STREAM: [{ guard: 'isDown', target: 'down', actions: { type: 'broadcast', params: { up: false } } }],
      },
    },
    resyncWait: {
      after: { resyncRetry: 'resyncing' },
      on: {
        STREAM: [{ guard: 'isDown', target: 'down', actions: { type: 'broadcast', params: { up: false } } }],
      },
    },
    live: {
      on: {
        STREAM: [{ guard: 'isDown', target: 'down', actions: { type: 'broadcast', params: { up: false } } }],
      },
    },
    down: {
      on: {
        STREAM: [{ guard: 'isUp', target: 'resyncing' }],
      },
    },
  },
});
