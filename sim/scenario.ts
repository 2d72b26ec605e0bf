/**
 * Over 300 lines on purpose: what a seed draws, one generator per kind of step, kept together so that the draw order (and so every trail) is visible in one place.
 *
 * A scenario is data (see docs/architecture.md, Invariants): timed steps — intents, closes,
 * halts, price gaps, venue faults, other programs' trades, crashes, takeovers, stalls, store
 * faults — printable as JSON, drawn from a seed by `drawScenario`. Replay and shrinking work on
 * this data: a scenario runs the same from its JSON as from its seed.
 *
 * @example
 * const scenario = drawScenario(42);
 * JSON.stringify(scenario); // replayable with runScenario(JSON.parse(text))
 */
import type { FaultRule } from '../src/exchange/sim/faults.js';
import { seededRandom, type Random } from '../src/domain/random.js';

export const SYMBOLS = ['AVL/USDT:USDT', 'ETH/USDT:USDT'] as const;
export type SimSymbol = (typeof SYMBOLS)[number];

/** Every venue fault class a seed may draw (`restLagBeyond`: REST lag above `restLagMs`). */
export const FAULT_KINDS = [
  'minimalCreateReply',
  'orderIndexDelay',
  'restLag',
  'restLagBeyond',
  'streamDelay',
  'streamDrop',
  'streamDuplicate',
  'streamReorder',
  'disconnect',
  'rateLimited',
  'serverError',
  'timeoutAfterAccept',
  'partialFill',
  'marketProtection',
  'triggeredStopUnfilled',
  'triggeredStopFill',
  'dcp',
  'rejectEntry',
  'rejectStop',
] as const;
export type FaultClass = (typeof FAULT_KINDS)[number];

/** What other programs on the same account do (client ids outside posguard's prefix). */
export const OTHER_ACTIONS = ['manualClose', 'plant', 'overfill', 'flip', 'cancelStop', 'liquidation'] as const;
export type OtherAction = (typeof OTHER_ACTIONS)[number];

/** What happens to workers and the store. */
export const WORKER_EVENTS = [
  'kill',
  'killOnSend',
  'takeover',
  'stall',
  'storeDown',
  'storeFailover',
  'storeWipe',
  'storeCorrupt',
] as const;

export type Step =
  | {
      readonly at: number;
      readonly kind: 'intent';
      readonly n: number;
      readonly account: string;
      readonly symbol: SimSymbol;
      readonly side: 'buy' | 'sell';
      readonly amount: number;
      readonly stopPct?: number;
      readonly key?: string;
      readonly retryAfterMs?: number;
    }
  | { readonly at: number; readonly kind: 'close'; readonly n: number }
  | { readonly at: number; readonly kind: 'halt' | 'resume'; readonly account: string }
  | { readonly at: number; readonly kind: 'gap'; readonly symbol: SimSymbol; readonly pct: number }
  | {
      readonly at: number;
      readonly kind: 'fault';
      readonly fault: FaultClass;
      readonly rule: FaultRule;
      readonly forMs?: number;
    }
  | {
      readonly at: number;
      readonly kind: 'other';
      readonly action: OtherAction;
      readonly account: string;
      readonly symbol: SimSymbol;
      readonly fraction: number;
    }
  | { readonly at: number; readonly kind: 'kill' | 'restart' | 'wake'; readonly worker: string }
  | { readonly at: number; readonly kind: 'killOnSend'; readonly worker: string; readonly sends: number }
  | { readonly at: number; readonly kind: 'stall'; readonly worker: string }
  | { readonly at: number; readonly kind: 'storeDown' | 'storeUp' | 'storeCheckpoint' | 'storeFailover' | 'storeWipe' }
  | { readonly at: number; readonly kind: 'storeCorrupt'; readonly pick: number }
  /** One live position actor (the `pick`-th, of every worker's) crashes: a fold throws inside it, as a bug would. */
  | { readonly at: number; readonly kind: 'actorCrash'; readonly pick: number };

export interface Scenario {
  readonly seed: number;
  readonly accounts: readonly string[];
  readonly orphanPolicy: 'alert' | 'adopt' | 'flatten';
  readonly onFailure: 'rollback' | 'alert';
  /** Sorted by `at` (ms from the start); steps at one time run in order. */
  readonly steps: readonly Step[];
  /** When the scenario's activity ends and the drain begins (ms from the start). */
  readonly endsAt: number;
  /** `wire`: its times scaled for the wire variant, which runs it on real time (`wire-profile.ts`). */
  readonly profile?: 'wire';
}

/** The timing every run uses (short, so that a seed is fast; the ratios are the defaults'). */
export const SIM_TIMING = {
  timeoutMs: 10_000,
  restLagMs: 2_000,
  orphanEveryMs: 30_000,
  reconcileEveryMs: 60_000,
  leaseTtlMs: 9_000,
  unknownAlertAfterMs: 20_000,
} as const;

const pick = <T>(rnd: Random, list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;
const int = (rnd: Random, lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));

/** The venue fault rule of one class, for `account`, starting now (the runner makes windows absolute). */
function faultOf(rnd: Random, fault: FaultClass, account: string): { rule: FaultRule; forMs?: number } {
  const calls = { calls: int(rnd, 1, 3) };
  const windowMs = int(rnd, 2_000, 15_000);
  switch (fault) {
    case 'minimalCreateReply':
      return { rule: { fault: { kind: 'minimalCreateReply' }, when: calls, account } };
    case 'orderIndexDelay':
      return { rule: { fault: { kind: 'orderIndexDelay', ms: int(rnd, 500, 5_000) }, when: calls, account } };
    case 'restLag':
      return {
        rule: { fault: { kind: 'restLag', ms: int(rnd, 200, SIM_TIMING.restLagMs) }, account },
        forMs: windowMs,
      };
    case 'restLagBeyond':
      return {
        rule: { fault: { kind: 'restLag', ms: int(rnd, SIM_TIMING.restLagMs + 1, 20_000) }, account },
        forMs: windowMs,
      };
    case 'streamDelay':
      return { rule: { fault: { kind: 'streamDelay', ms: int(rnd, 100, 5_000) }, account }, forMs: windowMs };
    case 'streamDrop':
      return { rule: { fault: { kind: 'streamDrop' }, when: { calls: int(rnd, 1, 4) }, account } };
    case 'streamDuplicate':
      return { rule: { fault: { kind: 'streamDuplicate' }, when: { calls: int(rnd, 1, 4) }, account } };
    case 'streamReorder':
      return {
        rule: {
          fault: { kind: 'streamReorder', holdMs: int(rnd, 50, 2_000) },
          when: { calls: int(rnd, 1, 3) },
          account,
        },
      };
    case 'disconnect':
      return { rule: { fault: { kind: 'disconnect' }, account }, forMs: windowMs };
    case 'rateLimited':
      return { rule: { fault: { kind: 'rateLimited', retryAfterMs: int(rnd, 100, 3_000) }, when: calls, account } };
    case 'serverError':
      return { rule: { fault: { kind: 'serverError' }, when: calls, account } };
    case 'timeoutAfterAccept':
      return { rule: { fault: { kind: 'timeoutAfterAccept' }, when: calls, account } };
    case 'partialFill':
      return {
        rule: { fault: { kind: 'partialFill', fraction: pick(rnd, [0, 0.3, 0.5, 0.9]) }, when: { calls: 1 }, account },
      };
    case 'marketProtection':
      return {
        rule: { fault: { kind: 'marketProtection', fraction: pick(rnd, [0, 0.5]) }, when: { calls: 1 }, account },
      };
    case 'triggeredStopUnfilled':
      return {
        rule: {
          fault: {
            kind: 'triggeredStop',
            holdMs: int(rnd, 500, 8_000),
            outcome: 'cancel',
            fraction: pick(rnd, [0, 0.5]),
          },
          when: { calls: 1 },
          account,
        },
      };
    case 'triggeredStopFill':
      return {
        rule: {
          fault: { kind: 'triggeredStop', holdMs: int(rnd, 500, 8_000), outcome: 'fill' },
          when: { calls: 1 },
          account,
        },
      };
    case 'dcp':
      return { rule: { fault: { kind: 'dcp', timeWindowMs: int(rnd, 1_000, 10_000) }, account }, forMs: windowMs * 2 };
    case 'rejectEntry':
      return {
        rule: {
          fault: { kind: 'reject', reason: 'insufficient margin', code: 'INSUFFICIENT_MARGIN', orderTypes: ['market'] },
          when: { calls: 1 },
          account,
        },
      };
    case 'rejectStop':
      return {
        rule: {
          fault: {
            kind: 'reject',
            reason: 'stop price would trigger immediately',
            code: 'INVALID_ORDER',
            orderTypes: ['stop-market'],
          },
          when: { calls: int(rnd, 1, 6) },
          account,
        },
      };
  }
}

/** Draws the scenario of one seed. */
export interface DrawOptions {
  /**
   * Adds, on a third of the seeds, the incident's weather around one intent (an ids-only reply,
   * REST 12–30 s behind, the stream down from the send). `npm test` runs the fixed seeds both
   * without and with it; the mutants that only it exposes are hunted with it.
   */
  readonly incidentBursts?: boolean;
}

/** The share of the incident bursts whose entry's create reply is complete (the entry proven by its reply). */
const PROVEN_BY_REPLY_SHARE = 0.4;

export function drawScenario(seed: number, options: DrawOptions = {}): Scenario {
  const rnd = seededRandom(seed ^ 0x5eed);
  const accounts = int(rnd, 1, 3) === 1 ? ['a1'] : ['a1', 'a2'];
  const steps: Step[] = [];
  const endsAt = int(rnd, 60_000, 150_000);
  const at = () => int(rnd, 0, endsAt - 1);
  const intents = int(rnd, 1, 5);
  for (let n = 0; n < intents; n++) {
    const account = pick(rnd, accounts);
    const symbol = pick(rnd, SYMBOLS);
    const side = rnd() < 0.5 ? ('buy' as const) : ('sell' as const);
    const amount = symbol === 'AVL/USDT:USDT' ? int(rnd, 20, 200) : int(rnd, 1, 5) / 100;
    const keyed = rnd() < 0.6;
    const stop = rnd() < 0.8;
    const t = at();
    steps.push({
      at: t,
      kind: 'intent',
      n,
      account,
      symbol,
      side,
      amount,
      ...(stop ? { stopPct: int(rnd, 1, 8) } : {}),
      ...(keyed ? { key: `bot-${seed}-${n}` } : {}),
      ...(keyed && rnd() < 0.5 ? { retryAfterMs: int(rnd, 100, 20_000) } : {}),
    });
    if (rnd() < 0.45) steps.push({ at: t + int(rnd, 0, 40_000), kind: 'close', n });
  }
  // The incident's weather around one intent: an ids-only reply, REST far behind, the stream down.
  const hit = steps.find((s) => s.kind === 'intent');
  if (options.incidentBursts === true && hit?.kind === 'intent' && rnd() < 0.3) {
    const t = Math.max(0, hit.at - 1);
    const account = hit.account;
    // Some bursts are of a second kind, drawn from a stream of the seed's own so that every other
    // draw stays what it was: the create reply is complete (the entry proven by its reply alone),
    // and a position on the symbol was closed shortly before, so REST, lagging, shows it flat — a
    // flat report older than the entry's, and no newer report of the position exists yet.
    const proven = seededRandom(seed ^ 0xb1e5);
    const provenByReply = proven() < PROVEN_BY_REPLY_SHARE;
    if (!provenByReply)
      steps.push({
        at: t,
        kind: 'fault',
        fault: 'minimalCreateReply',
        rule: { fault: { kind: 'minimalCreateReply' }, when: { calls: 1 }, account },
      });
    const lagMs = int(rnd, 12_000, 30_000);
    steps.push(
      {
        at: t,
        kind: 'fault',
        fault: 'restLagBeyond',
        rule: { fault: { kind: 'restLag', ms: lagMs }, account },
        forMs: int(rnd, 15_000, 40_000),
      },
      {
        at: t,
        kind: 'fault',
        fault: 'disconnect',
        rule: { fault: { kind: 'disconnect' }, account },
        forMs: int(rnd, 5_000, 25_000),
      },
    );
    if (rnd() < 0.5)
      steps.push({
        at: t,
        kind: 'fault',
        fault: 'orderIndexDelay',
        rule: { fault: { kind: 'orderIndexDelay', ms: int(rnd, 5_000, 20_000) }, when: { calls: 1 }, account },
      });
    const before = t - lagMs - 8_000;
    if (provenByReply && before >= 0) {
      const n = intents;
      const amount = hit.symbol === 'AVL/USDT:USDT' ? int(proven, 20, 200) : int(proven, 1, 5) / 100;
      steps.push(
        { at: before, kind: 'intent', n, account, symbol: hit.symbol, side: hit.side, amount, stopPct: 5 },
        { at: before + 2_000, kind: 'close', n },
      );
    }
  }
  for (let i = int(rnd, 0, 4); i > 0; i--)
    steps.push({ at: at(), kind: 'gap', symbol: pick(rnd, SYMBOLS), pct: (rnd() < 0.5 ? -1 : 1) * int(rnd, 3, 12) });
  for (let i = int(rnd, 0, 6); i > 0; i--) {
    const fault = pick(rnd, FAULT_KINDS);
    steps.push({ at: at(), kind: 'fault', fault, ...faultOf(rnd, fault, pick(rnd, accounts)) });
  }
  for (let i = rnd() < 0.5 ? int(rnd, 1, 2) : 0; i > 0; i--)
    steps.push({
      at: at(),
      kind: 'other',
      action: pick(rnd, OTHER_ACTIONS),
      account: pick(rnd, accounts),
      symbol: pick(rnd, SYMBOLS),
      fraction: pick(rnd, [0.2, 0.5, 1]),
    });
  if (rnd() < 0.15) {
    const t = at();
    steps.push(
      { at: t, kind: 'halt', account: pick(rnd, accounts) },
      { at: t + int(rnd, 1_000, 30_000), kind: 'resume', account: pick(rnd, accounts) },
    );
  }
  for (let i = rnd() < 0.6 ? int(rnd, 1, 2) : 0; i > 0; i--) troubleSteps(rnd, pick(rnd, WORKER_EVENTS), at(), steps);
  // Position actors crash from a stream of their own, so that the draws above stay what they were for every seed.
  const crashes = seededRandom(seed ^ 0xc7a5);
  for (let i = crashes() < 0.2 ? int(crashes, 1, 2) : 0; i > 0; i--)
    steps.push({ at: int(crashes, 0, endsAt - 1), kind: 'actorCrash', pick: int(crashes, 0, 9) });
  const sorted = steps
    .map((s, i) => ({ s, i }))
    .sort((x, y) => x.s.at - y.s.at || x.i - y.i)
    .map((x) => x.s);
  return {
    seed,
    accounts,
    orphanPolicy: pick(rnd, ['alert', 'adopt', 'flatten'] as const),
    onFailure: rnd() < 0.7 ? 'rollback' : 'alert',
    steps: sorted,
    endsAt: Math.max(endsAt, ...sorted.map((s) => s.at + 1)),
  };
}

/** The steps of one crash, stall, takeover or store fault at `t`. */
function troubleSteps(rnd: Random, trouble: (typeof WORKER_EVENTS)[number], t: number, steps: Step[]): void {
  switch (trouble) {
    case 'kill':
      steps.push({ at: t, kind: 'kill', worker: 'w1' }, { at: t + int(rnd, 0, 20_000), kind: 'restart', worker: 'w1' });
      break;
    case 'killOnSend':
      steps.push(
        { at: 0, kind: 'killOnSend', worker: 'w1', sends: int(rnd, 1, 4) },
        { at: t, kind: 'restart', worker: 'w1' },
      );
      break;
    case 'takeover':
      steps.push({ at: int(rnd, 0, 5_000), kind: 'restart', worker: 'w2' }, { at: t, kind: 'kill', worker: 'w1' });
      break;
    case 'stall':
      steps.push(
        { at: int(rnd, 0, 5_000), kind: 'restart', worker: 'w2' },
        { at: t, kind: 'stall', worker: 'w1' },
        { at: t + int(rnd, 5_000, 40_000), kind: 'wake', worker: 'w1' },
      );
      break;
    case 'storeDown':
      steps.push({ at: t, kind: 'storeDown' }, { at: t + int(rnd, 500, 20_000), kind: 'storeUp' });
      break;
    case 'storeFailover':
      steps.push({ at: t, kind: 'storeCheckpoint' }, { at: t + int(rnd, 10, 5_000), kind: 'storeFailover' });
      break;
    case 'storeWipe':
      steps.push({ at: t, kind: 'storeWipe' });
      // Half the time the worker dies soon after: what it knew is forgotten, the venue still holds it.
      if (rnd() < 0.5) {
        const k = t + int(rnd, 1, 5_000);
        steps.push(
          { at: k, kind: 'kill', worker: 'w1' },
          { at: k + int(rnd, 0, 10_000), kind: 'restart', worker: 'w1' },
        );
      }
      break;
    case 'storeCorrupt':
      steps.push(
        { at: t, kind: 'storeCorrupt', pick: int(rnd, 0, 9) },
        { at: t + 1, kind: 'kill', worker: 'w1' },
        { at: t + int(rnd, 1, 10_000), kind: 'restart', worker: 'w1' },
      );
      break;
  }
}
