-- releaseLease
--
-- KEYS[1] lease. ARGV[1] holder (`worker|token`).
-- Deletes the lease if this holder still has it. Returns 1 when deleted, 0 when the lease is
-- no longer this holder's.

if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
