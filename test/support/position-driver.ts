/**
 * Drives the pure position machine with fake slot implementations on a simulated clock.
 * The fakes answer from a mutable `FakeVenue` (what the journal, the venue and its queries
 * say right now), so a test changes the venue between steps and asserts on the machine's
 * state, context and alerts. Promise actors settle on microtasks: `advance` flushes them
 * after every timer it fires.
 */
import { createActor, fromPromise, type Snapshot } from 'xstate';
import type { AlertDraft } from '../../src/domain/alert.js';
import { accepted, type Outcome } from '../../src/domain/outcome.js';
import type { OrderStatusReport, PositionStatusReport } from '../../src/domain/reports.js';
import type { Baseline, PositionContext } from '../../src/machines/position.context.js';
import type {
  CancelOrderInput,
  CancelOrderOutput,
  PrepareEntryInput,
  PrepareEntryOutput,
  QueryEvidenceInput,
  QueryEvidenceOutput,
  SendOrderInput,
  SendOrderOutput,
} from '../../src/machines/position.effects.js';
import type { PositionEvent, PositionInput } from '../../src/machines/position.events.js';
import { positionMachine } from '../../src/machines/position.machine.js';
import { positionInput, TestClock, topState, venueIdOf } from './position-fixtures.js';

export type SendAnswer = SendOrderOutput['outcome'] | 'hang' | 'throw';

/** What the outside world answers; every field may be replaced at any time. */
export interface FakeVenue {
  /** The baseline the journal step reads; throw to make journaling fail. */
  journal: (input: PrepareEntryInput) => Baseline;
  /** The outcome of a send; `hang` never settles, `throw` makes the slot reject. */
  send: (input: SendOrderInput, now: number) => SendAnswer;
  /** What the order query finds. */
  order: (lookup: NonNullable<QueryEvidenceInput['order']>, now: number) => OrderStatusReport | undefined;
  /** What the position query finds (undefined: the symbol is missing from the list). */
  position: (now: number) => PositionStatusReport | undefined;
  cancel: (input: CancelOrderInput, now: number) => Outcome<unknown>;
}

export const acceptedNoReport = (input: SendOrderInput): SendOrderOutput['outcome'] =>
  accepted({ venueOrderId: venueIdOf(input.request.clientOrderId), report: undefined });

export function defaultVenue(): FakeVenue {
  return {
    journal: () => ({ side: undefined, size: 0 }),
    send: acceptedNoReport,
    order: () => undefined,
    position: () => undefined,
    cancel: () => accepted(undefined),
  };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface DriveOptions {
  readonly input?: PositionInput;
  readonly venue?: Partial<FakeVenue>;
  readonly clock?: TestClock;
  /** The machine to provide the fakes to (default: `positionMachine`). */
  readonly machine?: typeof positionMachine;
  /** Restore from this persisted snapshot instead of starting fresh. */
  readonly snapshot?: Snapshot<unknown>;
}

export function drive(opts: DriveOptions = {}) {
  const clock = opts.clock ?? new TestClock();
  const input = opts.input ?? positionInput({ now: clock.now() });
  const venue: FakeVenue = { ...defaultVenue(), ...opts.venue };
  const log = {
    sends: [] as SendOrderInput[],
    queries: [] as QueryEvidenceInput[],
    cancels: [] as CancelOrderInput[],
    alerts: [] as AlertDraft[],
    /** Every top-level state entered, in order (microsteps included). */
    states: [] as string[],
    errors: [] as unknown[],
  };
  const machine = (opts.machine ?? positionMachine).provide({
    actors: {
      prepareEntry: fromPromise<PrepareEntryOutput, PrepareEntryInput>(async ({ input: i }) => ({
        at: clock.now(),
        baseline: venue.journal(i),
      })),
      sendOrder: fromPromise<SendOrderOutput, SendOrderInput>(({ input: i }) => {
        log.sends.push(i);
        const sentAt = clock.now();
        const answer = venue.send(i, sentAt);
        if (answer === 'hang') return new Promise<SendOrderOutput>(() => {});
        if (answer === 'throw') return Promise.reject(new Error('socket hang up'));
        return Promise.resolve({ sentAt, at: clock.now(), outcome: answer });
      }),
      queryEvidence: fromPromise<QueryEvidenceOutput, QueryEvidenceInput>(async ({ input: i }) => {
        log.queries.push(i);
        const now = clock.now();
        return {
          at: now,
          order: i.order === undefined ? undefined : venue.order(i.order, now),
          position: i.position ? venue.position(now) : undefined,
          failures: [],
        };
      }),
      cancelOrder: fromPromise<CancelOrderOutput, CancelOrderInput>(async ({ input: i }) => {
        log.cancels.push(i);
        return { at: clock.now(), outcome: venue.cancel(i, clock.now()) };
      }),
    },
    actions: {
      raiseAlert: (_args, params) => {
        log.alerts.push(params);
      },
    },
    delays: {
      untilDeadline: ({ context }) => Math.max(0, context.deadline - clock.now()),
    },
  });
  const actor = createActor(machine, {
    input,
    clock,
    ...(opts.snapshot === undefined ? {} : { snapshot: opts.snapshot }),
    inspect: (ev) => {
      if (ev.type !== '@xstate.microstep' && ev.type !== '@xstate.snapshot') return;
      // The machine is the only actor here whose snapshot has a `value`; promise actors have none.
      const value = (ev.snapshot as { value?: unknown }).value;
      if (value === undefined) return;
      const top = topState(value);
      if (log.states.at(-1) !== top) log.states.push(top);
    },
  });
  actor.subscribe({ error: (e) => log.errors.push(e) });

  const ctx = (): PositionContext => actor.getSnapshot().context;
  const top = (): string => topState(actor.getSnapshot().value);

  /** Lets settled promises land, then fires every timer up to `ms` from now, one by one. */
  const advance = async (ms = 0): Promise<void> => {
    const target = clock.now() + ms;
    await flush();
    for (;;) {
      const next = clock.nextDue();
      if (next === undefined || next > target) break;
      clock.set(Math.max(next, clock.now()));
      await flush();
    }
    clock.set(target);
    await flush();
  };
  const send = async (event: PositionEvent): Promise<void> => {
    actor.send(event);
    await flush();
  };
  /** Advances until the top-level state is one of `states` or `maxMs` has passed; returns the state. */
  const until = async (states: readonly string[], maxMs = 60_000): Promise<string> => {
    const end = clock.now() + maxMs;
    await flush();
    while (!states.includes(top()) && clock.now() < end) {
      const next = clock.nextDue();
      if (next === undefined || next > end) break;
      await advance(Math.max(0, next - clock.now()));
    }
    return top();
  };
  const start = async (): Promise<void> => {
    actor.start();
    await flush();
  };
  return { actor, clock, venue, log, ctx, top, advance, send, until, start, input };
}

export type Driven = ReturnType<typeof drive>;
