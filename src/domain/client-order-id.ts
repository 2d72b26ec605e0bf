/**
 * Client order ids, derived from the position's random id and the order's role, so that they
 * never repeat and a sweep can tell posguard's orders (and their position) from others.
 * Format: `pg-<ULID>-<code>`, where code is `e` (entry), `s<n>` (stop), `c<n>` (close),
 * `x<n>` (reduction of an over-fill): at most 36 characters of `[A-Za-z0-9_-]`, which Bybit
 * (`orderLinkId`) and Binance (`newClientOrderId`) both accept.
 *
 * @example
 * clientOrderId(pos, 'entry')    // 'pg-01JD…-e'
 * clientOrderId(pos, 'close-2')  // 'pg-01JD…-c2'
 */
import { InvalidClientOrderId } from './errors.js';
import { asClientOrderId, isPositionId, type ClientOrderId, type PositionId } from './ids.js';

export type OrderRole = 'entry' | 'stop' | `stop-${number}` | `close-${number}` | `excess-${number}`;

export const CLIENT_ORDER_ID_PREFIX = 'pg-';
export const CLIENT_ORDER_ID_MAX = 36;
const ALLOWED = /^[A-Za-z0-9_-]+$/;
const CODES = { stop: 's', close: 'c', excess: 'x' } as const;
const KINDS: Readonly<Record<string, keyof typeof CODES>> = { s: 'stop', c: 'close', x: 'excess' };

function roleCode(role: OrderRole): string {
  if (role === 'entry') return 'e';
  if (role === 'stop') return 's1';
  const [kind, n] = role.split('-') as [keyof typeof CODES, string];
  const num = Number(n);
  if (!(kind in CODES) || !Number.isInteger(num) || num < 1 || num > 9999) {
    throw new InvalidClientOrderId(
      `order role ${JSON.stringify(role)} is not entry, stop or <stop|close|excess>-<1..9999>`,
    );
  }
  return `${CODES[kind]}${num}`;
}

export function clientOrderId(position: PositionId, role: OrderRole): ClientOrderId {
  const id = `${CLIENT_ORDER_ID_PREFIX}${position}-${roleCode(role)}`;
  if (id.length > CLIENT_ORDER_ID_MAX || !ALLOWED.test(id)) {
    throw new InvalidClientOrderId(
      `client order id ${id} breaks the venues' limit of ${CLIENT_ORDER_ID_MAX} characters of [A-Za-z0-9_-]`,
    );
  }
  return asClientOrderId(id);
}

const SHAPE = /^pg-[0-9A-Z]{26}-(?:e|[scx][1-9][0-9]{0,3})$/;

/**
 * The position a client order id was made for, or `undefined` if it is not posguard's: what
 * `parseClientOrderId` says of it, without building the role (the feed asks for every report).
 */
export function positionOfClientOrderId(id: string): PositionId | undefined {
  if (!SHAPE.test(id)) return undefined;
  const position = id.slice(3, 29);
  return isPositionId(position) ? position : undefined;
}

/** The position and role a client order id was made for, or `undefined` if it is not posguard's. */
export function parseClientOrderId(id: string): { position: PositionId; role: OrderRole } | undefined {
  const m = /^pg-([0-9A-Z]{26})-(e|[scx][1-9][0-9]{0,3})$/.exec(id);
  if (!m || !isPositionId(m[1] ?? '')) return undefined;
  const position = m[1] as PositionId;
  const code = m[2] ?? '';
  if (code === 'e') return { position, role: 'entry' };
  const kind = KINDS[code[0] ?? ''];
  const n = Number(code.slice(1));
  if (kind === undefined) return undefined;
  return { position, role: kind === 'stop' && n === 1 ? 'stop' : `${kind}-${n}` };
}
