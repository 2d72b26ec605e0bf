/**
 * One "fill → open" run: a fresh simulated venue and `createGuard` on the real clock, N
 * intents in bursts, every position kept live, and per position the moments (from
 * `performance.now()`) of the venue's fill, of the first evidence of it reaching posguard
 * (the create reply or a stream event, seen through a probe port) and of the `open`
 * transition. Receives a run spec; returns summaries; touches only its own venue and guard.
 *
 * @example
 * const result = await runFillToOpen({ label: 'Bybit-like', evidence: 'stream fill event', positions: 10_000, faults, burst: 100, heap: true }, ctx);
 */
import { systemClock } from '../src/clock.js';
import type { FaultRule, SimMarketSpec, SimRequest } from '../src/exchange/sim/index.js';
import { DEFAULT_SIM_MARKETS, SimExchange, createSimPort } from '../src/exchange/sim/index.js';
import type { StreamEvent } from '../src/exchange/port.js';
import { createGuard, type PositionHandle } from '../src/guard/guard.js';
import { heapAfterGc } from './heap.js';
import { probePort } from './probe-port.js';
import type { BenchContext } from './section.js';
import { summarize, type Summary } from './stats.js';

/** Accounts of the guard; each position is one (account, symbol) pair, so symbols = positions / accounts. */
export const ACCOUNTS = 100;

/** Which source first proved the fill: 0 none yet, then the kinds below. */
const EVIDENCE = ['none', 'create reply', 'stream order report', 'stream execution', 'stream position'] as const;

export interface RunSpec {
  readonly label: string;
  /** What proves the fill first in this run. */
  readonly evidence: string;
  readonly positions: number;
  readonly faults: readonly FaultRule[];
  /** Intents submitted at once. */
  readonly burst: number;
  readonly heap: boolean;
}

export interface RunResult {
  readonly spec: RunSpec;
  /** First evidence of the fill reaching posguard → `open`, ms (posguard's own reaction). */
  readonly reaction: Summary;
  /** The same, for the first and the last tenth of the positions opened (fewer vs more live actors). */
  readonly reactionFirstTenth: Summary;
  readonly reactionLastTenth: Summary;
  /** The venue's fill (inside the create call) → `open`, ms: adds the event loop's queue and the sim's stream timer. */
  readonly endToEnd: Summary;
  /** How many positions each kind of evidence proved first. */
  readonly firstEvidence: ReadonlyMap<string, number>;
  /** The stream's first fill evidence minus the `open` transition, for positions the create reply opened (ms). */
  readonly streamAfterOpen: Summary;
  readonly notOpen: number;
  /** Positions already `open` when their handle came back: their open time is a late bound. */
  readonly lateObserved: number;
  readonly createGuardMs: number;
  readonly wallMs: number;
  /** Wall time of the first and the last tenth of the batches. */
  readonly firstTenthMs: number;
  readonly lastTenthMs: number;
  readonly createOrders: number;
  readonly heap: HeapRun | undefined;
}

/** What a run hands over for the heap figures. */
export interface HeapRun {
  readonly totalBytes: number;
  readonly requests: readonly SimRequest[];
  readonly faults: readonly FaultRule[];
  readonly markets: readonly SimMarketSpec[];
}

export async function runFillToOpen(spec: RunSpec, ctx: BenchContext): Promise<RunResult> {
  const n = spec.positions;
  const symbolsPerAccount = Math.ceil(n / ACCOUNTS);
  const avl = DEFAULT_SIM_MARKETS.find((m) => m.symbol === 'AVL/USDT:USDT') as SimMarketSpec;
  const symbols = Array.from({ length: symbolsPerAccount }, (_, i) => `P${i}/USDT:USDT`);
  const symbolIndex = new Map(symbols.map((s, i) => [s, i]));
  const markets = symbols.map((symbol) => ({ ...avl, symbol }));
  const venue = new SimExchange({ clock: systemClock, seed: 1, markets });
  for (const rule of spec.faults) venue.faults.set(rule);

  // Per (account, symbol) slot; NaN until measured. Allocated before the heap baseline.
  const slots = ACCOUNTS * symbolsPerAccount;
  const filledAt = new Float64Array(slots).fill(Number.NaN);
  const evidenceAt = new Float64Array(slots).fill(Number.NaN);
  const evidenceKind = new Uint8Array(slots);
  const streamAt = new Float64Array(slots).fill(Number.NaN);
  const openAt = new Float64Array(slots).fill(Number.NaN);
  const order = new Int32Array(n);
  const handles: (PositionHandle | undefined)[] = new Array<PositionHandle | undefined>(slots).fill(undefined);

  const ports = Object.fromEntries(
    Array.from({ length: ACCOUNTS }, (_, a) => {
      const slotOf = (symbol: string): number | undefined => {
        const s = symbolIndex.get(symbol);
        return s === undefined ? undefined : a * symbolsPerAccount + s;
      };
      const note = (slot: number, at: number, kind: number) => {
        if (Number.isNaN(evidenceAt[slot] ?? 0)) {
          evidenceAt[slot] = at;
          evidenceKind[slot] = kind;
        }
      };
      const port = probePort(createSimPort(venue, `a${a}`), {
        createCalled: (request, at) => {
          const slot = slotOf(request.symbol);
          if (slot !== undefined && request.clientOrderId.endsWith('-e')) filledAt[slot] = at;
        },
        afterCreate: (request, outcome, at) => {
          const slot = slotOf(request.symbol);
          if (slot === undefined || !request.clientOrderId.endsWith('-e') || outcome.kind !== 'accepted') return;
          if ((outcome.value.report?.filled ?? 0) > 0) note(slot, at, 1);
        },
        beforeEvent: (event, at) => {
          const kind = streamEvidence(event);
          const slot = event.type === 'connection' ? undefined : slotOf(event.report.symbol);
          if (kind === 0 || slot === undefined) return;
          if (Number.isNaN(streamAt[slot] ?? 0)) streamAt[slot] = at;
          note(slot, at, kind);
        },
        afterEvent: (event, at) => {
          const slot = event.type === 'connection' ? undefined : slotOf(event.report.symbol);
          if (slot === undefined || !Number.isNaN(openAt[slot] ?? 0)) return;
          if (handles[slot]?.state === 'open') openAt[slot] = at;
        },
      });
      return [`a${a}`, port];
    }),
  );
  const accounts = Array.from({ length: ACCOUNTS }, (_, a) => ({ id: `a${a}`, exchange: 'sim' }));
  let t = performance.now();
  const guard = await createGuard({ accounts }, { clock: systemClock, sim: venue, ports, persistence: 'memory' });
  const createGuardMs = performance.now() - t;
  const requestsBefore = venue.requests().length;
  const gc = spec.heap ? ctx.gc : undefined;
  const heapBefore = gc === undefined ? undefined : heapAfterGc(gc);

  let notOpen = 0;
  let lateObserved = 0;
  let firstTenthMs = 0;
  let lastTenthMs = 0;
  const started = performance.now();
  for (let b = 0; b < n; b += spec.burst) {
    t = performance.now();
    const batch: Promise<void>[] = [];
    for (let k = b; k < Math.min(n, b + spec.burst); k++) {
      const a = k % ACCOUNTS;
      const s = Math.floor(k / ACCOUNTS);
      const slot = a * symbolsPerAccount + s;
      order[k] = slot;
      batch.push(
        guard.open({ account: `a${a}`, symbol: symbols[s] ?? '', side: 'buy', amount: 43 }).then(async (handle) => {
          handles[slot] = handle;
          if (handle.state === 'open') lateObserved++;
          // Resolves in the microtask after the transition: the open time of positions no stream event opened.
          const state = await handle.settled({ timeoutMs: 30_000 });
          if (Number.isNaN(openAt[slot] ?? 0)) openAt[slot] = performance.now();
          if (state !== 'open') notOpen++;
        }),
      );
    }
    await Promise.all(batch);
    if (b < n / 10) firstTenthMs += performance.now() - t;
    if (b >= n - n / 10) lastTenthMs += performance.now() - t;
  }
  const wallMs = performance.now() - started;

  // The venue's share is measured later, by replaying its requests once this guard is garbage (a smaller heap to collect).
  const heap =
    gc === undefined || heapBefore === undefined
      ? undefined
      : {
          totalBytes: heapAfterGc(gc) - heapBefore,
          requests: venue.requests().slice(requestsBefore),
          faults: spec.faults,
          markets,
        };

  const reaction = new Float64Array(n);
  const endToEnd = new Float64Array(n);
  const streamAfterOpen = new Float64Array(n).fill(Number.NaN);
  const firstEvidence = new Map<string, number>();
  for (let k = 0; k < n; k++) {
    const i = order[k] ?? 0;
    const opened = openAt[i] ?? Number.NaN;
    reaction[k] = opened - (evidenceAt[i] ?? Number.NaN);
    endToEnd[k] = opened - (filledAt[i] ?? Number.NaN);
    const kind = EVIDENCE[evidenceKind[i] ?? 0] ?? 'none';
    firstEvidence.set(kind, (firstEvidence.get(kind) ?? 0) + 1);
    if ((evidenceKind[i] ?? 0) === 1) streamAfterOpen[k] = (streamAt[i] ?? Number.NaN) - opened;
  }
  const tenth = Math.max(1, Math.floor(n / 10));
  const createOrders = venue.requests({ method: 'createOrder' }).length;
  await guard.stop();
  venue.close();
  return {
    spec,
    reaction: summarize(reaction),
    reactionFirstTenth: summarize(reaction.subarray(0, tenth)),
    reactionLastTenth: summarize(reaction.subarray(n - tenth)),
    endToEnd: summarize(endToEnd),
    firstEvidence,
    streamAfterOpen: summarize(streamAfterOpen),
    notOpen,
    lateObserved,
    createGuardMs,
    wallMs,
    firstTenthMs,
    lastTenthMs,
    createOrders,
    heap,
  };
}

/** The kind of fill evidence a stream event carries for an entry (see `EVIDENCE`), or 0. */
function streamEvidence(event: StreamEvent): number {
  switch (event.type) {
    case 'order':
      return event.report.clientOrderId?.endsWith('-e') === true && event.report.filled > 0 ? 2 : 0;
    case 'fill':
      return event.report.clientOrderId?.endsWith('-e') === true ? 3 : 0;
    case 'position':
      return event.report.size > 0 ? 4 : 0;
    default:
      return 0;
  }
}
