/**
 * A keyed intent whose earlier position the store forgot (see docs/architecture.md,
 * Protection): the orders of that earlier life the venue still knows, found by their client
 * order ids, so that the new position takes them over and sends none of them again.
 * Touches: the account's port (one look-up per client order id).
 */
import { clientOrderId, type OrderRole } from '../domain/client-order-id.js';
import type { PositionId } from '../domain/ids.js';
import type { OrderStatusReport } from '../domain/reports.js';
import type { ExchangePort } from '../exchange/port.js';

/** How many orders of one kind a position's earlier life is looked up for, at most. */
const EARLIER_ORDERS_MAX = 100;

/**
 * The orders of a position's earlier life that the venue knows (a keyed intent whose record
 * the store forgot): each kind's client order ids looked up in turn, from 1 until the venue
 * knows one not, so that the position takes them over and sends none of them again.
 */
export async function ordersOfEarlierLife(
  port: ExchangePort,
  id: PositionId,
  symbol: string,
): Promise<OrderStatusReport[]> {
  const found: OrderStatusReport[] = [];
  for (const kind of ['stop', 'close', 'excess'] as const) {
    for (let n = 1; n <= EARLIER_ORDERS_MAX; n++) {
      const role: OrderRole = kind === 'stop' && n === 1 ? 'stop' : `${kind}-${n}`;
      const order = await port.fetchOrder({ clientOrderId: clientOrderId(id, role) }, symbol);
      if (order === undefined) break;
      found.push(order);
    }
  }
  return found;
}
