/**
 * Over 300 lines on purpose: the eleven invariants, each a short function over the venue's record, kept together with the one state they read.
 *
 * The invariant checker (see docs/architecture.md, Invariants). It reads only the venue's truth
 * (every engine change as it happens, through `SimExchange.observe`, and the request record),
 * the alerts raised and what the library reports (rows and events as plain data): it imports
 * nothing of the guard, the machines, the persistence or the registry (a test says so).
 * Safety invariants are judged at every venue execution; liveness ones in `settle`, after the
 * drain.
 *
 * @example
 * const checker = new Checker(venue, facts); venue.observe((c) => checker.onChange(c));
 * checker.settle(rows, alerts); checker.violations; // [] when the run kept its promise
 */
import { abs, gt, isZero, lt, sub } from '../src/domain/decimal.js';
import { parseClientOrderId } from '../src/domain/client-order-id.js';
import type { EngineChange } from '../src/exchange/sim/matching-engine.js';
import type { SimExchange } from '../src/exchange/sim/index.js';

export const INVARIANTS = [
  'no-doubling',
  'closes-reduce-only',
  'no-false-rollback',
  'every-close-has-a-reason',
  'ends-known',
  'orphans-seen',
  'no-resend',
  'no-leftover-stop',
  'protected-or-alerted',
  'alerts-true',
  'agrees-or-alerted',
] as const;
export type InvariantName = (typeof INVARIANTS)[number];

export interface Violation {
  readonly invariant: InvariantName;
  /** Simulated ms since the start. */
  readonly at: number;
  readonly detail: string;
}

/** A position as the library reports it (`guard.positions()`), as plain data. */
export interface ReportedRow {
  readonly id: string;
  readonly account: string;
  readonly symbol: string;
  readonly side: string;
  readonly state: string;
  readonly size: number;
}

/** An alert as the library reports it. */
export interface ReportedAlert {
  readonly kind: string;
  readonly account: string;
  readonly symbol: string | undefined;
  readonly positionId: string | undefined;
  readonly at: number;
}

/** What the runner knows of the world outside posguard: the intents it sent and what it asked. */
export interface WorldFacts {
  /** The intent of a position id the bot was handed, if it was one. */
  intentOf(
    positionId: string,
  ): { readonly amount: number; readonly stop: boolean; readonly account: string; readonly symbol: string } | undefined;
  /** Whether the bot asked to close this position at or before `at`. */
  closeAsked(positionId: string, at: number): boolean;
  /** Whether another program traded or cancelled on (account, symbol) at or before `at`. */
  touchedByOthers(account: string, symbol: string, at: number): boolean;
  readonly orphanPolicy: 'alert' | 'adopt' | 'flatten';
  readonly start: number;
  /**
   * The REST lag in force on `account` at venue time `at` when it is above `restLagMs` (the
   * fault class posguard cannot see through), else 0; and whether its stream was disconnected.
   */
  restLagBeyond?(account: string, at: number): number;
  /**
   * Whether an intent the bot sent on (account, symbol), whose answer never came (the worker died
   * after journalling it), accounts for position `positionId`'s entry filling `filled`: each
   * such intent (one per idempotency key) accounts for one position only.
   */
  askedUnanswered?(positionId: string, account: string, symbol: string, filled: number): boolean;
  streamDown?(account: string, at: number): boolean;
}

const FINAL = ['closed', 'failed'];
/** Alerts a worker raises about itself, not about the account's positions. */
const SELF_ALERTS = ['accountUnguarded', 'supervisorEscalation', 'storeWiped', 'rateLimited'];
const SETTLED = ['open', 'closed', 'failed', 'orphanAlert'];

export class Checker {
  readonly violations: Violation[] = [];
  private readonly entryFilled = new Map<string, number>();
  /** Where each entry filled: (account, symbol). */
  private readonly entryWhere = new Map<string, { account: string; symbol: string }>();
  private readonly seen = new Set<string>();
  private readonly positions = new Map<string, number>();
  /** Reduce-only fills of posguard's waiting for the position change they made. */
  private readonly reducing = new Map<string, { before: number; cid: string }>();
  /** Positions whose stop the venue refused, or whose stop fired. */
  private readonly stopRefused = new Set<string>();
  private readonly stopFired = new Set<string>();
  /** (account, symbol)s where posguard flattened an orphan by its policy (`flatten`): an operator's close. */
  private readonly flattenedByPolicy = new Set<string>();
  /** Every position change, per (account, symbol): when, and the size after it. */
  private readonly history = new Map<string, { at: number; size: number }[]>();
  /** Per worker, the non-final positions it reports, by (account, symbol). */
  private readonly reported = new Map<string, Map<string, string>>();

  constructor(
    private readonly venue: SimExchange,
    private readonly facts: WorldFacts,
  ) {}

  private now(): number {
    return this.venue.clock.now() - this.facts.start;
  }

  private fail(invariant: InvariantName, detail: string): void {
    this.violations.push({ invariant, at: this.now(), detail });
  }

  /** Called at every change the venue's engine makes (safety invariants). */
  onChange(change: EngineChange): void {
    if (change.kind === 'position') {
      const key = `${change.account}|${change.position.symbol}`;
      const before = this.positions.get(key) ?? 0;
      const after = change.position.size;
      this.positions.set(key, after);
      this.history.set(key, [...(this.history.get(key) ?? []), { at: this.venue.clock.now(), size: after }]);
      const pending = this.reducing.get(key);
      if (pending !== undefined) {
        this.reducing.delete(key);
        if (
          gt(abs(after), abs(pending.before)) ||
          (!isZero(pending.before) && !isZero(after) && lt(pending.before, 0) !== lt(after, 0))
        ) {
          this.fail(
            'no-doubling',
            `reduce-only order ${pending.cid} took ${change.account} ${change.position.symbol} from ${pending.before} to ${after}`,
          );
        }
      }
      void before;
      return;
    }
    const order = change.order;
    const parsed = parseClientOrderId(order.clientOrderId);
    if (parsed === undefined) return;
    const pid = parsed.position;
    const key = `${order.account}|${order.symbol}`;
    if (change.kind === 'fill') {
      if (parsed.role === 'entry') {
        this.entryFilled.set(pid, (this.entryFilled.get(pid) ?? 0) + change.qty);
        this.entryWhere.set(pid, { account: order.account, symbol: order.symbol });
        // The bot learns the position's id when `open` answers, which may be after the fill.
        if (this.facts.intentOf(pid) !== undefined) this.judgeEntry(pid);
      } else {
        if (order.reduceOnly)
          this.reducing.set(key, { before: this.positions.get(key) ?? 0, cid: order.clientOrderId });
        if (parsed.role.startsWith('stop')) this.stopFired.add(pid);
        // A close of a position no intent opened is an orphan's: under the `flatten` policy, the
        // operator's standing order. It may be a position of posguard's that a wiped store forgot.
        if (
          parsed.role.startsWith('close') &&
          this.facts.orphanPolicy === 'flatten' &&
          this.facts.intentOf(pid) === undefined
        )
          this.flattenedByPolicy.add(key);
      }
      return;
    }
    if (this.seen.has(order.clientOrderId + order.id)) return;
    this.seen.add(order.clientOrderId + order.id);
    if (parsed.role === 'entry') return;
    const held = this.positions.get(key) ?? 0;
    if (!order.reduceOnly)
      this.fail(
        'closes-reduce-only',
        `${parsed.role} order ${order.clientOrderId} on ${order.symbol} is not reduce-only`,
      );
    if (!isZero(held) && (gt(held, 0) ? order.side === 'buy' : order.side === 'sell')) {
      this.fail(
        'closes-reduce-only',
        `${parsed.role} order ${order.clientOrderId} is a ${order.side} while ${order.account} holds ${held} ${order.symbol}`,
      );
    }
    if (parsed.role.startsWith('close')) this.judgeClose(pid, order.clientOrderId, order.account, order.symbol);
    if (
      parsed.role.startsWith('excess') &&
      !this.facts.touchedByOthers(order.account, order.symbol, this.now()) &&
      this.facts.intentOf(pid) !== undefined
    ) {
      this.fail(
        'every-close-has-a-reason',
        `over-fill reduction ${order.clientOrderId} although nothing but posguard traded ${order.symbol}`,
      );
    }
  }

  /**
   * alerts-true, as it happens: a worker never reports two non-final positions on one (account,
   * symbol). Told of every row a worker reports (its transitions).
   */
  onReported(worker: string, row: ReportedRow): void {
    const mine = this.reported.get(worker) ?? new Map<string, string>();
    this.reported.set(worker, mine);
    const key = `${row.account}|${row.symbol}`;
    const holder = mine.get(key);
    if (FINAL.includes(row.state)) {
      if (holder === row.id) mine.delete(key);
      return;
    }
    if (holder !== undefined && holder !== row.id)
      this.fail('alerts-true', `worker ${worker} reports two non-final positions on ${key}: ${holder} and ${row.id}`);
    else mine.set(key, row.id);
  }

  /** Lease takes and alerts as the library reported them, in order (judged in `settle`). */
  private readonly speech: {
    readonly worker: string;
    readonly account: string;
    readonly take: boolean;
    readonly kind?: string;
    readonly at: number;
  }[] = [];

  /** A worker reported taking (`held`) an account. */
  onLease(worker: string, account: string, held: boolean): void {
    if (held) this.speech.push({ worker, account, take: true, at: this.now() });
  }

  /** A worker raised an alert (judged in `settle`: alerts-true). */
  onAlert(worker: string, alert: ReportedAlert): void {
    // A worker's alerts about itself (it could not take the account, its supervisor gave up, it
    // lost the account to a worker that took it from a wiped store, the venue keeps refusing its
    // requests for their rate — seed 321: while it tries to take the account) are true whoever holds it.
    if (SELF_ALERTS.includes(alert.kind)) return;
    this.speech.push({ worker, account: alert.account, take: false, kind: alert.kind, at: this.now() });
  }

  /**
   * alerts-true: an alert about an account comes from the worker that holds it — the last that
   * reported taking it, or one taking it over now (its take is reported after its first sweep's
   * alerts) — never from one that lost it to another worker (stalled past its lease, say).
   */
  private judgeSpeakers(): void {
    this.speech.forEach((e, i) => {
      if (e.take) return;
      const before = this.speech
        .slice(0, i)
        .filter((x) => x.take && x.account === e.account)
        .at(-1);
      if (before === undefined || before.worker === e.worker) return;
      const next = this.speech.slice(i + 1).find((x) => x.take && x.account === e.account);
      if (next?.worker === e.worker) return; // taking the account over
      this.violations.push({
        invariant: 'alerts-true',
        at: e.at,
        detail: `worker ${e.worker} raised a ${e.kind ?? ''} alert about account ${e.account}, which worker ${before.worker} had taken over`,
      });
    });
  }

  /** A worker was killed or lost its accounts: what it reported is forgotten. */
  forgetWorker(worker: string): void {
    this.reported.delete(worker);
  }

  /** A worker was killed: what it reported is forgotten. */
  killed(worker: string): void {
    this.forgetWorker(worker);
  }

  /**
   * The size on (account, symbol) that any source of posguard's could show just before `at`
   * (venue time): a REST read lagging beyond `restLagMs` shows the state of `at - lag`, and a
   * change made while the stream was disconnected reaches posguard only through REST.
   */
  private knowableBefore(account: string, symbol: string, at: number): number {
    const lag = this.facts.restLagBeyond?.(account, at) ?? 0;
    let size = 0;
    for (const h of this.history.get(`${account}|${symbol}`) ?? [])
      if (h.at < at && (h.at <= at - lag || this.facts.streamDown?.(account, h.at) !== true)) size = h.size;
    return size;
  }

  /** The size held on (account, symbol) just before `at` (venue time). */
  private heldBefore(account: string, symbol: string, at: number): number {
    let size = 0;
    for (const h of this.history.get(`${account}|${symbol}`) ?? []) if (h.at < at) size = h.size;
    return size;
  }

  /** no-doubling for one position's entry: its fills never exceed what its intent asked (judged again when the bot learns the id). */
  judgeEntry(pid: string): void {
    const total = this.entryFilled.get(pid) ?? 0;
    const asked = this.facts.intentOf(pid)?.amount;
    if (asked !== undefined && gt(total, asked))
      this.fail('no-doubling', `entry fills of position ${pid} reached ${total}, the intent asked ${asked}`);
  }

  /** every-close-has-a-reason: a user close, a flatten, or protection the venue refused. */
  private judgeClose(pid: string, cid: string, account: string, symbol: string): void {
    const now = this.now();
    if (this.facts.closeAsked(pid, now)) return;
    if (this.facts.intentOf(pid) === undefined) return; // adopted: a flatten (policy) closes it
    if (this.refusedStop(pid)) return;
    this.fail(
      'every-close-has-a-reason',
      `close ${cid} of position ${pid} (${account} ${symbol}) with no close asked and no stop refused`,
    );
    void symbol;
  }

  private refusedStop(pid: string): boolean {
    if (this.stopRefused.has(pid)) return true;
    const refused = this.venue
      .requests({ method: 'createOrder' })
      .some(
        (r) =>
          r.result === 'rejected' &&
          r.params.type === 'stop-market' &&
          parseClientOrderId(r.params.clientOrderId)?.position === pid,
      );
    if (refused) this.stopRefused.add(pid);
    return refused;
  }

  /** The liveness invariants, after the drain: what the library reports against what the venue holds. */
  settle(rows: readonly ReportedRow[], alerts: readonly ReportedAlert[], accounts: readonly string[]): void {
    const alerted = (pred: (a: ReportedAlert) => boolean) => alerts.some(pred);
    this.judgeSpeakers();
    // no-resend: no client order id sent twice, whatever crashed in between.
    const sent = new Map<string, number>();
    for (const r of this.venue.requests({ method: 'createOrder' })) {
      const cid = r.params.clientOrderId;
      if (parseClientOrderId(cid) === undefined) continue;
      sent.set(cid, (sent.get(cid) ?? 0) + 1);
    }
    for (const [cid, n] of sent) if (n > 1) this.fail('no-resend', `client order id ${cid} was sent ${n} times`);
    // closes-reduce-only, for sends the venue refused too (they never reached the engine). A
    // refused order that is right for what posguard could know (REST lagging beyond restLagMs
    // while the stream was down: no source showed the change) is not blamed: nothing can see the
    // live position then, and the reduce-only flag is what keeps it safe.
    const wrongSide = (held: number, side: string) => !isZero(held) && (gt(held, 0) ? side === 'buy' : side === 'sell');
    for (const r of this.venue.requests({ method: 'createOrder' })) {
      const parsed = parseClientOrderId(r.params.clientOrderId);
      if (parsed === undefined || parsed.role === 'entry' || r.reachedEngine) continue;
      if (!r.params.reduceOnly)
        this.fail('closes-reduce-only', `${parsed.role} order ${r.params.clientOrderId} was sent without reduce-only`);
      const held = this.heldBefore(r.account, r.params.symbol, r.at);
      if (
        wrongSide(held, r.params.side) &&
        wrongSide(this.knowableBefore(r.account, r.params.symbol, r.at), r.params.side)
      ) {
        this.fail(
          'closes-reduce-only',
          `${parsed.role} order ${r.params.clientOrderId} was sent as a ${r.params.side} while ${r.account} held ${held} ${r.params.symbol}`,
        );
      }
    }
    for (const [pid, filled] of this.entryFilled) {
      const where = this.entryWhere.get(pid);
      if (
        this.facts.intentOf(pid) === undefined &&
        (where === undefined || this.facts.askedUnanswered?.(pid, where.account, where.symbol, filled) !== true)
      )
        this.fail(
          'no-doubling',
          `entry of position ${pid} filled ${filled}, and no intent the bot was answered asked for it`,
        );
    }
    const live = rows.filter((r) => !FINAL.includes(r.state));
    for (const r of rows) {
      if (!SETTLED.includes(r.state))
        this.fail('ends-known', `position ${r.id} (${r.account} ${r.symbol}) ends in ${r.state}`);
      if (
        r.state === 'orphanAlert' &&
        !alerted((a) => a.positionId === r.id || (a.account === r.account && a.symbol === r.symbol))
      ) {
        this.fail('ends-known', `position ${r.id} ends in orphanAlert with no alert`);
      }
    }
    const bySymbol = new Map<string, ReportedRow[]>();
    for (const r of live)
      bySymbol.set(`${r.account}|${r.symbol}`, [...(bySymbol.get(`${r.account}|${r.symbol}`) ?? []), r]);
    for (const [key, list] of bySymbol)
      if (list.length > 1)
        this.fail('alerts-true', `two non-final positions on ${key}: ${list.map((r) => r.id).join(', ')}`);
    for (const a of alerts) {
      if (a.kind === 'protectionFailed' && a.positionId !== undefined && !this.refusedStop(a.positionId)) {
        this.fail(
          'alerts-true',
          `protectionFailed for position ${a.positionId} although the venue refused none of its stops`,
        );
      }
    }
    for (const account of accounts) {
      const orders = this.venue.orders(account);
      for (const symbol of new Set(
        orders.map((o) => o.symbol).concat(rows.filter((r) => r.account === account).map((r) => r.symbol)),
      )) {
        const held = this.venue.position(account, symbol).size;
        const tracked = bySymbol.get(`${account}|${symbol}`)?.[0];
        const symbolAlerted = alerted((a) => a.account === account && a.symbol === symbol);
        if (!isZero(held) && tracked === undefined && !symbolAlerted)
          this.fail('orphans-seen', `${account} holds ${held} ${symbol}, neither tracked nor alerted`);
        const resting = orders.filter(
          (o) =>
            o.symbol === symbol &&
            o.status === 'open' &&
            parseClientOrderId(o.clientOrderId ?? '')?.role.startsWith('stop') === true,
        );
        if (isZero(held))
          for (const o of resting)
            this.fail('no-leftover-stop', `stop ${o.clientOrderId} rests on ${account} ${symbol}, which is flat`);
        if (tracked !== undefined && tracked.state === 'open') {
          const pid = tracked.id;
          const intent = this.facts.intentOf(pid);
          const own = resting.filter((o) => parseClientOrderId(o.clientOrderId ?? '')?.position === pid);
          const posAlerted = alerted((a) => a.positionId === pid || (a.account === account && a.symbol === symbol));
          if (intent?.stop === true && own.length === 0 && !posAlerted)
            this.fail('protected-or-alerted', `position ${pid} is open with no stop on the venue and no alert`);
          if (!isZero(sub(abs(held), tracked.size)) && !posAlerted)
            this.fail(
              'agrees-or-alerted',
              `position ${pid} reports ${tracked.size}, the venue holds ${held} ${symbol}`,
            );
        }
      }
    }
    // no-false-rollback: a filled entry whose stop the venue did not refuse ends open, unless closed by its user, others or the venue.
    for (const r of rows) {
      if (!FINAL.includes(r.state)) continue;
      const filled = this.entryFilled.get(r.id) ?? 0;
      if (!gt(filled, 0)) continue;
      const intent = this.facts.intentOf(r.id);
      if (intent === undefined) continue;
      const end = this.now();
      if (
        this.facts.closeAsked(r.id, end) ||
        this.refusedStop(r.id) ||
        this.stopFired.has(r.id) ||
        this.flattenedByPolicy.has(`${r.account}|${r.symbol}`) ||
        this.facts.touchedByOthers(r.account, r.symbol, end)
      )
        continue;
      this.fail(
        'no-false-rollback',
        `position ${r.id} filled ${filled} and ends ${r.state} with no close asked, no stop refused or fired, nobody else trading`,
      );
    }
  }
}
