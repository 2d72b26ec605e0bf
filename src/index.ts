/**
 * posguard, as a library: `createGuard(config)` and the types a bot needs.
 */
export { createGuard, type Guard, type GuardEvent, type GuardOptions, type PositionHandle } from './guard/guard.js';
export type { PositionRow } from './guard/registry.js';
export { parseConfig, type Config, type ConfigInput } from './config/config.js';
export { POSITION_STATES, type PositionStateName } from './machines/position.machine.js';
export * from './domain/errors.js';
export type { Intent } from './domain/intent.js';
export type { Alert, AlertKind } from './domain/alert.js';
export { connectGuard, type ConnectOptions, type FleetClient } from './fleet/connect-guard.js';
export * from './fleet/errors.js';
export type { FlattenStarted } from './fleet/fleet.js';
export type { StoredRow } from './fleet/stored-positions.js';
export type { CloseAnswer } from './guard/close-answer.js';
