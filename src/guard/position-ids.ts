/**
 * The id of the position an idempotency key names: derived from the account and the key, so
 * that the same key always names the same position — and so the same client order ids —
 * whichever worker (or fleet client) mints it, and even after the store forgot the key (a
 * Redis restarted without its data): the venue, and the look-up before a keyed entry is sent,
 * then remember what the store forgot.
 *
 * @example
 * positionIdForKey('main', 'bot-7') === positionIdForKey('main', 'bot-7'); // true
 */
import { createHash } from 'node:crypto';
import { newPositionId, type PositionId } from '../domain/ids.js';

export function positionIdForKey(account: string, key: string): PositionId {
  const digest = createHash('sha256').update(`${account}\0${key}`).digest();
  return newPositionId(digest.readUIntBE(0, 6), digest.subarray(6, 16));
}
