-- handOver
--
-- KEYS[1] the hand-over record, KEYS[2] the account's hand-over queue, KEYS[3] the account's
-- lease. ARGV[1] id, ARGV[2] kind, ARGV[3] body JSON, ARGV[4] ms until the deadline, ARGV[5]
-- ms the record is kept after it.
-- Queues a request for the account's lease holder, answerable until the deadline (Redis time).
-- Returns `{ 'queued', deadline }`, `{ 'exists', status }` (handed over before: nothing queued
-- again), or `{ 'noOwner', '' }` when nobody holds the lease (nothing written).

local status = redis.call('HGET', KEYS[1], 'status')
if status then return {'exists', status} end
if redis.call('EXISTS', KEYS[3]) == 0 then return {'noOwner', ''} end
local t = redis.call('TIME')
local deadline = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[4])
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'kind', ARGV[2], 'body', ARGV[3], 'status', 'pending', 'deadline', deadline)
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]) + tonumber(ARGV[5]))
redis.call('LPUSH', KEYS[2], ARGV[1])
return {'queued', tostring(deadline)}
