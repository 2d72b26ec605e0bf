/**
 * The Lua scripts of the Redis store. Writes that must happen together, and the fencing
 * check that guards them, run in one script (BullMQ's model): each header says its keys,
 * arguments and result. A lease value is `<worker>|<token>`; every write first checks that
 * the account's lease still holds exactly that value, so a worker that lost its lease
 * cannot write — nor claim an order, which it must do before sending one.
 *
 * The state-index keys are built inside `saveSnapshot` from a prefix: these scripts are for
 * a single Redis node, not a cluster.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export class Script {
  readonly sha: string;
  constructor(readonly name: string, readonly lua: string) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (e) {
      if (!(e instanceof Error) || !e.message.includes('NOSCRIPT')) throw e;
      return redis.eval(this.lua, keys.length, ...keys, ...args);
    }
  }
}

/**
 * KEYS[1] lease, KEYS[2] fencing-token counter.
 * ARGV[1] worker id, ARGV[2] ttl ms.
 * Returns the fencing token if this worker holds the lease now (taken or renewed), else 0.
 */
export const acquireLease = new Script('acquireLease', `
local cur = redis.call('GET', KEYS[1])
if cur then
  local worker, token = string.match(cur, '^(.*)|(%d+)$')
  if worker == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return tonumber(token)
  end
  return 0
end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. token, 'PX', ARGV[2])
return token
`);

/**
 * KEYS[1] lease. ARGV[1] holder (`worker|token`), ARGV[2] ttl ms.
 * Returns 1 when renewed, 0 when the lease is no longer this holder's.
 */
export const renewLease = new Script('renewLease', `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`);

/** KEYS[1] lease. ARGV[1] holder. Deletes the lease if this holder still has it; returns 1 or 0. */
export const releaseLease = new Script('releaseLease', `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`);

/**
 * KEYS[1] lease, KEYS[2] position hash, KEYS[3] the account's set of live positions,
 * KEYS[4] the account's idempotency-key hash.
 * ARGV[1] holder, ARGV[2] position id, ARGV[3] intent JSON, ARGV[4] entry client order id,
 * ARGV[5] baseline JSON, ARGV[6] time, ARGV[7] idempotency key or ''.
 * Returns -1 when fenced out; else `{ 'new' | 'confirmed' | 'unconfirmed', baseline JSON }`:
 * `new` when written now; otherwise the intent was journalled before (a restart), with
 * its first baseline, and whether the bot was ever told so (`confirmIntent`).
 */
export const recordIntent = new Script('recordIntent', `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local existing = redis.call('HMGET', KEYS[2], 'baseline', 'confirmed')
if existing[1] then
  if existing[2] == '1' then return {'confirmed', existing[1]} end
  return {'unconfirmed', existing[1]}
end
redis.call('HSET', KEYS[2], 'id', ARGV[2], 'intent', ARGV[3], 'entryCid', ARGV[4], 'baseline', ARGV[5], 'createdAt', ARGV[6], 'confirmed', '0')
redis.call('SADD', KEYS[3], ARGV[2])
if ARGV[7] ~= '' then redis.call('HSET', KEYS[4], ARGV[7], ARGV[2]) end
return {'new', ARGV[5]}
`);

/**
 * KEYS[1] lease, KEYS[2] position hash. ARGV[1] holder.
 * Marks a journalled intent as acknowledged to the bot. Returns 1, or -1 when fenced out.
 * An intent journalled but never confirmed (the write's reply was lost, or the worker died
 * before answering) is never sent after a restart.
 */
export const confirmIntent = new Script('confirmIntent', `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
redis.call('HSET', KEYS[2], 'confirmed', '1')
return 1
`);

/**
 * The fenced "about to send" marker. KEYS[1] lease, KEYS[2] the position's claims hash.
 * ARGV[1] holder, ARGV[2] client order id, ARGV[3] time.
 * Returns 1 when claimed now (the order may be sent), 0 when claimed before (it may have
 * been sent: look it up), -1 when fenced out (send nothing).
 */
export const claimSend = new Script('claimSend', `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
return redis.call('HSETNX', KEYS[2], ARGV[2], ARGV[3])
`);

/**
 * KEYS[1] lease, KEYS[2] position hash, KEYS[3] position history stream, KEYS[4] the
 * account's set of live positions, KEYS[5] the account's position → state hash.
 * ARGV[1] holder, ARGV[2] position id, ARGV[3] state, ARGV[4] snapshot JSON, ARGV[5] time,
 * ARGV[6] '1' when the state is final, ARGV[7] prefix of the per-state index sets,
 * ARGV[8] approximate history length kept, ARGV[9] event type, ARGV[10] event payload JSON.
 * Returns 1 written, -1 fenced out.
 */
export const saveSnapshot = new Script('saveSnapshot', `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local old = redis.call('HGET', KEYS[2], 'state')
redis.call('HSET', KEYS[2], 'state', ARGV[3], 'snapshot', ARGV[4], 'updatedAt', ARGV[5])
if old ~= ARGV[3] then
  if old then redis.call('SREM', ARGV[7] .. old, ARGV[2]) end
  redis.call('SADD', ARGV[7] .. ARGV[3], ARGV[2])
  redis.call('HSET', KEYS[5], ARGV[2], ARGV[3])
end
if ARGV[6] == '1' then redis.call('SREM', KEYS[4], ARGV[2]) end
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[8], '*', 'at', ARGV[5], 'state', ARGV[3], 'event', ARGV[9], 'payload', ARGV[10])
return 1
`);
