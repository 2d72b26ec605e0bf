/**
 * Restoring a position that was about to send, or sending (see docs/architecture.md,
 * Persistence and ownership): a sending step restored from a snapshot never sends first. It
 * looks its order up by client order id; found, the order is folded in and the position waits
 * on it like after any send; not found by a query made at least `restLagMs` after the last
 * time the snapshot knew of (venues index new orders late), it goes on to the sending step,
 * whose claim answers Unknown if the order may have left. A failed query concludes nothing.
 *
 * `resumable(snapshot)` is the pure step every restore takes: a snapshot in a sending state is
 * moved to that state's `resuming` sibling (its persisted send is dropped, so nothing restarts
 * it). `resumingStates` builds those siblings. Pure.
 *
 * @example
 * createActor(machine, { snapshot: resumable(stored) }) // { pending: 'resuming' } instead of { pending: 'sending' }
 */
import { assign } from 'xstate';
import type { OrderTrack } from './order-track.js';
import type { PositionContext } from './position.context.js';
import { positionSetup } from './position.setup.js';
import { foldEvidence, lookup } from './position.steps.js';

type Json = Record<string, unknown>;
type TrackList = 'entry' | 'stops' | 'closes' | 'excess';

/** Each sending state (as a path), and the state a restore resumes it in. Older formats' names included. */
const RESUMING: Readonly<Record<string, readonly string[]>> = {
  'pending.sending': ['pending', 'resuming'],
  'protecting.sendingStop': ['protecting', 'resuming'],
  'protecting.placing': ['protecting', 'resuming'],
  'closing.sending': ['closing', 'resuming'],
  'rollingBack.sending': ['rollingBack', 'resuming'],
  'open.sendingExcess': ['open', 'resuming'],
  'open.reducingExcess': ['open', 'resuming'],
};

function pathOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value === 'object' && value !== null) {
    const [key, inner] = Object.entries(value as Json)[0] ?? [];
    return key === undefined ? [] : [key, ...pathOf(inner)];
  }
  return [];
}

function valueOf(path: readonly string[]): unknown {
  const [head, ...rest] = path;
  return rest.length === 0 ? head : { [head as string]: valueOf(rest) };
}

/** The snapshot a restore starts from: a sending state becomes its `resuming` sibling (see the header). */
export function resumable<S extends Json>(snapshot: S): S {
  const path = pathOf(snapshot.value);
  const to = RESUMING[path.slice(0, 2).join('.')];
  if (to === undefined) return snapshot;
  const ctx = snapshot.context as PositionContext;
  return {
    ...snapshot,
    value: valueOf(to),
    children: {},
    context: { ...ctx, resumeAfter: ctx.seenAt + ctx.spec.settings.restLagMs },
  };
}

/** The track a resuming state looks up. */
function trackOf(ctx: PositionContext, list: TrackList): OrderTrack | undefined {
  return list === 'entry' ? ctx.entry : ctx[list].at(-1);
}

/** The track, marked as accepted by the venue (it was found). */
function found(ctx: PositionContext, list: TrackList): Partial<PositionContext> {
  const t = trackOf(ctx, list);
  if (t === undefined) return {};
  const marked: OrderTrack = { ...t, send: 'accepted', sentAt: t.sentAt ?? ctx.seenAt };
  return list === 'entry' ? { entry: marked } : { [list]: [...ctx[list].slice(0, -1), marked] };
}

/**
 * The `resuming` state of a sending step and its wait: look the order up; found → `waiting`
 * (the state that waits on a sent order, its deadline armed); not found by a conclusive query →
 * `sending`; anything else → ask again after `poll`.
 */
export function resumingStates(list: TrackList, sending: string, waiting: string) {
  return {
    // Restored here with no invocation (it was dropped): RESUME, sent after every restore, starts the lookup.
    resuming: positionSetup.createStateConfig({
      on: { RESUME: { target: 'resuming', reenter: true } },
      invoke: {
        src: 'queryEvidence',
        input: ({ context }) => {
          const t = trackOf(context, list);
          return {
            symbol: context.spec.intent.symbol,
            order: t === undefined ? undefined : lookup(t),
            position: false,
          };
        },
        onDone: [
          {
            guard: 'orderFound',
            target: waiting,
            actions: assign(({ context, event }) => {
              const next = foldEvidence(context, event.output);
              return {
                ...next,
                ...found(next, list),
                resumeAfter: undefined,
                deadline: event.output.at + context.spec.settings.timeoutMs,
                armedAt: event.output.at,
                attempts: 0,
              };
            }),
          },
          {
            guard: 'orderAbsentConclusively',
            target: sending,
            actions: assign(({ context, event }) => ({
              ...foldEvidence(context, event.output),
              resumeAfter: undefined,
            })),
          },
          { target: 'resumeWait', actions: assign(({ context, event }) => foldEvidence(context, event.output)) },
        ],
        onError: 'resumeWait',
      },
    }),
    resumeWait: positionSetup.createStateConfig({ on: { RESUME: 'resuming' }, after: { poll: 'resuming' } }),
  };
}
