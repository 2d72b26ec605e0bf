/**
 * Branded ids (STYLE point 5): a `ClientOrderId` cannot be passed where a `VenueOrderId` is
 * expected. One convention: `new…` builds an id, `as…` casts a string that is an id already
 * (a venue's reply, our own store), `parse…` validates one from outside (it throws), `is…`
 * tests one; the public API validates the ids it is given. `PositionId` is a ULID made from a time and random bytes given by the caller,
 * so that ids never repeat (not even after Redis is wiped) and pure code never reads the
 * clock or a random source itself.
 *
 * @example
 * const id = newPositionId(clock.now(), crypto.getRandomValues(new Uint8Array(10)));
 */
declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

export type PositionId = Brand<string, 'PositionId'>;
export type AccountId = Brand<string, 'AccountId'>;
export type ClientOrderId = Brand<string, 'ClientOrderId'>;
export type VenueOrderId = Brand<string, 'VenueOrderId'>;

export const asAccountId = (s: string): AccountId => s as AccountId;
export const asClientOrderId = (s: string): ClientOrderId => s as ClientOrderId;
export const asVenueOrderId = (s: string): VenueOrderId => s as VenueOrderId;

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ULID_RE = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** A ULID: 10 characters of millisecond time, then 16 of the 80 random bits given. */
export function newPositionId(nowMs: number, random: Uint8Array): PositionId {
  if (!Number.isSafeInteger(nowMs) || nowMs < 0)
    throw new RangeError(`time must be a non-negative integer, got ${nowMs}`);
  if (random.length < 10) throw new RangeError(`a position id needs 10 random bytes, got ${random.length}`);
  let time = '';
  let t = nowMs;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  let bits = 0n;
  for (let i = 0; i < 10; i++) bits = (bits << 8n) | BigInt(random[i] ?? 0);
  let rand = '';
  for (let i = 0; i < 16; i++) {
    rand = CROCKFORD[Number(bits & 31n)] + rand;
    bits >>= 5n;
  }
  return (time + rand) as PositionId;
}

export function isPositionId(s: string): s is PositionId {
  return ULID_RE.test(s);
}

export function parsePositionId(s: string): PositionId {
  if (!isPositionId(s)) throw new RangeError(`not a position id (a 26-character ULID): ${JSON.stringify(s)}`);
  return s;
}
