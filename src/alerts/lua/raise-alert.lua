-- raiseAlert
--
-- KEYS[1] the list of alert ids, newest first (capped); KEYS[2] the hash key → id of the
-- latest alert of each key; KEYS[3] the outbox: ids of new alerts whose deliveries are not
-- yet queued.
-- ARGV[1] the prefix of alert hashes (`<prefix>alert:`), ARGV[2] the alert key, ARGV[3] the
-- time (ms), ARGV[4] the cooldown (ms), ARGV[5] how many alerts to keep, ARGV[6] the id for a
-- new alert, ARGV[7] kind, ARGV[8] account, ARGV[9] symbol or '', ARGV[10] position id or '',
-- ARGV[11] message.
-- Returns `{ 1 | 0, field, value, field, value, … }`: 1 when a new alert was stored (and put
-- in the outbox), 0 when the raise was grouped into the alert of the same key raised less
-- than the cooldown before (its `count` incremented, `lastAt` set); then the fields of the
-- stored alert hash (`id kind key account symbol positionId message at lastAt count`).
-- Storing a new alert past the cap drops the oldest, with its entry in KEYS[2].
-- Idempotent per new id: run again with the same ARGV[6] (a retry after a reply that timed
-- out), it answers the alert stored under that id, as new, and changes nothing.

local mine = ARGV[1] .. ARGV[6]
if redis.call('EXISTS', mine) == 1 then
  local out = redis.call('HGETALL', mine)
  table.insert(out, 1, 1)
  return out
end
local latest = redis.call('HGET', KEYS[2], ARGV[2])
if latest then
  local h = ARGV[1] .. latest
  local at = tonumber(redis.call('HGET', h, 'at'))
  if at and tonumber(ARGV[3]) - at < tonumber(ARGV[4]) then
    redis.call('HINCRBY', h, 'count', 1)
    redis.call('HSET', h, 'lastAt', ARGV[3])
    local out = redis.call('HGETALL', h)
    table.insert(out, 1, 0)
    return out
  end
end
local id = ARGV[6]
local h = ARGV[1] .. id
redis.call('HSET', h, 'id', id, 'kind', ARGV[7], 'key', ARGV[2], 'account', ARGV[8], 'symbol', ARGV[9],
  'positionId', ARGV[10], 'message', ARGV[11], 'at', ARGV[3], 'lastAt', ARGV[3], 'count', 1)
redis.call('HSET', KEYS[2], ARGV[2], id)
redis.call('LPUSH', KEYS[1], id)
local max = tonumber(ARGV[5])
redis.call('LPUSH', KEYS[3], id)
redis.call('LTRIM', KEYS[3], 0, max - 1)
while redis.call('LLEN', KEYS[1]) > max do
  local old = redis.call('RPOP', KEYS[1])
  local oh = ARGV[1] .. old
  local oldKey = redis.call('HGET', oh, 'key')
  if oldKey and redis.call('HGET', KEYS[2], oldKey) == old then redis.call('HDEL', KEYS[2], oldKey) end
  redis.call('DEL', oh)
end
local out = redis.call('HGETALL', h)
table.insert(out, 1, 1)
return out
