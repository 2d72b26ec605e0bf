/**
 * Stray stops (see docs/architecture.md, Protection): protective stops of posguard's still
 * resting on the venue for a position that nothing drives any more — forgotten when the store
 * lost its data while no worker ran. An orphan adopted on that symbol takes them over, so that
 * they die with it. Pure.
 *
 * @example
 * strayStops(openOrders, 'ETH/USDT:USDT', (id) => actors.has(id)) // [the forgotten position's stop]
 */
import { parseClientOrderId } from './client-order-id.js';
import type { ClientOrderId, PositionId } from './ids.js';
import type { OrderStatusReport } from './reports.js';

/** The open reduce-only stops of posguard's on `symbol` whose position is not `driven`. */
export function strayStops(
  orders: readonly OrderStatusReport[],
  symbol: string,
  driven: (id: PositionId) => boolean,
): (OrderStatusReport & { readonly clientOrderId: ClientOrderId })[] {
  return orders.filter((o): o is OrderStatusReport & { readonly clientOrderId: ClientOrderId } => {
    const id = o.clientOrderId === undefined ? undefined : parseClientOrderId(o.clientOrderId);
    return (
      o.symbol === symbol &&
      o.reduceOnly &&
      o.status === 'open' &&
      id !== undefined &&
      id.role.startsWith('stop') &&
      !driven(id.position)
    );
  });
}
