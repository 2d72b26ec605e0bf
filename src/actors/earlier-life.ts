/**
 * A position's earlier life the store forgot (a keyed intent after a wipe or a failover), looked
 * up on the venue by client order id: its entry, then its stops, closes and reductions. A "not
 * found" counts only from a state since this worker took the account (`judgeAbsence`; see
 * docs/architecture.md, Evidence and freshness).
 *
 * Receives: a port, a clock and the moment this worker took the account. Sends: order queries
 * to the port. Touches nothing else.
 *
 * @example
 * const looked = await lookUpEarlier({ port, clock, symbol, since, restLagMs, timeoutMs }, entryId);
 * if (looked.kind === 'found') await ordersOfEarlierLife(life, positionId);
 */
import type { Clock } from '../clock.js';
import { clientOrderId, type OrderRole } from '../domain/client-order-id.js';
import { judgeAbsence, sourceLags } from '../domain/freshness.js';
import type { ClientOrderId, PositionId } from '../domain/ids.js';
import type { OrderStatusReport } from '../domain/reports.js';
import { lookUpOrder, type ExchangePort } from '../exchange/port.js';

/** How many orders of one kind a position's earlier life is looked up for, at most. */
const EARLIER_ORDERS_MAX = 100;

export type Looked =
  | { readonly kind: 'found'; readonly order: OrderStatusReport }
  | { readonly kind: 'absent' }
  | { readonly kind: 'unproven'; readonly why: string };

/** How a position's earlier life is looked up: since when the venue must show it, and for how long. */
export interface EarlierLife {
  readonly port: ExchangePort;
  readonly clock: Clock;
  readonly symbol: string;
  /** When this worker took the account. */
  readonly since: number;
  readonly restLagMs: number;
  readonly timeoutMs: number;
}

const sleep = (clock: Clock, ms: number): Promise<void> =>
  new Promise((resolve) => {
    clock.setTimeout(resolve, ms);
  });

/**
 * One order of a position's earlier life, by its client order id: found, or absent by a "not
 * found" that shows a state at least as new as the moment this worker took the account
 * (`judgeAbsence`). A "not found" with no venue time that left too early is asked again
 * `restLagMs` after that moment; an older one every `restLagMs`, for `timeoutMs`; then the order
 * is unproven (see docs/architecture.md, Evidence and freshness).
 */
export async function lookUpEarlier(life: EarlierLife, id: ClientOrderId): Promise<Looked> {
  const { clock, since, restLagMs } = life;
  const lags = sourceLags(restLagMs);
  const interval = Math.max(restLagMs, 100);
  const giveUpAt = Math.max(clock.now(), since + restLagMs) + life.timeoutMs;
  for (;;) {
    const reply = await lookUpOrder(life.port, () => clock.now(), { clientOrderId: id }, life.symbol);
    if (reply.order !== undefined) return { kind: 'found', order: reply.order };
    const verdict = judgeAbsence(reply.absence, since, lags);
    if (verdict.counts) return { kind: 'absent' };
    const wait = verdict.why === 'within-source-lag' ? Math.max(since + restLagMs - clock.now(), 1) : interval;
    if (clock.now() + wait > giveUpAt)
      return {
        kind: 'unproven',
        why: `no look-up of ${id} showed a state since this worker took the account (${verdict.why})`,
      };
    await sleep(clock, wait);
  }
}

/**
 * The orders of a position's earlier life that the venue knows (a keyed intent whose record
 * the store forgot): each kind's client order ids looked up in turn, from 1 until the venue
 * shows one absent, so that the position takes them over and sends none of them again. A kind
 * whose next id stays unproven ends its scan there: those orders are reduce-only (stops, closes,
 * reductions), so sending one again can never add to the position.
 */
export async function ordersOfEarlierLife(life: EarlierLife, id: PositionId): Promise<OrderStatusReport[]> {
  const found: OrderStatusReport[] = [];
  for (const kind of ['stop', 'close', 'excess'] as const) {
    for (let n = 1; n <= EARLIER_ORDERS_MAX; n++) {
      const role: OrderRole = kind === 'stop' && n === 1 ? 'stop' : `${kind}-${n}`;
      const looked = await lookUpEarlier(life, clientOrderId(id, role));
      if (looked.kind !== 'found') break;
      found.push(looked.order);
    }
  }
  return found;
}
