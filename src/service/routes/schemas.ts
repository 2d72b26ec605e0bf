/**
 * JSON schemas shared by the routes (what fastify validates before a route runs).
 */
import { POSITION_STATES } from '../../machines/position.machine.js';

/** Ids in paths: positions (ULIDs), accounts, alerts. */
export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.:-]+$' } },
} as const;

export const accountQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { account: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

export const positionsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    state: { type: 'string', enum: [...POSITION_STATES] },
    account: { type: 'string', minLength: 1, maxLength: 64 },
  },
} as const;

/** An intent (see docs/architecture.md, Public contracts); the guard checks it further against the market. */
export const intentBody = {
  type: 'object',
  additionalProperties: false,
  required: ['account', 'symbol', 'side', 'amount'],
  properties: {
    account: { type: 'string', minLength: 1, maxLength: 64 },
    symbol: { type: 'string', minLength: 1, maxLength: 64 },
    side: { type: 'string', enum: ['buy', 'sell'] },
    amount: { type: 'number', exclusiveMinimum: 0 },
    stopLoss: { type: 'number', exclusiveMinimum: 0 },
    idempotencyKey: { type: 'string', minLength: 1, maxLength: 128 },
  },
} as const;

/** An operator action's optional reason. */
export const reasonBody = {
  type: 'object',
  additionalProperties: false,
  properties: { reason: { type: 'string', minLength: 1, maxLength: 500 } },
} as const;

/** `GET /v1/audit`: how many of the latest actions. */
export const auditQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { limit: { type: 'string', pattern: '^[1-9][0-9]{0,3}$' } },
} as const;
