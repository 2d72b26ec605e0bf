/**
 * Fixtures shared by the recovery suites (`test/recovery`): a wire simulator with one venue
 * account per test case (so that cases can run side by side on one venue), the settings of
 * a worker child pointed at it and at Redis, small timings, and readers of the venue's
 * request record by order role.
 */
import type { Redis } from 'ioredis';
import { systemClock } from '../../src/clock.js';
import { parseClientOrderId } from '../../src/domain/client-order-id.js';
import type { AccountId } from '../../src/domain/ids.js';
import { SimExchange } from '../../src/exchange/sim/index.js';
import { startWireSimulator, type WireSimulator } from '../../src/venue-simulator/index.js';
import { RedisStore } from '../../src/persistence/redis-store.js';
import type { WorkerSettings } from './worker-protocol.js';

export const AVL = 'AVL/USDT:USDT';
export type WireVenue = 'bybit' | 'binanceusdm';

/** The venue's refusal code for a stop that would trigger at once (to force a rollback). */
export const STOP_REFUSAL: Record<WireVenue, string> = { bybit: '110093', binanceusdm: '-2021' };

/**
 * Small timings for workers on the real clock, kept well above a loaded machine's
 * event-loop stalls: a stop not confirmed within `timeoutMs` is rolled back, and a close is
 * planned only on a position report younger than `reportStaleMs`.
 */
export const WORKER_VERIFICATION = {
  timeoutMs: 3_000,
  unknownAlertAfterMs: 1_500,
  closeVerifyAttempts: 10,
  closeVerifyWindowMs: 3_000,
  restLagMs: 300,
  reportStaleMs: 3_000,
  feedDownPollMs: 100,
} as const;

/** One venue account a worker trades, and the wire format it speaks. */
export interface WorkerAccount {
  readonly account: string;
  readonly exchange: WireVenue;
}

export interface WireVenueFixture {
  readonly venue: SimExchange;
  readonly wire: WireSimulator;
  /** A fresh venue account for one test case. */
  nextAccount(): string;
  /** The settings of a worker trading `accounts` (each on its exchange), persisting under `redisPrefix`. */
  settings(o: {
    accounts: readonly WorkerAccount[];
    redisPrefix: string;
    workerId: string;
    redisUrl: string;
    leaseTtlMs: number;
    /** Overrides of `WORKER_VERIFICATION`. */
    verification?: Partial<Record<keyof typeof WORKER_VERIFICATION, number>>;
  }): WorkerSettings;
  close(): Promise<void>;
}

const credential = (account: string) => ({ apiKey: `key-${account}`, secret: `secret-${account}`, account });

/** A venue on the real clock, served on an ephemeral loopback port, with `accounts` accounts `acct-1`…. */
export async function wireVenueFixture(accounts: number, seed = 11): Promise<WireVenueFixture> {
  const venue = new SimExchange({ clock: systemClock, seed });
  venue.setPrice(AVL, 0.25);
  const names = Array.from({ length: accounts }, (_, i) => `acct-${i + 1}`);
  const wire = await startWireSimulator({ venue, credentials: names.map(credential), holdMs: 5_000 });
  let used = 0;
  return {
    venue,
    wire,
    nextAccount: () => {
      const name = names[used++];
      if (name === undefined) throw new Error(`the fixture has only ${accounts} accounts`);
      return name;
    },
    settings: ({ accounts, redisPrefix, workerId, redisUrl, leaseTtlMs, verification }) => ({
      redisPrefix,
      workerId,
      config: {
        redis: redisUrl,
        accounts: accounts.map(({ account, exchange }) => {
          const { apiKey, secret } = credential(account);
          return {
            id: account,
            exchange,
            apiKey,
            secret,
            urls: exchange === 'bybit' ? wire.urls.bybit : wire.urls.binanceusdm,
          };
        }),
        verification: { ...WORKER_VERIFICATION, ...verification },
        ownership: { leaseTtlMs },
      },
    }),
    close: async () => {
      await wire.close();
      venue.close();
    },
  };
}

export interface SentOrder {
  readonly role: string;
  readonly clientOrderId: string;
  readonly side: string;
  readonly type: string;
  readonly amount: number;
  readonly reduceOnly: boolean;
  readonly result: string;
  readonly at: number;
}

/** Every create the venue received for `account`, oldest first, with the role read from its client order id. */
export function sentOrders(venue: SimExchange, account: string): SentOrder[] {
  return venue.requests({ account, method: 'createOrder' }).map((r) => ({
    role: parseClientOrderId(r.params.clientOrderId)?.role ?? `(not posguard's: ${r.params.clientOrderId})`,
    clientOrderId: r.params.clientOrderId,
    side: r.params.side,
    type: r.params.type,
    amount: r.params.amount,
    reduceOnly: r.params.reduceOnly,
    result: r.result,
    at: r.at,
  }));
}

/** Client order ids that reached the venue more than once (there must be none). */
export function sentTwice(orders: readonly SentOrder[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const o of orders) (seen.has(o.clientOrderId) ? twice : seen).add(o.clientOrderId);
  return [...twice];
}

/** Resolves with `p`, or rejects after `ms` with `what`. */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The persisted state of a position and whether it is still in its account's live set. */
export async function storedState(
  redis: Redis,
  prefix: string,
  account: string,
  positionId: string,
): Promise<{ state: string | null; live: boolean }> {
  const store = new RedisStore(redis, prefix);
  const [state, live] = await Promise.all([
    redis.hget(store.keys.position(positionId), 'state'),
    redis.sismember(store.keys.live(account), positionId),
  ]);
  return { state, live: live === 1 };
}

/** The position id journalled for an idempotency key. */
export function positionForKey(
  redis: Redis,
  prefix: string,
  account: string,
  key: string,
): Promise<string | undefined> {
  return new RedisStore(redis, prefix).positionForKey(account as AccountId, key);
}

/** The account's lease as Redis holds it: `worker|token` and the milliseconds it has left. */
export async function leaseOf(
  redis: Redis,
  prefix: string,
  account: string,
): Promise<{ holder: string | null; ttlMs: number }> {
  const key = new RedisStore(redis, prefix).keys.lease(account);
  const [holder, ttlMs] = await Promise.all([redis.get(key), redis.pttl(key)]);
  return { holder, ttlMs };
}

/**
 * Resolves once `workerId` holds the account's lease with more than half its TTL left, that
 * is once its renewals run. (A worker whose start took longer than the TTL finds its lease
 * expired when it is ready, and takes it again at its first renewal.)
 */
export async function leaseHeld(
  redis: Redis,
  prefix: string,
  account: string,
  workerId: string,
  ttlMs: number,
  withinMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const lease = await leaseOf(redis, prefix, account);
    if (lease.holder?.startsWith(`${workerId}#`) === true && lease.ttlMs > ttlMs / 2) return;
    if (Date.now() > deadline)
      throw new Error(
        `${workerId} does not hold the lease of ${account} after ${withinMs} ms (it is ${JSON.stringify(lease)})`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}
