/**
 * One poller per account (see docs/architecture.md, Request budget): the evidence the position
 * actors ask for (an order's status, the symbol's position) is gathered for all of them at
 * once, so the requests per poll grow with the venue's pages, not with the positions. Asks
 * arriving within `windowMs` of the first are answered by one batch:
 *
 * - one position list for every symbol asked (`fetchPositions(symbols)`: the venue's list,
 *   plus one query of its own for each asked symbol the list omits, the only way to get a
 *   positive flat report where the list leaves flat symbols out);
 * - one open-orders list when orders are asked; an order it does not show (ended, or not yet
 *   indexed) is looked up on its own (`fetchOrder`): its absence proves nothing.
 *
 * Every report carries the time its request left (the port stamps it), and every request
 * leaves after every ask of its batch, so no position gets evidence older than its ask. A
 * failed request is each asker's failure, never "not found" or "flat".
 *
 * Receives asks from the wiring's `queryEvidence`. Sends queries to the account's port. Owns its batch and timer.
 *
 * @example
 * const poller = new EvidencePoller(runtime.port, clock);
 * const { order, position, failures } = await poller.ask({ symbol, order: { clientOrderId, venueOrderId }, position: true });
 */
import type { Clock } from '../clock.js';
import type { ClientOrderId, VenueOrderId } from '../domain/ids.js';
import type { OrderStatusReport, PositionStatusReport } from '../domain/reports.js';
import type { ExchangePort } from '../exchange/port.js';

export interface EvidenceAsk {
  readonly symbol: string;
  readonly order:
    { readonly clientOrderId: ClientOrderId; readonly venueOrderId: VenueOrderId | undefined } | undefined;
  readonly position: boolean;
}

export interface Evidence {
  readonly order: OrderStatusReport | undefined;
  readonly position: PositionStatusReport | undefined;
  readonly failures: readonly string[];
}

interface Pending {
  readonly ask: EvidenceAsk;
  readonly resolve: (e: Evidence) => void;
}

const text = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export class EvidencePoller {
  private batch: Pending[] = [];
  private timer: unknown;

  constructor(
    private readonly port: ExchangePort,
    private readonly clock: Clock,
    private readonly windowMs = 200,
  ) {}

  /**
   * The evidence for one position, from the next batch (never throws: failures are listed).
   * An ask whose `signal` aborts before its batch leaves (the position got its evidence from
   * the stream meanwhile and left the state that asked) is dropped: it costs no request.
   */
  ask(ask: EvidenceAsk, signal?: AbortSignal): Promise<Evidence> {
    return new Promise<Evidence>((resolve) => {
      const pending: Pending = { ask, resolve };
      this.batch.push(pending);
      signal?.addEventListener(
        'abort',
        () => {
          const i = this.batch.indexOf(pending);
          if (i < 0) return;
          this.batch.splice(i, 1);
          resolve({ order: undefined, position: undefined, failures: ['no longer asked'] });
        },
        { once: true },
      );
      if (this.timer === undefined) this.timer = this.clock.setTimeout(() => void this.flush(), this.windowMs);
    });
  }

  /** Answers whatever waits with a failure (the account is let go). */
  close(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    for (const p of this.batch.splice(0))
      p.resolve({
        order: undefined,
        position: undefined,
        failures: ['the account was let go before its evidence was read'],
      });
  }

  private async flush(): Promise<void> {
    this.timer = undefined;
    const batch = this.batch.splice(0);
    if (batch.length === 0) return;
    const symbols = [...new Set(batch.filter((p) => p.ask.position).map((p) => p.ask.symbol))];
    const asksOrders = batch.some((p) => p.ask.order !== undefined);
    const [positions, open] = await Promise.allSettled([
      symbols.length === 0 ? Promise.resolve([]) : this.port.fetchPositions(symbols),
      asksOrders ? this.port.fetchOpenOrders() : Promise.resolve([]),
    ]);
    await Promise.all(
      batch.map(async ({ ask, resolve }) => {
        const failures: string[] = [];
        let position: PositionStatusReport | undefined;
        if (ask.position) {
          // A position missing from the list is no evidence at all (principle 2).
          if (positions.status === 'fulfilled') position = positions.value.find((p) => p.symbol === ask.symbol);
          else failures.push(text(positions.reason));
        }
        let order: OrderStatusReport | undefined;
        if (ask.order !== undefined) {
          const wanted = ask.order;
          const listed =
            open.status === 'fulfilled'
              ? open.value.find(
                  (o) =>
                    o.clientOrderId === wanted.clientOrderId ||
                    (wanted.venueOrderId !== undefined && o.venueOrderId === wanted.venueOrderId),
                )
              : undefined;
          if (listed !== undefined) order = listed;
          else {
            // Not in the open list (ended, or not indexed yet), or the list failed: looked up on its own.
            try {
              order = await this.port.fetchOrder(
                wanted.venueOrderId !== undefined
                  ? { venueOrderId: wanted.venueOrderId }
                  : { clientOrderId: wanted.clientOrderId },
                ask.symbol,
              );
            } catch (e) {
              failures.push(text(e));
            }
          }
        }
        resolve({ order, position, failures });
      }),
    );
  }
}
