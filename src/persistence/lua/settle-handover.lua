-- settleHandover
--
-- KEYS[1] the hand-over record. ARGV[1] the status to set (`done`, `refused`, or `expired` to
-- withdraw it), ARGV[2] the answer JSON.
-- Only a `pending` hand-over changes (an intent the journal took is `journalled`: an owner's
-- later `done` is recorded beside it). Returns `{ status, answer }` as they stand after the
-- call, or `{ 'missing', '' }` when there is no such record.

local cur = redis.call('HMGET', KEYS[1], 'status', 'answer')
if not cur[1] then return {'missing', ''} end
if cur[1] == 'pending' or (cur[1] == 'journalled' and ARGV[1] == 'done') then
  redis.call('HSET', KEYS[1], 'status', ARGV[1], 'answer', ARGV[2])
  return {ARGV[1], ARGV[2]}
end
return {cur[1], cur[2] or ''}
