-- acquireLease
--
-- KEYS[1] lease, KEYS[2] fencing-token counter.
-- ARGV[1] worker id, ARGV[2] ttl ms, ARGV[3] the highest token this worker has seen (0 if none).
-- Returns `{ token, raised }`: the fencing token if this worker holds the lease now (taken or
-- renewed), else 0; `raised` is 1 when the counter was below the worker's highest token — the
-- store lost its data (a Redis restarted without it) — and was raised above it, so that a
-- fencing token never goes backwards.

local cur = redis.call('GET', KEYS[1])
if cur then
  local worker, token = string.match(cur, '^(.*)|(%d+)$')
  if worker == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return {tonumber(token), 0}
  end
  return {0, 0}
end
local token = redis.call('INCR', KEYS[2])
local floor = tonumber(ARGV[3]) or 0
local raised = 0
if token <= floor then
  token = floor + 1
  redis.call('SET', KEYS[2], token)
  raised = 1
end
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. token, 'PX', ARGV[2])
return {token, raised}
