/**
 * A model-based harness for the position machine. An abstract alphabet of venue events (a
 * stream fill, an order query that finds the entry filled, a stale REST flat, a timeout, a
 * restart, …) is turned into concrete slot answers, machine events and clock advances on a
 * small simulated venue. Everything runs synchronously: the slots answer at once (an actor
 * logic that is done when it starts) and the clock jumps from timer to timer, so a path of
 * abstract events can be replayed from scratch inside `xstate/graph`'s traversal.
 *
 * The oracle is what the machine has been *shown* (through its slots and events), never what
 * it could not know: at every top-level state the machine enters, the invariants (see
 * docs/architecture.md, Principles; The position machine; Invariants) are checked against that evidence.
 */
import { createActor, fromPromise, fromTransition, type AnyActorRef, type PromiseActorLogic } from 'xstate';
import { getAdjacencyMap } from 'xstate/graph';
import type { AlertDraft } from '../../src/domain/alert.js';
import { judgeFlatReport, sourceLags } from '../../src/domain/freshness.js';
import type { ClientOrderId } from '../../src/domain/ids.js';
import { accepted, rejected, unknown } from '../../src/domain/outcome.js';
import type { OrderStatus, OrderStatusReport, PositionStatusReport, ReportTiming } from '../../src/domain/reports.js';
import { opposite, type Side } from '../../src/domain/side.js';
import type { PositionContext, PositionSettings } from '../../src/machines/position.context.js';
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
import type { PositionEvent } from '../../src/machines/position.events.js';
import type { positionMachine } from '../../src/machines/position.machine.js';
import {
  ENTRY,
  ENTRY_ID,
  STOP_ID,
  T0,
  TestClock,
  fillReport,
  orderReport,
  positionInput,
  positionReport,
  topState,
  venueIdOf,
} from './position-fixtures.js';

/** How the entry's journal and send end (the first event of every path). */
export const START_EVENTS = [
  'JOURNAL_FAILS',
  'SEND_ACCEPTED',
  'SEND_REJECTED',
  'SEND_UNKNOWN',
  'SEND_THROWS',
  'SEND_ACCEPTED_FILLED',
] as const;
/** What may happen afterwards. Each is followed by one poll interval of time, except TIMEOUT. */
export const WORLD_EVENTS = [
  'STREAM_FILL', // the entry fills; the private stream reports it
  'ORDER_FILLED', // the entry fills; only the order query will show it
  'ORDER_PARTIAL', // the entry fills 20 of 43 and keeps working; only the order query will show it
  'ORDER_CANCELLED', // the venue cancels the entry (keeping whatever it filled)
  'REST_EMPTY', // the REST position list stops showing the symbol
  'REST_STALE_FLAT', // REST shows flat, from before anything happened
  'REST_CATCHES_UP', // REST shows the venue's truth as of now
  'FRESH_FLAT', // the position goes flat at the venue (stop, liquidation, by hand); the stream says so
  'SIDE_FLIP', // someone else flips the position short; the stream says so
  'FEED_DOWN', // the private stream drops
  'STOP_CONFIRMED', // the stop is working at the venue
  'STOP_REFUSED', // the venue rejected the stop
  'CLOSE', // the user asks to close
  'CLOSE_FILLED', // the last close order fills
  'ADOPT', // reconciliation adopts the position
  'TIMEOUT', // time passes up to the machine's current deadline
  'RESTART', // persist, stop, restore from JSON, RESUME
] as const;
export type AbstractEventType = (typeof START_EVENTS)[number] | (typeof WORLD_EVENTS)[number];
export interface AbstractEvent {
  readonly type: AbstractEventType;
}

export interface ModelConfig {
  readonly stopLoss: number | undefined;
  readonly protectionOnFailure: PositionSettings['protectionOnFailure'];
  readonly maxDepth: number;
  /** The first events offered (default: all of `START_EVENTS`). */
  readonly startEvents?: readonly AbstractEventType[];
  /** Events never offered (e.g. to leave out a known bug's trigger). */
  readonly exclude?: readonly AbstractEventType[];
}

type AnyPositionMachine = typeof positionMachine;

interface CloseOrder {
  readonly amount: number;
  readonly side: Side;
  status: OrderStatus;
  filled: number;
}

/** The simulated venue: its truth, and what each source shows. */
interface World {
  truth: { side: Side | undefined; size: number };
  /** What the order query finds for the entry (undefined: not found). */
  entry: { status: OrderStatus; filled: number } | undefined;
  /** What the REST list shows (undefined: the symbol is missing). */
  rest: { side: Side | undefined; size: number; venueTime: number } | undefined;
  stop: OrderStatus | undefined;
  closes: Map<ClientOrderId, CloseOrder>;
  claimed: Set<ClientOrderId>;
  feedUp: boolean;
}

/** What the machine has been shown so far: the oracle of the invariants. */
interface Shown {
  journalFailed: boolean;
  sendRejected: boolean;
  fill: 'none' | 'partial' | 'full';
  /** The entry reported terminal with zero fill. */
  dead: boolean;
  stopConfirmed: boolean;
  stopRefused: boolean;
  stopSentAt: number | undefined;
  nonFlat: ReportTiming[];
  flats: ReportTiming[];
  adopted: boolean;
}

export interface PathRun {
  readonly history: readonly AbstractEventType[];
  /** The top-level states entered, in order. */
  readonly trace: readonly string[];
  readonly top: string;
  readonly violations: readonly string[];
  readonly alerts: readonly AlertDraft[];
  /** A digest of the machine's state, the venue and the evidence, for merging equivalent vertices. */
  readonly digest: string;
  /** The abstract events offered next. */
  readonly offers: readonly AbstractEventType[];
}

/** An effect slot that answers at once: the actor is done (or failed) when it starts. */
function instant<O, I>(answer: (input: I) => O): PromiseActorLogic<O, I> {
  const base = fromPromise<O, I>(() => new Promise<O>(() => {}));
  return {
    ...base,
    getInitialSnapshot: (_scope, input) => {
      try {
        return { status: 'done', output: answer(input), error: undefined, input };
      } catch (error) {
        return { status: 'error', output: undefined, error, input };
      }
    },
    start: () => {},
  };
}

const FULL = 43;
const PARTIAL = 20;
const STALE_VENUE_TIME = T0 - 60_000;
const ORPHAN_ALERTS: readonly string[] = ['unknownOrder', 'closeUnverified', 'closeRefused', 'mismatch'];

/** What one replay's venue answers; the provided machine's slots delegate to the replay in progress. */
interface Slots {
  now(): number;
  prepare(): PrepareEntryOutput;
  send(input: SendOrderInput): SendOrderOutput;
  query(input: QueryEvidenceInput): QueryEvidenceOutput;
  cancel(input: CancelOrderInput): CancelOrderOutput;
  alert(params: AlertDraft): void;
}

/**
 * Returns a function that replays a history of abstract events on a fresh venue and clock.
 * The machine is provided once; its slots answer from the replay in progress.
 */
export function pathRunner(
  machine: AnyPositionMachine,
  cfg: ModelConfig,
): (history: readonly AbstractEventType[]) => PathRun {
  let live: Slots | undefined;
  const current = (): Slots => {
    if (live === undefined) throw new Error('no path is being replayed');
    return live;
  };
  const provided = machine.provide({
    actors: {
      prepareEntry: instant<PrepareEntryOutput, PrepareEntryInput>(() => current().prepare()),
      sendOrder: instant<SendOrderOutput, SendOrderInput>((i) => current().send(i)),
      queryEvidence: instant<QueryEvidenceOutput, QueryEvidenceInput>((q) => current().query(q)),
      cancelOrder: instant<CancelOrderOutput, CancelOrderInput>((c) => current().cancel(c)),
    },
    actions: { raiseAlert: (_args, params) => current().alert(params) },
    delays: { untilDeadline: ({ context }) => Math.max(0, context.deadline - current().now()) },
  });
  return (history) => {
    try {
      return replay(provided, cfg, history, (slots) => {
        live = slots;
      });
    } finally {
      live = undefined;
    }
  };
}

/** Replays one history (see `pathRunner`). */
export function runPath(machine: AnyPositionMachine, cfg: ModelConfig, history: readonly AbstractEventType[]): PathRun {
  return pathRunner(machine, cfg)(history);
}

/** The last non-flat evidence: the one with the latest venue time ("newer" means strictly later; a re-read is not newer). */
const newest = (ts: readonly ReportTiming[]): ReportTiming | undefined =>
  ts.reduce<ReportTiming | undefined>(
    (a, t) => (a === undefined || (t.venueTime ?? 0) > (a.venueTime ?? 0) ? t : a),
    undefined,
  );

function replay(
  provided: AnyPositionMachine,
  cfg: ModelConfig,
  history: readonly AbstractEventType[],
  install: (slots: Slots) => void,
): PathRun {
  const clock = new TestClock(T0);
  const input = positionInput({
    intent: cfg.stopLoss === undefined ? {} : { stopLoss: cfg.stopLoss },
    // Polls a quarter of the verification timeout apart: fewer replayed steps, the same decisions.
    settings: { protectionOnFailure: cfg.protectionOnFailure, feedDownPollMs: 250 },
  });
  const settings = input.settings;
  const lags = sourceLags(settings.restLagMs);
  const world: World = {
    truth: { side: undefined, size: 0 },
    entry: undefined,
    rest: undefined,
    stop: undefined,
    closes: new Map(),
    claimed: new Set(),
    feedUp: true,
  };
  const shown: Shown = {
    journalFailed: false,
    sendRejected: false,
    fill: 'none',
    dead: false,
    stopConfirmed: false,
    stopRefused: false,
    stopSentAt: undefined,
    nonFlat: [],
    flats: [],
    adopted: false,
  };
  const violations: string[] = [];
  const alerts: AlertDraft[] = [];
  const trace: string[] = [];
  let entryMode: AbstractEventType = 'SEND_ACCEPTED';
  let entrySends = 0;
  let step = 0;
  const violate = (msg: string) => violations.push(`${msg}, on [${history.slice(0, step + 1).join(', ')}]`);

  // --- what the machine is shown --------------------------------------------------------
  const showFill = (amount: number, timing: ReportTiming) => {
    if (amount >= FULL) shown.fill = 'full';
    else if (amount > 0 && shown.fill === 'none') shown.fill = 'partial';
    shown.nonFlat.push(timing);
  };
  const showOrder = (r: OrderStatusReport) => {
    if (r.clientOrderId === ENTRY_ID) {
      if (r.filled > 0) showFill(r.status === 'open' ? r.filled : FULL, r);
      else if (r.status !== 'open') shown.dead = true;
    } else if (r.clientOrderId === STOP_ID) {
      if (r.status === 'open') shown.stopConfirmed = true;
      // Refused is the venue's "no" to the stop's content; a stop cancelled or expired after it was accepted is lost, not refused.
      if (r.status === 'rejected') shown.stopRefused = true;
    }
  };
  const showPosition = (p: PositionStatusReport) => {
    if (p.size === 0) shown.flats.push(p);
    else if (p.side === 'buy') showFill(p.size, p);
    else shown.nonFlat.push(p);
  };
  const flatCounts = () => shown.flats.some((f) => judgeFlatReport(f, newest(shown.nonFlat), lags).counts);
  const stopTimedOut = () => shown.stopSentAt !== undefined && clock.now() >= shown.stopSentAt + settings.timeoutMs;

  // --- the venue ---------------------------------------------------------------------------
  const setTruth = (side: Side | undefined, size: number) => {
    world.truth = { side: size === 0 ? undefined : side, size };
  };

  const sendOrder = (req: SendOrderInput): SendOrderOutput => {
    const now = clock.now();
    const r = req.request;
    if (req.role === 'entry' && ++entrySends > 1) violate('(d) the entry was sent a second time');
    if (req.role !== 'entry' && !r.reduceOnly) violate(`(c) ${req.role} is not reduce-only`);
    if (req.role.startsWith('close-') || req.role.startsWith('excess-')) {
      const t = world.truth;
      if (t.side !== undefined && r.side !== opposite(t.side))
        violate(`(c) ${req.role} is a ${r.side} while the venue holds ${t.side} ${t.size}`);
    }
    if (req.role === 'stop') shown.stopSentAt ??= now;
    if (world.claimed.has(r.clientOrderId)) {
      return {
        sentAt: now,
        at: now,
        outcome: unknown(`${r.clientOrderId} was claimed before; looked up, never sent again`),
      };
    }
    world.claimed.add(r.clientOrderId);
    const venueOrderId = venueIdOf(r.clientOrderId);
    if (req.role === 'entry') {
      switch (entryMode) {
        case 'SEND_REJECTED':
          return { sentAt: now, at: now, outcome: rejected('insufficient margin') };
        case 'SEND_UNKNOWN':
          return { sentAt: now, at: now, outcome: unknown('timeout after the request left') };
        case 'SEND_THROWS':
          throw new Error('socket hang up');
        case 'SEND_ACCEPTED_FILLED': {
          world.entry = { status: 'filled', filled: FULL };
          setTruth('buy', FULL);
          const report = orderReport(ENTRY, { status: 'filled', filled: FULL, receivedAt: now, venueTime: now });
          showOrder(report);
          return { sentAt: now, at: now, outcome: accepted({ venueOrderId, report }) };
        }
        default:
          return { sentAt: now, at: now, outcome: accepted({ venueOrderId, report: undefined }) };
      }
    }
    if (req.role.startsWith('close-') || req.role.startsWith('excess-')) {
      world.closes.set(r.clientOrderId, { amount: r.amount, side: r.side, status: 'open', filled: 0 });
    }
    return { sentAt: now, at: now, outcome: accepted({ venueOrderId, report: undefined }) };
  };

  const orderAnswer = (id: ClientOrderId, now: number): OrderStatusReport | undefined => {
    if (id === ENTRY_ID)
      return world.entry === undefined
        ? undefined
        : orderReport(ENTRY, { ...world.entry, receivedAt: now, venueTime: now });
    if (id === STOP_ID) {
      return world.stop === undefined
        ? undefined
        : orderReport(
            {
              clientOrderId: STOP_ID,
              side: 'sell',
              amount: FULL,
              type: 'stop-market',
              reduceOnly: true,
              triggerPrice: cfg.stopLoss,
            },
            { status: world.stop, filled: 0, receivedAt: now },
          );
    }
    const c = world.closes.get(id);
    return c === undefined
      ? undefined
      : orderReport(
          { clientOrderId: id, side: c.side, amount: c.amount, reduceOnly: true },
          { status: c.status, filled: c.filled, receivedAt: now },
        );
  };

  install({
    now: () => clock.now(),
    prepare: () => {
      if (entryMode === 'JOURNAL_FAILS') throw new Error('redis down');
      return { at: clock.now(), baseline: { side: undefined, size: 0 } };
    },
    send: sendOrder,
    query: (q) => {
      const now = clock.now();
      const order = q.order === undefined ? undefined : orderAnswer(q.order.clientOrderId, now);
      const rest = world.rest;
      const position =
        q.position && rest !== undefined
          ? positionReport({ side: rest.side, size: rest.size, receivedAt: now, venueTime: rest.venueTime })
          : undefined;
      if (order !== undefined) showOrder(order);
      if (position !== undefined) showPosition(position);
      return { at: now, order, position, failures: [] };
    },
    cancel: (c) => {
      if (c.clientOrderId === STOP_ID && world.stop === 'open') world.stop = 'cancelled';
      return { at: clock.now(), outcome: accepted(undefined) };
    },
    alert: (params) => {
      alerts.push(params);
    },
  });

  // --- the invariants, at every top-level state entered -------------------------------------
  const checkEnter = (prev: string | undefined, next: string) => {
    if ((prev === 'verifying' || prev === 'unknown') && next === 'rollingBack')
      violate(`(b) ${prev} went to rollingBack`);
    // A stop not confirmed in time is no refusal: the position is open, marked unconfirmed, with an alert.
    const stopOk =
      cfg.stopLoss === undefined ||
      shown.stopConfirmed ||
      (cfg.protectionOnFailure === 'alert' && shown.stopRefused) ||
      (stopTimedOut() && alerts.some((a) => a.kind === 'protectionUnconfirmed'));
    switch (next) {
      case 'failed':
        if (!shown.journalFailed && !shown.sendRejected && !(shown.dead && shown.fill === 'none')) {
          violate('(a) failed without a journal failure, a rejected send or the entry reported dead with zero fill');
        }
        break;
      case 'closed':
        if (!flatCounts()) violate('(a) closed without a flat report newer than the last non-flat evidence');
        break;
      case 'open':
        if (shown.adopted) break;
        if (shown.fill === 'none') violate('(a) open without a proven fill');
        if (!stopOk) violate('(a) open with a stop neither confirmed nor refused under the alert policy');
        break;
      case 'rollingBack':
        if (prev !== 'protecting') violate(`(b) rollingBack entered from ${prev}`);
        if (shown.fill === 'none') violate('(a) rollingBack without a proven fill');
        // No false rollback: only a stop the venue refused rolls a filled position back (a timer never does).
        if (cfg.protectionOnFailure !== 'rollback' || !shown.stopRefused) {
          violate('(a) rollingBack without a stop the venue refused, under the rollback policy');
        }
        break;
      default:
        break;
    }
  };

  let actor: AnyActorRef | undefined;
  const spawn = (snapshot?: unknown): AnyActorRef => {
    const a = createActor(provided, {
      input,
      clock,
      ...(snapshot === undefined
        ? {}
        : { snapshot: snapshot as ReturnType<AnyPositionMachine['getPersistedSnapshot']> }),
      inspect: (e) => {
        if (e.type !== '@xstate.microstep' && e.type !== '@xstate.snapshot') return;
        const value = (e.snapshot as { value?: unknown }).value;
        if (value === undefined) return; // a slot's snapshot
        const top = topState(value);
        const prev = trace.at(-1);
        if (prev !== top) {
          trace.push(top);
          checkEnter(prev, top);
        }
      },
    });
    a.subscribe({ error: (err: unknown) => violate(`the actor failed: ${String(err)}`) });
    return a;
  };
  const ctx = (): PositionContext | undefined =>
    (actor?.getSnapshot() as { context: PositionContext } | undefined)?.context;
  const topNow = () => (actor === undefined ? 'init' : topState((actor.getSnapshot() as { value: unknown }).value));
  const send = (e: PositionEvent) => {
    if (e.type === 'FILL_REPORT') showFill(e.report.amount, e.report);
    if (e.type === 'ORDER_REPORT') showOrder(e.report);
    if (e.type === 'POSITION_REPORT') showPosition(e.report);
    actor?.send(e);
  };

  for (step = 0; step < history.length; step++) {
    const type = history[step] as AbstractEventType;
    const now = clock.now();
    switch (type) {
      case 'JOURNAL_FAILS':
        shown.journalFailed = true;
        entryMode = type;
        break;
      case 'SEND_REJECTED':
        shown.sendRejected = true;
        entryMode = type;
        break;
      case 'SEND_ACCEPTED':
      case 'SEND_UNKNOWN':
      case 'SEND_THROWS':
      case 'SEND_ACCEPTED_FILLED':
        entryMode = type;
        break;
      case 'STREAM_FILL': {
        const amount = FULL - (world.entry?.filled ?? 0);
        world.entry = { status: 'filled', filled: FULL };
        setTruth('buy', FULL);
        // The stream's report of the execution; after a partial fill, also the order's update (filled 43).
        send({
          type: 'FILL_REPORT',
          report: fillReport(ENTRY, { amount, receivedAt: now, venueTime: now, tradeId: `t${step}` }),
        });
        if (amount < FULL) {
          send({
            type: 'ORDER_REPORT',
            report: orderReport(ENTRY, {
              status: 'filled',
              filled: FULL,
              receivedAt: now,
              venueTime: now,
              source: 'stream',
            }),
          });
        }
        break;
      }
      case 'ORDER_FILLED':
        world.entry = { status: 'filled', filled: FULL };
        setTruth('buy', FULL);
        break;
      case 'ORDER_PARTIAL':
        world.entry = { status: 'open', filled: PARTIAL };
        setTruth('buy', PARTIAL);
        break;
      case 'ORDER_CANCELLED':
        world.entry = { status: 'cancelled', filled: world.entry?.filled ?? 0 };
        break;
      case 'REST_EMPTY':
        world.rest = undefined;
        break;
      case 'REST_STALE_FLAT':
        world.rest = { side: undefined, size: 0, venueTime: STALE_VENUE_TIME };
        break;
      case 'REST_CATCHES_UP':
        world.rest = { ...world.truth, venueTime: now };
        break;
      case 'FRESH_FLAT':
        setTruth(undefined, 0);
        send({
          type: 'POSITION_REPORT',
          report: positionReport({ size: 0, receivedAt: now, venueTime: now, source: 'stream' }),
        });
        break;
      case 'SIDE_FLIP':
        setTruth('sell', FULL);
        send({
          type: 'POSITION_REPORT',
          report: positionReport({ side: 'sell', size: FULL, receivedAt: now, venueTime: now, source: 'stream' }),
        });
        break;
      case 'FEED_DOWN':
        world.feedUp = false;
        send({ type: 'FEED', up: false });
        break;
      case 'STOP_CONFIRMED':
        world.stop = 'open';
        break;
      case 'STOP_REFUSED':
        world.stop = 'rejected';
        break;
      case 'CLOSE':
        send({ type: 'CLOSE', at: clock.now() });
        break;
      case 'CLOSE_FILLED': {
        const last = [...world.closes.values()].filter((c) => c.status === 'open').at(-1);
        if (last !== undefined) {
          last.status = 'filled';
          last.filled = last.amount;
          setTruth(world.truth.side, Math.max(0, world.truth.size - last.amount));
        }
        break;
      }
      case 'ADOPT':
        shown.adopted = true;
        send({ type: 'ADOPT' });
        break;
      case 'TIMEOUT': {
        const deadline = ctx()?.deadline ?? now;
        clock.advanceSync(deadline > now ? deadline - now + 1 : settings.timeoutMs);
        break;
      }
      case 'RESTART': {
        if (actor === undefined) break;
        const persisted = JSON.parse(JSON.stringify(actor.getPersistedSnapshot())) as unknown;
        actor.stop();
        actor = spawn(persisted);
        actor.start();
        actor.send({ type: 'RESUME' });
        break;
      }
    }
    if (step === 0) {
      actor = spawn();
      actor.start();
    }
    if (type !== 'TIMEOUT') clock.advanceSync(settings.feedDownPollMs);
    if (topNow() === 'orphanAlert' && !alerts.some((a) => ORPHAN_ALERTS.includes(a.kind))) {
      violate('(e) in orphanAlert without an unknownOrder, closeUnverified or closeRefused alert');
    }
  }
  step = history.length - 1;

  const top = topNow();
  const c = ctx();
  const closesOpen = [...world.closes.values()].some((x) => x.status === 'open');
  const rest =
    world.rest === undefined
      ? 'missing'
      : world.rest.size > 0
        ? world.rest.side
        : world.rest.venueTime === STALE_VENUE_TIME
          ? 'stale'
          : 'flat';
  const digest = JSON.stringify([
    actor?.getSnapshot().value ?? 'init',
    world.truth,
    world.entry,
    rest,
    world.stop,
    closesOpen,
    world.feedUp,
    shown.fill,
    shown.dead,
    shown.stopConfirmed,
    shown.stopRefused,
    shown.adopted,
    flatCounts(),
    c?.closeRequest?.status,
    c?.closes.length,
    alerts.length,
    entryMode,
  ]);
  return {
    history,
    trace,
    top,
    violations,
    alerts,
    digest,
    offers: history.length >= cfg.maxDepth ? [] : offersFor(top, history.length === 0, world, cfg, closesOpen, c),
  };
}

/** The abstract events that make sense next: keeps the graph small and every path meaningful. */
function offersFor(
  top: string,
  atStart: boolean,
  world: World,
  cfg: ModelConfig,
  closesOpen: boolean,
  c: PositionContext | undefined,
): AbstractEventType[] {
  const excluded = new Set(cfg.exclude ?? []);
  const pick = (xs: readonly AbstractEventType[]) => xs.filter((x) => !excluded.has(x));
  if (atStart) return pick(cfg.startEvents ?? START_EVENTS);
  const entry: AbstractEventType[] = [];
  if (world.entry?.status !== 'filled' && world.entry?.status !== 'cancelled')
    entry.push('STREAM_FILL', 'ORDER_FILLED', 'ORDER_CANCELLED');
  if (world.entry === undefined) entry.push('ORDER_PARTIAL');
  const rest: AbstractEventType[] = ['REST_EMPTY', 'REST_STALE_FLAT', 'REST_CATCHES_UP'];
  const close: AbstractEventType[] = c?.closeRequest?.status !== 'active' ? ['CLOSE'] : [];
  const flip: AbstractEventType[] = world.truth.side === 'buy' ? ['SIDE_FLIP'] : [];
  switch (top) {
    case 'verifying':
    case 'unknown':
      return pick([...entry, ...rest, 'FRESH_FLAT', ...close, 'TIMEOUT', 'RESTART']);
    case 'protecting':
      return pick(['STOP_CONFIRMED', 'STOP_REFUSED', ...close, 'TIMEOUT', 'RESTART']);
    case 'open':
      return pick([
        ...close,
        'FRESH_FLAT',
        'REST_STALE_FLAT',
        'REST_CATCHES_UP',
        ...(world.feedUp ? ['FEED_DOWN' as const] : []),
        ...flip,
        'TIMEOUT',
        'RESTART',
      ]);
    case 'closing':
    case 'rollingBack':
    case 'verifyingClosed':
      return pick([
        ...(closesOpen ? ['CLOSE_FILLED' as const] : []),
        ...rest,
        'FRESH_FLAT',
        ...flip,
        'TIMEOUT',
        'RESTART',
      ]);
    case 'orphanAlert':
      return pick([...entry, 'REST_CATCHES_UP', 'FRESH_FLAT', ...close, 'ADOPT', 'TIMEOUT', 'RESTART']);
    default:
      return [];
  }
}

export interface ModelResult {
  /** Concrete paths replayed: one per edge of the graph (its source's shortest history, then the edge's event). */
  readonly paths: number;
  /** Vertices (machine state × venue × evidence digests) of the graph. */
  readonly vertices: number;
  /** The longest path replayed, in abstract events. */
  readonly longest: number;
  /** Every invariant violation, with the path that shows it. */
  readonly violations: readonly string[];
  /** Every top-level state entered on some path. */
  readonly reached: ReadonlySet<string>;
}

/**
 * Builds the graph of `machine` under the abstract alphabet with `xstate/graph`'s
 * `getAdjacencyMap` (breadth first, vertices merged by digest, paths bounded by `maxDepth`).
 * Every edge is computed by replaying its concrete path from scratch, checked against the
 * invariants at every step; walking the edges walks every path the traversal found.
 */
export function runModel(machine: AnyPositionMachine, cfg: ModelConfig): ModelResult {
  const run = pathRunner(machine, cfg);
  const logic = fromTransition((r: PathRun, event: AbstractEvent) => run([...r.history, event.type]), run([]));
  type Snap = ReturnType<typeof logic.getInitialSnapshot>;
  const adjacency = getAdjacencyMap(logic, {
    events: (snap: Snap): AbstractEvent[] => snap.context.offers.map((type) => ({ type })),
    serializeState: (snap: Snap) => snap.context.digest,
  });
  const violations = new Set<string>();
  const reached = new Set<string>();
  let paths = 0;
  let longest = 0;
  for (const vertex of Object.values(adjacency)) {
    // (The edge map is keyed by a branded string, so `Object.values` cannot see its value type.)
    for (const edge of Object.values(vertex.transitions) as { readonly event: AbstractEvent; readonly state: Snap }[]) {
      const path = edge.state.context;
      paths += 1;
      longest = Math.max(longest, path.history.length);
      for (const s of path.trace) reached.add(s);
      for (const v of path.violations) violations.add(v);
    }
  }
  return { paths, vertices: Object.keys(adjacency).length, longest, violations: [...violations], reached };
}
