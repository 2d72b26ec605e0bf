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
import { SIM_TIMING, type Scenario, type Step } from './scenario.js';
import { SIM_EPOCH, World } from './world.js';

/** A violation with the scenario step it followed (the index of the last step applied before it, -1 before any). */
export interface FoundViolation extends Violation {
  readonly step: number;
}

export interface RunResult {
  readonly seed: number;
  readonly violations: readonly FoundViolation[];
  /** How each position the bot was handed ended. */
  readonly outcomes: Readonly<Record<string, number>>;
  readonly faults: readonly string[];
  readonly trail: readonly string[];
}

export interface RunOptions {
  /** The guard factory (mutants substitute theirs). */
  readonly createGuard?: typeof createGuard;
}

/** Drain: past every deadline (lease takeover backoffs included) and one reconciliation interval. */
const DRAIN_MS = 150_000;
const WORKERS = ['w1', 'w2'];

export async function runScenario(scenario: Scenario, options: RunOptions = {}): Promise<RunResult> {
  const world = new World({
    seed: scenario.seed,
    accounts: scenario.accounts,
    ...(options.createGuard === undefined ? {} : { createGuard: options.createGuard }),
    config: {
      verification: {
        timeoutMs: SIM_TIMING.timeoutMs,
        restLagMs: SIM_TIMING.restLagMs,
        unknownAlertAfterMs: SIM_TIMING.unknownAlertAfterMs,
      },
      sweeps: {
        orphanEveryMs: SIM_TIMING.orphanEveryMs,
        reconcileEveryMs: SIM_TIMING.reconcileEveryMs,
        orphanPolicy: scenario.orphanPolicy,
      },
      protection: { onFailure: scenario.onFailure },
      ownership: { leaseTtlMs: SIM_TIMING.leaseTtlMs },
    },
  });
  const intents = new Map<string, { amount: number; stop: boolean; account: string; symbol: string }>();
  const positionOfIntent = new Map<number, string>();
  const closes = new Map<string, number>();
  const touched: { account: string; symbol: string; at: number }[] = [];
  const now = () => world.clock.now() - SIM_EPOCH;
  const checker = new Checker(world.venue, {
    intentOf: (pid) => intents.get(pid),
    closeAsked: (pid, at) => (closes.get(pid) ?? Infinity) <= at,
    touchedByOthers: (account, symbol, at) =>
      touched.some((t) => t.account === account && t.symbol === symbol && t.at <= at),
    orphanPolicy: scenario.orphanPolicy,
    start: SIM_EPOCH,
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
  let checkpoint: ReturnType<typeof world.store.checkpoint> | undefined;

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
    track(
      ask(`intent ${step.n}#${attempt}`, (g) => g.open(intent)).then((handle) => {
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

  const apply = (step: Step): void => {
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
        world.store.setReachable(false);
        return;
      case 'storeUp':
        world.store.setReachable(true);
        return;
      case 'storeCheckpoint':
        checkpoint = world.store.checkpoint();
        return;
      case 'storeFailover':
        if (checkpoint !== undefined) world.store.restore(checkpoint);
        return;
      case 'storeWipe':
        world.store.wipe();
        return;
      case 'actorCrash':
        world.crashActor(step.pick);
        return;
      case 'storeCorrupt': {
        const ids = world.store.positionIds();
        const id = ids[step.pick % Math.max(1, ids.length)];
        if (id !== undefined) world.store.corrupt(id);
      }
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

  track(world.startWorker('w1'));
  for (const step of scenario.steps) {
    await world.advanceTo(SIM_EPOCH + step.at);
    apply(step);
  }
  await world.advanceTo(SIM_EPOCH + scenario.endsAt);
  // The drain: faults off, store back, everyone awake, a worker alive; past every deadline.
  world.note('drain', {});
  world.venue.faults.clear();
  world.store.setReachable(true);
  sendsToKill = undefined;
  for (const w of WORKERS) world.wake(w);
  if (world.workers.size === 0) track(world.startWorker('w1'));
  await world.advanceTo(world.clock.now() + DRAIN_MS);
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
  world.close();
  const stepOf = (at: number) => scenario.steps.reduce((last, s, i) => (s.at <= at ? i : last), -1);
  return {
    seed: scenario.seed,
    violations: checker.violations.map((v) => ({ ...v, step: stepOf(v.at) })),
    outcomes,
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
  };
}
