/**
 * One exchange account as the guard runs it: its port, markets and position mode, its feed
 * actor, the directory of its position actors that the feed routes reports to, its symbol
 * locks (`SymbolLocks`, one position per symbol) and what it knows of each symbol
 * (`SymbolEvidence`).
 *
 * Receives: reports and up/down changes from the feed. Sends: `ORDER_REPORT`,
 * `FILL_REPORT`, `POSITION_REPORT` and `FEED` events to the position actors of this
 * account — order and fill reports by client order id (else symbol), position reports by
 * symbol, feed changes to all.
 */
import { createActor, type Actor } from 'xstate';
import type { Clock } from '../clock.js';
import type { AlertDraft } from '../domain/alert.js';
import { positionOfClientOrderId } from '../domain/client-order-id.js';
import type { AccountId, ClientOrderId, PositionId } from '../domain/ids.js';
import type { Market } from '../domain/market.js';
import type { ExchangePort, PositionMode } from '../exchange/port.js';
import { HostBudgets } from '../budget/host-budget.js';
import { RequestScheduler, type BudgetEvent } from '../budget/request-scheduler.js';
import { scheduledPort } from '../budget/scheduled-port.js';
import { venueLimits } from '../budget/venue-limits.js';
import { EvidencePoller } from '../budget/evidence-poller.js';
import type { FeedReport } from '../machines/feed.machine.js';
import { wireFeedMachine, type FeedDirectory } from '../actors/feed.wiring.js';
import type { WiredPositionMachine } from '../actors/position.wiring.js';
import { intentOf, outstandingOrders } from '../machines/position.queries.js';
import { SymbolEvidence } from './symbol-evidence.js';
import { TickerCache } from '../actors/ticker-cache.js';
import { baselineFromFeed, priceFromTicker, type TriggerBy } from '../domain/entry-fast-path.js';
import type { Baseline } from '../domain/reports.js';
import { checkIntentAgainstMarket, type Intent } from '../domain/intent.js';
import { InvalidIntent } from '../domain/errors.js';
import { SymbolLocks } from './symbol-locks.js';

export type PositionActor = Actor<WiredPositionMachine>;

/** How long a new feed may take to come up before the positions are told it is down. */
export const FEED_START_GRACE_MS = 5_000;
export type FeedActor = Actor<ReturnType<typeof wireFeedMachine>>;

export class AccountRuntime implements FeedDirectory {
  markets: ReadonlyMap<string, Market> = new Map();
  mode: PositionMode = 'one-way';
  halted: string | undefined;
  /** Whether the feed is live (connected and resynchronised). */
  feedUp = false;
  /** One position per symbol while it is not final (or a reservation while an intent is checked). */
  readonly locks = new SymbolLocks();
  /** The freshest report known of each symbol's position. */
  readonly evidence: SymbolEvidence;
  readonly actors = new Map<PositionId, PositionActor>();

  private downTimer: unknown;
  /** Local time the private stream last came up (before its resync), `undefined` until it has. */
  streamUpAt: number | undefined;
  /** The public ticker's last price of every symbol an intent was made on (the entry fast path's price). */
  readonly tickers: TickerCache;
  private readonly restLagMs: number;
  private readonly triggerBy: TriggerBy;
  private readonly reportStaleMs: number;
  /** When the private stream last delivered anything (`undefined` until it has). */
  lastHeardAt: number | undefined;
  /** When the feed went down, once its `feedDown` alert has been raised: the recovery is told too. */
  private downAlertedSince: number | undefined;
  private downSince: number | undefined;
  /** The feed state last told to `onFeedChange`. */
  private feedReported: boolean | undefined;
  private startTimer: unknown;

  /** The port as trading calls use it (position actors, the feed): closes and stops first, then entries, then queries. */
  readonly port: ExchangePort;
  /** The port as sweeps use it: the sweep lane, behind trading but with a floor share. */
  readonly sweepPort: ExchangePort;
  /** The account's request budget (see docs/architecture.md, Request budget). */
  readonly scheduler: RequestScheduler;
  /** The account's one poller: the evidence every position asks for, in one batch per poll (none: each position polls on its own, the bench's baseline). */
  readonly poller: EvidencePoller | undefined;

  constructor(
    readonly id: AccountId,
    venuePort: ExchangePort,
    private readonly clock: Clock,
    /**
     * Told `down` when the feed has stayed down for `feedDownAlertMs` (positions meanwhile
     * verify by polling; a human should know that the stream is gone), and `recovered` when a
     * feed told down is live again (the all-clear), with how long it was down.
     */
    private readonly feedAlert: (change: 'down' | 'recovered', downForMs: number) => void = () => {},
    private readonly feedDownAlertMs = 30_000,
    restLagMs = 5_000,
    /** Told when the feed goes live or down (once per change). */
    private readonly onFeedChange: (up: boolean) => void = () => {},
    /** Told of the budget's backoffs (log, metric; an alert when sustained). */
    onBudget: (e: BudgetEvent) => void = () => {},
    /**
     * `pollWindowMs`: how long the poller gathers asks into one batch (default 200 ms);
     * `triggerBy` and `reportStaleMs`: the entry fast path's price (defaults `mark`, 2 s).
     */
    options: {
      readonly perPositionPolling?: boolean;
      readonly pollWindowMs?: number;
      readonly triggerBy?: TriggerBy;
      readonly reportStaleMs?: number;
    } = {},
  ) {
    this.evidence = new SymbolEvidence(restLagMs);
    this.restLagMs = restLagMs;
    this.triggerBy = options.triggerBy ?? 'mark';
    this.reportStaleMs = options.reportStaleMs ?? 2_000;
    this.tickers = new TickerCache(venuePort);
    const limits = venueLimits(venuePort.venue);
    // IP-scoped limits are shared by every account of this process on the venue's host.
    const host = HostBudgets.shared.of(venuePort.host ?? venuePort.venue, limits, clock.now());
    this.scheduler = new RequestScheduler({ account: id, limits, host, clock, onEvent: onBudget });
    this.port = scheduledPort(venuePort, this.scheduler, limits, 'query');
    this.sweepPort = scheduledPort(venuePort, this.scheduler, limits, 'sweep');
    this.poller =
      options.perPositionPolling === true ? undefined : new EvidencePoller(this.port, clock, options.pollWindowMs);
  }

  async load(): Promise<void> {
    this.markets = await this.port.loadMarkets();
    this.mode = await this.port.fetchPositionMode();
  }

  /**
   * A new feed actor for this account (its supervisor starts and restarts it). A feed that is
   * not live within `FEED_START_GRACE_MS` is reported down to the positions, even if its
   * stream never said so: positions restored from a snapshot believe the feed they last knew,
   * and must not wait on a stream that never connects.
   */
  createFeed(): FeedActor {
    // Nothing is live until the new feed says so (a restarted feed's predecessor may have been).
    this.feedUp = false;
    if (this.startTimer !== undefined) this.clock.clearTimeout(this.startTimer);
    this.startTimer = this.clock.setTimeout(() => {
      this.startTimer = undefined;
      if (!this.feedUp) this.broadcast(false);
    }, FEED_START_GRACE_MS);
    return createActor(wireFeedMachine(this.port, this), { clock: this.clock });
  }

  heard(): void {
    this.lastHeardAt = this.clock.now();
  }

  connected(): void {
    this.streamUpAt = this.clock.now();
  }

  /**
   * The entry's baseline from the feed's view of `symbol`, when the fast path's rule allows it
   * (`baselineFromFeed`); `undefined`: read it from the venue (see docs/architecture.md, Request budget).
   */
  feedBaseline(symbol: string): Baseline | undefined {
    const view = { live: this.feedUp, upSince: this.streamUpAt, report: this.evidence.latest(symbol) };
    const choice = baselineFromFeed(view, this.restLagMs);
    return choice.kind === 'feed' ? choice.baseline : undefined;
  }

  /**
   * Checks `intent` against its market at the venue's price (`checkIntentAgainstMarket`): the
   * price its stop triggers on and the mark (for the minimum notional) from the public ticker when
   * the fast path's rule allows it (`priceFromTicker`), else the mark fetched. An intent is refused
   * only on a fetched price: one the ticker's price refuses is checked again on a fetch (a tick up
   * to `reportStaleMs` old may lag a move). The symbol's ticker is watched from now on.
   */
  async checkIntent(intent: Intent, market: Market): Promise<void> {
    this.tickers.watch(intent.symbol);
    const choice = priceFromTicker({
      live: this.feedUp,
      tick: this.tickers.latest(intent.symbol),
      triggerBy: this.triggerBy,
      reportStaleMs: this.reportStaleMs,
      venueNow: Math.max(this.clock.now(), this.tickers.newestVenueTime),
    });
    if (choice.kind === 'ticker') {
      try {
        checkIntentAgainstMarket(intent, market, choice.mark, { by: this.triggerBy, price: choice.trigger });
        return;
      } catch (e) {
        if (!(e instanceof InvalidIntent)) throw e;
      }
    }
    // The careful path checks the stop against the mark, whatever it triggers on (the port fetches no last price).
    checkIntentAgainstMarket(intent, market, await this.port.fetchMarkPrice(intent.symbol));
  }

  route(r: FeedReport): void {
    if (r.type === 'position') {
      this.evidence.note(r.report);
      this.bySymbol(r.report.symbol)?.send({ type: 'POSITION_REPORT', report: r.report });
      return;
    }
    const owner = this.byClientOrderId(r.report.clientOrderId) ?? this.bySymbol(r.report.symbol);
    owner?.send(
      r.type === 'order' ? { type: 'ORDER_REPORT', report: r.report } : { type: 'FILL_REPORT', report: r.report },
    );
  }

  broadcast(up: boolean): void {
    this.feedUp = up;
    if (this.feedReported !== up) {
      this.feedReported = up;
      this.onFeedChange(up);
    }
    const at = this.clock.now();
    for (const actor of this.actors.values()) actor.send({ type: 'FEED', up, at });
    if (up) {
      if (this.downTimer !== undefined) this.clock.clearTimeout(this.downTimer);
      this.downTimer = undefined;
      this.downSince = undefined;
      if (this.downAlertedSince !== undefined) this.feedAlert('recovered', at - this.downAlertedSince);
      this.downAlertedSince = undefined;
    } else if (this.downTimer === undefined && this.downAlertedSince === undefined) {
      const since = this.downSince ?? at;
      this.downSince = since;
      this.downTimer = this.clock.setTimeout(() => {
        this.downTimer = undefined;
        this.downAlertedSince = since;
        this.feedAlert('down', this.clock.now() - since);
      }, this.feedDownAlertMs);
    }
  }

  /** Stops the feed timers and the ticker watches (the account is let go). */
  release(): void {
    this.tickers.close();
    if (this.startTimer !== undefined) this.clock.clearTimeout(this.startTimer);
    this.startTimer = undefined;
    if (this.downTimer !== undefined) this.clock.clearTimeout(this.downTimer);
    this.downTimer = undefined;
    this.downSince = undefined;
    this.downAlertedSince = undefined;
  }

  trackedSymbols(): string[] {
    return this.locks.symbols();
  }

  trackedOrders(): { symbol: string; clientOrderId: ClientOrderId }[] {
    const out: { symbol: string; clientOrderId: ClientOrderId }[] = [];
    for (const actor of this.actors.values()) {
      const ctx = actor.getSnapshot().context;
      const symbol = intentOf(ctx).symbol;
      for (const clientOrderId of outstandingOrders(ctx)) out.push({ symbol, clientOrderId });
    }
    return out;
  }

  private byClientOrderId(id: string | undefined): PositionActor | undefined {
    const position = id === undefined ? undefined : positionOfClientOrderId(id);
    return position === undefined ? undefined : this.actors.get(position);
  }

  private bySymbol(symbol: string): PositionActor | undefined {
    const holder = this.locks.positionOn(symbol);
    return holder === undefined ? undefined : this.actors.get(holder);
  }
}

/** The alert of a feed that stayed down (`down`), or its all-clear (`recovered`). */
export function feedAlert(account: string, change: 'down' | 'recovered', downForMs: number): AlertDraft {
  const seconds = Math.round(downForMs / 1000);
  return change === 'down'
    ? {
        kind: 'feedDown',
        message: `the private stream of account ${account} has been down for ${seconds} s; positions are verified by polling meanwhile`,
      }
    : {
        kind: 'feedRecovered',
        message: `the private stream of account ${account} is live again after ${seconds} s down; positions follow the stream again`,
      };
}
