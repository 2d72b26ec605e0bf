/**
 * The reference of the feed-routing bench: bare XState. A 5-state machine (s0 → s1 → … →
 * s4 → s0 on `NEXT`, no context, no actions, no guards), N actors of it, and the same
 * reports, in the same order and to the same actors, sent straight to them with
 * `actor.send({ type: 'NEXT', report })`: what XState itself costs per event, without the
 * feed, the routing, the position machine's folds or the registry.
 *
 * @example
 * const bare = startBareActors(10_000);
 * const ms = sendBare(bare, batch); // batch from ReportMix
 */
import { createActor, setup, type Actor } from 'xstate';
import type { StreamEvent } from '../src/exchange/port.js';

const bareMachine = setup({ types: { events: {} as { type: 'NEXT'; report: unknown } } }).createMachine({
  id: 'bare',
  initial: 's0',
  states: {
    s0: { on: { NEXT: 's1' } },
    s1: { on: { NEXT: 's2' } },
    s2: { on: { NEXT: 's3' } },
    s3: { on: { NEXT: 's4' } },
    s4: { on: { NEXT: 's0' } },
  },
});

export type BareActor = Actor<typeof bareMachine>;

export function startBareActors(n: number): BareActor[] {
  return Array.from({ length: n }, () => createActor(bareMachine).start());
}

/** Sends every event of the batch to its target actor; returns the elapsed ms. */
export function sendBare(
  actors: readonly BareActor[],
  batch: { readonly events: readonly StreamEvent[]; readonly target: Int32Array },
): number {
  const { events, target } = batch;
  const started = performance.now();
  for (let k = 0; k < events.length; k++) {
    const actor = actors[target[k] ?? 0] as BareActor;
    actor.send({ type: 'NEXT', report: (events[k] as { report?: unknown }).report });
  }
  return performance.now() - started;
}

export function stopBareActors(actors: readonly BareActor[]): void {
  for (const a of actors) a.stop();
}
