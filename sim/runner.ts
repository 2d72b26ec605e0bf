/**
 * Over 300 lines on purpose: one run of a scenario: its steps, the drain and the settling of liveness invariants, which share the run's state.
 *
 * Runs one scenario in the deterministic world (see docs/architecture.md, Invariants): the
 * steps at their times (a bot's intents and closes, prices, venue faults, other programs,
 * crashes, stalls and store faults), then the drain — faults off, every worker awake, one
 * worker alive, time past every deadline and one reconciliation interval — then the checker's
 * liveness verdicts. Answers the violations, the outcomes, the faults drawn and the trail.
 *
 * @example
 * const result = await runScenario(drawScenario(7));
 * result.violations; // []
 */
import { floorToStep, abs, gt, isZero, mul } from '../src/domain/decimal.js';
import { errorText } from '../src/domain/errors.js';
import { parseClientOrderId } from '../src/domain/client-order-id.js';
import { DEFAULT_SIM_MARKETS } from '../src/exchange/sim/index.js';
import type { createGuard } from '../src/guard/guard.js';
import { Checker, type ReportedAlert, type ReportedRow, type Violation } from './checker.js';
import type { RunWorld, WorldSpec } from './run-world.js';
import type { Scenario, Step } from './scenario.js';
import { openWireWorld } from './wire-world.js';
import { timingOf, verificationOf } from './wire-profile.js';
import { World } from './world.js';

/** A violation with the scenario step it followed (the index of the last step applied before it, -1 before any). */
export interface FoundViolation extends Violation {
  readonly step: number;
}

export interface RunResult {
  readonly seed: number;
  /** `wire`: run in the wire world (real ccxt, real Redis, real time; `wire-world.ts`). */
  readonly profile?: 'wire';
  readonly violations: readonly FoundViolation[];
  /** How each position the bot was handed ended. */
  readonly outcomes: Readonly<Record<string, number>>;
  /** The state each intent's position ended in, by the intent's number in the scenario (as posguard reports it). */
  readonly ends: Readonly<Record<number, string>>;
  readonly faults: readonly string[];
  readonly trail: readonly string[];
  /**
   * The venue's truth at the end, by `account symbol`: the net position and how many orders with
   * posguard's client-id prefix are still open (only pairs where either is not zero).
   */
  readonly venueEnd: Readonly<Record<string, { readonly size: number; readonly openOrders: number }>>;
  /** The venue calls of the run, by method (the poller and the per-position baseline differ here). */
  readonly requests: Readonly<Record<string, number>>;
}

export interface RunOptions {
  /** The guard factory (mutants substitute theirs). */
  readonly createGuard?: typeof createGuard;
  /** Each position polls the venue on its own, as before the account's poller (`GuardOptions.perPositionPolling`). */
  readonly perPositionPolling?: boolean;
}

/** Drain: past every deadline (lease takeover backoffs included) and one reconciliation interval (2.5 of them). */
const DRAIN_INTERVALS = 2.5;
const WORKERS = ['w1', 'w2'];

export async function runScenario(scenario: Scenario, options: RunOptions = {}): Promise<RunResult> {
  const timing = timingOf(scenario);
  const spec: WorldSpec = {
    seed: scenario.seed,
    accounts: scenario.accounts,
    ...(options.createGuard === undefined ? {} : { createGuard: options.createGuard }),
    ...(options.perPositionPolling === true ? { perPositionPolling: true } : {}),
    config: {
      verification: {
        timeoutMs: timing.timeoutMs,
        restLagMs: timing.restLagMs,
        unknownAlertAfterMs: timing.unknownAlertAfterMs,
        ...verificationOf(scenario),
      },
      sweeps: {
        orphanEveryMs: timing.orphanEveryMs,
        reconcileEveryMs: timing.reconcileEveryMs,
        orphanPolicy: scenario.orphanPolicy,
      },
      protection: { onFailure: scenario.onFailure },
      ownership: { leaseTtlMs: timing.leaseTtlMs },
    },
  };
  const world: RunWorld = scenario.profile === 'wire' ? await openWireWorld(spec) : new World(spec);
  try {
    return await run(world, scenario, timing.restLagMs, timing.reconcileEveryMs * DRAIN_INTERVALS);
  } finally {
    await world.close();
  }
}

async function run(world: RunWorld, scenario: Scenario, restLagMs: number, drainMs: number): Promise<RunResult> {
  const intents = new Map<string, { amount: number; stop: boolean; account: string; symbol: string }>();
  const positionOfIntent = new Map<number, string>();
  const closes = new Map<string, number>();
  /** Every intent the bot sent, and whether it was answered (a worker killed answering never answers). */
  const asked: {
    readonly key: string | undefined;
    readonly account: string;
    readonly symbol: string;
    readonly amount: number;
    answered: boolean;
    position?: string;
  }[] = [];
  const touched: { account: string; symbol: string; at: number }[] = [];
  /** Venue-time windows of the stream disconnected and of REST lagging beyond restLagMs (ended by the drain). */
  const blind: { account: string; kind: 'disconnect' | 'restLag'; ms: number; from: number; until: number }[] = [];
  let drainAt = Infinity;
  const within = (w: (typeof blind)[number], account: string, at: number) =>
    w.account === account && w.from <= at && at < Math.min(w.until, drainAt);
  const now = () => world.clock.now() - world.start;
  const checker = new Checker(world.venue, {
    intentOf: (pid) => intents.get(pid),
    closeAsked: (pid, at) => (closes.get(pid) ?? Infinity) <= at,
    touchedByOthers: (account, symbol, at) =>
      touched.some((t) => t.account === account && t.symbol === symbol && t.at <= at),
    orphanPolicy: scenario.orphanPolicy,
    get start() {
      return world.start;
    },
    restLagBeyond: (account, at) =>
      Math.max(0, ...blind.filter((w) => w.kind === 'restLag' && within(w, account, at)).map((w) => w.ms)),
    askedUnanswered: (pid, account, symbol, filled) => {
      const mine = asked.find((a) => a.position === pid);
      if (mine !== undefined) return !gt(filled, mine.amount);
      const a = asked.find(
        (x) =>
          !x.answered &&
          x.position === undefined &&
          x.account === account &&
          x.symbol === symbol &&
          !gt(filled, x.amount),
      );
      if (a === undefined) return false;
      // One idempotency key, one position: the intent's other unanswered sends are this one too.
      for (const b of asked)
        if (b === a || (a.key !== undefined && b.key === a.key && !b.answered && b.position === undefined))
          b.position = pid;
      return true;
    },
    streamDown: (account, at) => blind.some((w) => w.kind === 'disconnect' && within(w, account, at)),
  });
  world.venue.observe((change) => checker.onChange(change));
  world.onReport = (worker, event) => {
    if (event.type === 'transition' || event.type === 'update') {
      const r = event.row;
      checker.onReported(worker, {
        id: r.id,
        account: r.account,
        symbol: r.symbol,
        side: r.side,
        state: r.state,
        size: r.size,
      });
    }
    if (event.type === 'lease') checker.onLease(worker, event.account, event.held);
    if (event.type === 'lease' && !event.held) checker.forgetWorker(worker);
    if (event.type === 'alert') {
      const a = event.alert;
      checker.onAlert(worker, {
        kind: a.kind,
        account: a.account,
        symbol: a.symbol,
        positionId: a.positionId,
        at: now(),
      });
    }
  };
  world.onKill = (worker) => checker.killed(worker);
  const pending = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };
  const alive = () => WORKERS.map((w) => world.workers.get(w)).filter((w) => w !== undefined && !w.gate.isStalled);
  /** The bot asks each live worker in turn until one accepts (the others answer NotOwner). */
  const ask = async <T>(
    what: string,
    call: (guard: NonNullable<ReturnType<typeof alive>[number]>['guard']) => Promise<T>,
  ): Promise<T | undefined> => {
    let last = 'no worker is running';
    for (const w of alive()) {
      if (w === undefined) continue;
      try {
        return await call(w.guard);
      } catch (e) {
        last = `${(e as { code?: string }).code ?? 'ERROR'}: ${errorText(e)}`;
      }
    }
    world.note('bot.refused', { what, why: last.slice(0, 400) });
    return undefined;
  };
  let sendsToKill: { worker: string; sends: number } | undefined;
  let sends = 0;
  world.venue.observe((change) => {
    if (
      change.kind !== 'order' ||
      sendsToKill === undefined ||
      parseClientOrderId(change.order.clientOrderId) === undefined ||
      change.order.createdAt !== change.order.updatedAt
    )
      return;
    sends += 1;
    if (sends === sendsToKill.sends) {
      const worker = sendsToKill.worker;
      sendsToKill = undefined;
      world.kill(worker);
    }
  });

  const open = (step: Extract<Step, { kind: 'intent' }>, attempt: number): void => {
    const mark = world.venue.markPrice(step.symbol);
    const spec = DEFAULT_SIM_MARKETS.find((m) => m.symbol === step.symbol);
    const stopLoss =
      step.stopPct === undefined || spec === undefined
        ? undefined
        : floorToStep(mul(mark, step.side === 'buy' ? 1 - step.stopPct / 100 : 1 + step.stopPct / 100), spec.priceStep);
    const intent = {
      account: step.account,
      symbol: step.symbol,
      side: step.side,
      amount: step.amount,
      ...(stopLoss === undefined ? {} : { stopLoss }),
      ...(step.key === undefined ? {} : { idempotencyKey: step.key }),
    };
    const sent = { key: step.key, account: step.account, symbol: step.symbol, amount: step.amount, answered: false };
    asked.push(sent);
    track(
      ask(`intent ${step.n}#${attempt}`, (g) => g.open(intent)).then((handle) => {
        sent.answered = true;
        if (handle === undefined) return;
        intents.set(handle.id, {
          amount: step.amount,
          stop: stopLoss !== undefined,
          account: step.account,
          symbol: step.symbol,
        });
        positionOfIntent.set(step.n, handle.id);
        checker.judgeEntry(handle.id);
        world.note('bot.opened', { n: step.n, attempt, id: handle.id });
      }),
    );
  };

  const apply = (step: Step): void | Promise<void> => {
    world.note('step', step);
    switch (step.kind) {
      case 'intent':
        open(step, 1);
        if (step.retryAfterMs !== undefined) world.clock.setTimeout(() => open(step, 2), step.retryAfterMs);
        return;
      case 'close': {
        const id = positionOfIntent.get(step.n);
        if (id === undefined) return;
        closes.set(id, Math.min(closes.get(id) ?? Infinity, now()));
        track(ask(`close ${step.n}`, (g) => g.close(id, { requestId: `close-${step.n}` })));
        return;
      }
      case 'halt':
        for (const w of alive()) w?.guard.halt(step.account);
        return;
      case 'resume':
        for (const w of alive()) w?.guard.resume(step.account);
        return;
      case 'gap': {
        const spec = DEFAULT_SIM_MARKETS.find((m) => m.symbol === step.symbol);
        if (spec !== undefined)
          world.venue.setPrice(
            step.symbol,
            floorToStep(mul(world.venue.markPrice(step.symbol), 1 + step.pct / 100), spec.priceStep),
          );
        return;
      }
      case 'fault': {
        const when =
          step.forMs === undefined
            ? step.rule.when
            : { from: world.clock.now(), until: world.clock.now() + step.forMs };
        world.venue.faults.set({ ...step.rule, ...(when === undefined ? {} : { when }) });
        const f = step.rule.fault;
        const window =
          step.forMs === undefined ? undefined : { from: world.clock.now(), until: world.clock.now() + step.forMs };
        if (window !== undefined && step.rule.account !== undefined) {
          if (f.kind === 'disconnect') blind.push({ account: step.rule.account, kind: 'disconnect', ms: 0, ...window });
          if (f.kind === 'restLag' && f.ms > restLagMs)
            blind.push({ account: step.rule.account, kind: 'restLag', ms: f.ms, ...window });
        }
        return;
      }
      case 'other':
        other(step);
        return;
      case 'kill':
        world.kill(step.worker);
        return;
      case 'killOnSend':
        sendsToKill = { worker: step.worker, sends: step.sends };
        return;
      case 'restart':
        if (!world.workers.has(step.worker)) track(world.startWorker(step.worker));
        return;
      case 'stall':
        world.stall(step.worker);
        return;
      case 'wake':
        world.wake(step.worker);
        return;
      case 'storeDown':
        world.storeFaults.setReachable(false);
        return;
      case 'storeUp':
        world.storeFaults.setReachable(true);
        return;
      case 'storeCheckpoint':
        return world.storeFaults.checkpoint();
      case 'storeFailover':
        return world.storeFaults.failover();
      case 'storeWipe':
        return world.storeFaults.wipe();
      case 'actorCrash':
        world.crashActor(step.pick);
        return;
      case 'storeCorrupt':
        return world.storeFaults.corrupt(step.pick);
    }
  };

  const other = (step: Extract<Step, { kind: 'other' }>): void => {
    const { account, symbol } = step;
    const spec = DEFAULT_SIM_MARKETS.find((m) => m.symbol === symbol);
    if (spec === undefined) return;
    touched.push({ account, symbol, at: now() });
    if (step.action === 'cancelStop') {
      world.venue.cancelAllOrders(account, 'user');
      return;
    }
    const held = world.venue.position(account, symbol).size;
    const heldSide = gt(held, 0) ? ('buy' as const) : ('sell' as const);
    const opposite = heldSide === 'buy' ? ('sell' as const) : ('buy' as const);
    const size = (f: number) => Math.max(spec.minAmount, floorToStep(mul(abs(held), f), spec.amountStep));
    const minimum = Math.max(
      spec.minAmount,
      floorToStep(mul(spec.minNotional * 4, 1 / world.venue.markPrice(symbol)), spec.amountStep),
    );
    let trade: { side: 'buy' | 'sell'; amount: number } | undefined;
    switch (step.action) {
      case 'manualClose':
        if (!isZero(held)) trade = { side: opposite, amount: size(step.fraction) };
        break;
      case 'liquidation':
        if (!isZero(held)) trade = { side: opposite, amount: abs(held) };
        break;
      case 'overfill':
        if (!isZero(held)) trade = { side: heldSide, amount: size(step.fraction) };
        break;
      case 'flip':
        if (!isZero(held)) trade = { side: opposite, amount: size(2) };
        break;
      case 'plant':
        trade = { side: step.fraction < 0.5 ? 'sell' : 'buy', amount: minimum };
        break;
      default:
        break;
    }
    if (trade === undefined) return;
    try {
      world.venue.openExternalPosition(
        account,
        symbol,
        trade.side,
        Math.max(trade.amount, minimum > trade.amount && step.action === 'plant' ? minimum : trade.amount),
      );
    } catch (e) {
      world.note('other.refused', { action: step.action, why: errorText(e) });
    }
  };

  const first = world.startWorker('w1');
  track(first);
  await world.begin(first);
  for (const step of scenario.steps) {
    await world.advanceTo(world.start + step.at);
    const applied = apply(step);
    if (applied !== undefined) await applied;
  }
  await world.advanceTo(world.start + scenario.endsAt);
  // The drain: faults off, store back, everyone awake, a worker alive; past every deadline.
  world.note('drain', {});
  drainAt = world.clock.now();
  world.venue.faults.clear();
  world.storeFaults.setReachable(true);
  sendsToKill = undefined;
  for (const w of WORKERS) world.wake(w);
  if (world.workers.size === 0) track(world.startWorker('w1'));
  await world.advanceTo(world.clock.now() + drainMs);
  const rows: ReportedRow[] = [];
  const seenRows = new Set<string>();
  for (const w of alive()) {
    if (w === undefined) continue;
    for (const r of await w.guard.positions()) {
      if (seenRows.has(r.id)) continue;
      seenRows.add(r.id);
      rows.push({ id: r.id, account: r.account, symbol: r.symbol, side: r.side, state: r.state, size: r.size });
    }
  }
  const alerts: ReportedAlert[] = world.reported.flatMap((r) =>
    r.event.type === 'alert'
      ? [
          {
            kind: r.event.alert.kind,
            account: r.event.alert.account,
            symbol: r.event.alert.symbol,
            positionId: r.event.alert.positionId,
            at: r.at,
          },
        ]
      : [],
  );
  checker.settle(rows, alerts, scenario.accounts);
  const outcomes: Record<string, number> = {};
  for (const id of intents.keys()) {
    const state = rows.find((r) => r.id === id)?.state ?? 'untracked';
    outcomes[state] = (outcomes[state] ?? 0) + 1;
  }
  world.note('end', { rows: rows.map((r) => `${r.id}:${r.state}:${r.size}`), violations: checker.violations });
  const ends: Record<number, string> = {};
  for (const [n, id] of positionOfIntent) ends[n] = rows.find((r) => r.id === id)?.state ?? 'untracked';
  const venueEnd = venueTruth(world, scenario.accounts);
  const requests: Record<string, number> = {};
  for (const r of world.venue.requests()) requests[r.method] = (requests[r.method] ?? 0) + 1;
  const stepOf = (at: number) => scenario.steps.reduce((last, s, i) => (s.at <= at ? i : last), -1);
  return {
    seed: scenario.seed,
    ...(scenario.profile === undefined ? {} : { profile: scenario.profile }),
    violations: checker.violations.map((v) => ({ ...v, step: stepOf(v.at) })),
    outcomes,
    ends,
    faults: scenario.steps.flatMap((s) =>
      s.kind === 'fault'
        ? [s.fault]
        : s.kind === 'other'
          ? [`other:${s.action}`]
          : ['intent', 'close', 'gap'].includes(s.kind)
            ? []
            : [s.kind],
    ),
    trail: world.trail,
    venueEnd,
    requests,
  };
}

/** What the venue holds at the end of a run, read from the venue (see `RunResult.venueEnd`). */
function venueTruth(world: RunWorld, accounts: readonly string[]): RunResult['venueEnd'] {
  const end: Record<string, { size: number; openOrders: number }> = {};
  for (const account of accounts) {
    const open = world.venue
      .orders(account)
      .filter(
        (o) => (o.status === 'open' || o.status === 'triggered') && parseClientOrderId(o.clientOrderId) !== undefined,
      );
    for (const { symbol } of DEFAULT_SIM_MARKETS) {
      const size = world.venue.position(account, symbol).size;
      const openOrders = open.filter((o) => o.symbol === symbol).length;
      if (size !== 0 || openOrders !== 0) end[`${account} ${symbol}`] = { size, openOrders };
    }
  }
  return end;
}
