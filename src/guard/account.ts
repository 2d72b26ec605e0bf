/**
 * One exchange account as the guard runs it: its port, markets and position mode, its
 * private stream, and the position actors it routes stream reports to.
 *
 * Receives: stream events from the port. Sends: `ORDER_REPORT`, `FILL_REPORT`,
 * `POSITION_REPORT` and `FEED` events to the position actors of this account — order and
 * fill reports by client order id (else venue order id, else symbol), position reports by
 * symbol, connection changes to all.
 */
import type { Actor } from 'xstate';
import { parseClientOrderId } from '../domain/client-order-id.js';
import type { AccountId, PositionId } from '../domain/ids.js';
import type { Market } from '../domain/market.js';
import type { ExchangePort, PositionMode, StreamEvent, StreamSubscription } from '../exchange/port.js';
import type { WiredPositionMachine } from '../actors/position.wiring.js';

export type PositionActor = Actor<WiredPositionMachine>;

export class AccountRuntime {
  markets: ReadonlyMap<string, Market> = new Map();
  mode: PositionMode = 'one-way';
  halted: string | undefined;
  /** The position that holds each symbol while it is not final (or a reservation being opened). */
  readonly busy = new Map<string, PositionId | 'reserved'>();
  readonly actors = new Map<PositionId, PositionActor>();
  private subscription: StreamSubscription | undefined;

  constructor(readonly id: AccountId, readonly port: ExchangePort) {}

  async start(): Promise<void> {
    this.markets = await this.port.loadMarkets();
    this.mode = await this.port.fetchPositionMode();
    this.subscription = this.port.subscribe((event) => this.route(event));
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
    await this.port.close();
  }

  /** Hands one stream event to the position actors it concerns. */
  route(event: StreamEvent): void {
    switch (event.type) {
      case 'connection':
        for (const actor of this.actors.values()) actor.send({ type: 'FEED', up: event.status === 'up' });
        return;
      case 'position':
        this.bySymbol(event.report.symbol)?.send({ type: 'POSITION_REPORT', report: event.report });
        return;
      case 'order':
      case 'fill': {
        const owner = this.byClientOrderId(event.report.clientOrderId) ?? this.bySymbol(event.report.symbol);
        owner?.send(event.type === 'order' ? { type: 'ORDER_REPORT', report: event.report } : { type: 'FILL_REPORT', report: event.report });
      }
    }
  }

  private byClientOrderId(id: string | undefined): PositionActor | undefined {
    const parsed = id === undefined ? undefined : parseClientOrderId(id);
    return parsed === undefined ? undefined : this.actors.get(parsed.position);
  }

  private bySymbol(symbol: string): PositionActor | undefined {
    const holder = this.busy.get(symbol);
    return holder === undefined || holder === 'reserved' ? undefined : this.actors.get(holder);
  }
}
