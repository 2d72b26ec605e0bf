/**
 * What each position is created with from the config: the verification timings, the
 * protection policy, and the budgets of stops and close orders (persisted with the position,
 * so a restored position keeps the budgets it was created with).
 */
import type { PositionSettings } from '../machines/position.context.js';
import type { Config } from '../config/config.js';

export function positionSettings(config: Config): PositionSettings {
  return {
    ...config.verification,
    protectionOnFailure: config.protection.onFailure,
    maxCloseOrders: config.closing.maxOrders,
    maxStops: config.protection.maxStops,
  };
}
