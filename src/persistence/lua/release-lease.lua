-- releaseLease
--
-- KEYS[1] lease, KEYS[2] fencing-token counter. ARGV[1] holder (`worker|token`), ARGV[2] the
-- channel where releases are announced, ARGV[3] the account.
-- Deletes the lease if this holder still has it, bumps the token counter (whatever was written
-- under the old token stays fenced out, and the next holder's token is new) and announces the
-- account on the channel, so that a standby takes it at once (docs/architecture.md, The fleet).
-- Returns 1 when released, 0 when the lease is no longer this holder's (nothing done).

if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('INCR', KEYS[2])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1
