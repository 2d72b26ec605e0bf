/**
 * What an order's freshest report says happened to it, in the words posguard decides with
 * (see docs/architecture.md, "Order fates"):
 *
 * - `working`: accepted and resting (a stop not yet triggered, an order not yet filled);
 * - `executing`: in the matching engine and filling, or a stop whose trigger fired (it may
 *   still fill; its fills are its own). Neither filled nor lost;
 * - `filled`: terminal after an execution (fully, or in part and then ended);
 * - `lost`: terminal with zero fill (cancelled, expired or rejected without executing).
 *
 * A missing report is no fate at all (`undefined`): missing evidence is not evidence.
 *
 * @example
 * orderFate({ status: 'expired', filled: 0, … }) // 'lost'
 * orderFate({ status: 'triggered', filled: 0, … }) // 'executing'
 */
import { gt } from './decimal.js';
import { isTerminalOrderStatus, type OrderStatusReport } from './reports.js';

export type OrderFate = 'working' | 'executing' | 'filled' | 'lost';

export function orderFate(report: Pick<OrderStatusReport, 'status' | 'filled'> | undefined): OrderFate | undefined {
  if (report === undefined) return undefined;
  const executed = gt(report.filled, 0);
  if (isTerminalOrderStatus(report.status)) return executed ? 'filled' : 'lost';
  return report.status === 'triggered' || executed ? 'executing' : 'working';
}
