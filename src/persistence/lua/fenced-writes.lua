-- fencedWrites
--
-- The fenced writes of one or more accounts, in one script: per account, a batch of
-- operations run in order after a single check of that account's lease, so that every write
-- is fenced and none runs for a worker that lost the lease. `write-batch.ts` gathers the
-- operations a tick makes into one call.
--
-- KEYS and ARGV are one segment per account, in the same order. A segment's KEYS: the lease,
-- the account's set of live positions, its position → state hash, its idempotency-key hash,
-- then each operation's keys in order. A segment's ARGV: the holder (`worker|token`), the
-- prefix of the account's per-state index sets, the approximate history length kept per
-- position, the number of operations, then each operation as its name followed by its
-- arguments. The operations (`k` its first key, `a` its first argument after the name):
--
-- - `recordIntent`. KEYS: position hash, the account's persisted halt flag, the position's
--   hand-over record (absent unless another worker handed the intent over). ARGV: position
--   id, intent JSON, entry client order id, baseline JSON, time, idempotency key or '', origin
--   (`intent` or `adopted`). Replies `{ 'new' | 'confirmed' | 'unconfirmed' | 'adopted',
--   baseline JSON }`: `new` when written now; otherwise the intent was journalled before (a
--   restart), with its first baseline: `adopted` for an orphan taken over (its entry is never
--   sent), else whether the bot was ever told so (`confirmIntent`). A new intent is refused —
--   nothing written — with `{ 'halted', the halt JSON }` while the account is halted, and with
--   `{ 'withdrawn', status }` when its hand-over is no longer pending or its deadline (Redis
--   time) has passed (then marked `expired`: journal-or-expire); a pending hand-over is marked
--   `journalled` with the intent.
-- - `confirmIntent`. KEYS: position hash. Marks a journalled intent as acknowledged to the
--   bot; replies 1. An intent journalled but never confirmed (the write's reply was lost, or
--   the worker died before answering) is never sent after a restart.
-- - `claimSend`, the "about to send" marker. KEYS: the position's claims hash, the account's
--   entry-abort flag (set by a flatten), the position hash. ARGV: client order id, a value
--   unique to this claim (time and nonce), '1' when the order is an entry. Replies 1 when
--   claimed now (the order may be sent) — also when the claim there is this very one (the
--   client resent the command after a dropped connection) — 0 when claimed before (it may have
--   been sent: look it up), and 2 when an entry not claimed yet is aborted by a flatten (never
--   sent). An entry's claim also confirms its journalled intent (`confirmIntent`), in the same
--   step: a worker claims an entry only once it heard its intent was journalled, so an intent
--   whose journal reply was lost is never confirmed, never claimed, never sent.
-- - `recordAndClaim`: `recordIntent`, then — only when the intent is new — the entry's claim
--   and its confirmation, in one step (the entry fast path, when the request budget releases
--   the entry at once). KEYS: `recordIntent`'s three, the position's claims hash, the
--   account's entry-abort flag. ARGV: `recordIntent`'s seven, the claim's value. Replies
--   `recordIntent`'s reply with a third element: 1 when the entry is claimed now (or the claim
--   there is this very one: the command resent), 0 when not claimed (the intent was journalled
--   before, or refused), 2 when a flatten aborted the entry (journalled, never confirmed, never
--   sent).
-- - `holdClaim`: whether a claim is still the one this worker took (`recordAndClaim`), taken
--   again when the entry was held by the request budget after it. KEYS: the position's claims
--   hash, the account's entry-abort flag. ARGV: client order id, the claim's value, '1' when
--   the order is an entry. Replies 1 when it is (the order may leave), 2 when the entry is
--   aborted by a flatten meanwhile, 0 otherwise. Writes nothing.
-- - `keepKey`. ARGV: idempotency key, position id. Writes the key back (after the store lost
--   its data); replies 1.
-- - `releaseClaim`. KEYS: the position's claims hash. ARGV: client order id. Removes a claim
--   whose order certainly never left (the worker began to stop between the claim and the
--   send), so that the next owner sends it; replies 1.
-- - `fence`: writes nothing; replies 1 (its segment's -1 says the lease is gone). Taken
--   before a cancel, so that a worker that lost its lease cancels nothing.
-- - `saveSnapshot`: the snapshot and its history entry, with the indexes; a change of state
--   is also appended to the fleet-wide event stream (what `GET /v1/events` serves, the entry
--   id being the event id). KEYS: position hash, position history stream, event stream.
--   ARGV: position id, state, snapshot JSON, time, '1' when the state is final, event type,
--   event payload JSON, the position's row JSON (account, symbol, side, amount, size,
--   reason; also kept in the position hash as `row`, so every worker reads it alike), the
--   approximate length kept of the event stream. Replies 1. The first snapshot
--   of a position (no state before) is not a transition: nothing is appended for it.
--
-- Returns one reply per segment: -1 when its holder no longer holds the lease (nothing of the
-- segment written), else one reply per operation, in order: an operation that fails answers
-- its error, and the others are written all the same.

-- The account of the segment being written (set per segment, read by the operations).
local live, states, idempotency, statePrefix, historyMax

local function recordIntent(k, a)
  local existing = redis.call('HMGET', KEYS[k], 'baseline', 'confirmed', 'origin')
  if existing[1] then
    if existing[3] == 'adopted' then return {'adopted', existing[1]} end
    if existing[2] == '1' then return {'confirmed', existing[1]} end
    return {'unconfirmed', existing[1]}
  end
  if ARGV[a + 6] == 'intent' then
    local halt = redis.call('GET', KEYS[k + 1])
    if halt then return {'halted', halt} end
  end
  local handover = redis.call('HMGET', KEYS[k + 2], 'status', 'deadline')
  if handover[1] then
    if handover[1] ~= 'pending' then return {'withdrawn', handover[1]} end
    local t = redis.call('TIME')
    if tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) > tonumber(handover[2]) then
      redis.call('HSET', KEYS[k + 2], 'status', 'expired')
      return {'withdrawn', 'expired'}
    end
    redis.call('HSET', KEYS[k + 2], 'status', 'journalled')
  end
  redis.call('HSET', KEYS[k], 'id', ARGV[a], 'intent', ARGV[a + 1], 'entryCid', ARGV[a + 2], 'baseline', ARGV[a + 3], 'createdAt', ARGV[a + 4], 'confirmed', '0', 'origin', ARGV[a + 6])
  redis.call('SADD', live, ARGV[a])
  if ARGV[a + 5] ~= '' then redis.call('HSET', idempotency, ARGV[a + 5], ARGV[a]) end
  return {'new', ARGV[a + 3]}
end

local function confirmIntent(k, a)
  redis.call('HSET', KEYS[k], 'confirmed', '1')
  return 1
end

local function claimSend(k, a)
  local before = redis.call('HGET', KEYS[k], ARGV[a])
  if before then
    if before == ARGV[a + 1] then return 1 end
    return 0
  end
  if ARGV[a + 2] == '1' and redis.call('EXISTS', KEYS[k + 1]) == 1 then return 2 end
  redis.call('HSET', KEYS[k], ARGV[a], ARGV[a + 1])
  if ARGV[a + 2] == '1' and redis.call('HEXISTS', KEYS[k + 2], 'baseline') == 1 then
    redis.call('HSET', KEYS[k + 2], 'confirmed', '1')
  end
  return 1
end

local function recordAndClaim(k, a)
  local cid, value = ARGV[a + 2], ARGV[a + 7]
  if redis.call('HEXISTS', KEYS[k], 'baseline') == 1 and redis.call('HGET', KEYS[k + 3], cid) == value then
    return {'new', redis.call('HGET', KEYS[k], 'baseline'), 1}
  end
  local recorded = recordIntent(k, a)
  if recorded[1] ~= 'new' then return {recorded[1], recorded[2], 0} end
  if redis.call('EXISTS', KEYS[k + 4]) == 1 then return {'new', recorded[2], 2} end
  redis.call('HSET', KEYS[k + 3], cid, value)
  redis.call('HSET', KEYS[k], 'confirmed', '1')
  return {'new', recorded[2], 1}
end

local function holdClaim(k, a)
  if redis.call('HGET', KEYS[k], ARGV[a]) ~= ARGV[a + 1] then return 0 end
  if ARGV[a + 2] == '1' and redis.call('EXISTS', KEYS[k + 1]) == 1 then return 2 end
  return 1
end

local function keepKey(k, a)
  redis.call('HSET', idempotency, ARGV[a], ARGV[a + 1])
  return 1
end

local function releaseClaim(k, a)
  redis.call('HDEL', KEYS[k], ARGV[a])
  return 1
end

local function fence(k, a)
  return 1
end

local function saveSnapshot(k, a)
  local id, state = ARGV[a], ARGV[a + 1]
  local old = redis.call('HGET', KEYS[k], 'state')
  redis.call('HSET', KEYS[k], 'state', state, 'snapshot', ARGV[a + 2], 'updatedAt', ARGV[a + 3])
  if ARGV[a + 7] ~= '' then redis.call('HSET', KEYS[k], 'row', ARGV[a + 7]) end
  if old ~= state then
    if old then redis.call('SREM', statePrefix .. old, id) end
    redis.call('SADD', statePrefix .. state, id)
    redis.call('HSET', states, id, state)
  end
  if ARGV[a + 4] == '1' then redis.call('SREM', live, id) end
  redis.call('XADD', KEYS[k + 1], 'MAXLEN', '~', historyMax, '*', 'at', ARGV[a + 3], 'state', state, 'event', ARGV[a + 5], 'payload', ARGV[a + 6])
  if old and old ~= state then
    redis.call('XADD', KEYS[k + 2], 'MAXLEN', '~', ARGV[a + 8], '*', 'type', 'transition', 'positionId', id, 'from', old, 'to', state, 'at', ARGV[a + 3], 'event', ARGV[a + 5], 'row', ARGV[a + 7])
  end
  return 1
end

-- name -> { function, keys, arguments }
local ops = {
  recordIntent = {recordIntent, 3, 7},
  confirmIntent = {confirmIntent, 1, 0},
  claimSend = {claimSend, 3, 3},
  recordAndClaim = {recordAndClaim, 5, 8},
  holdClaim = {holdClaim, 2, 3},
  releaseClaim = {releaseClaim, 1, 1},
  keepKey = {keepKey, 0, 2},
  fence = {fence, 0, 0},
  saveSnapshot = {saveSnapshot, 3, 9},
}
-- A malformed call writes nothing: checked whole before the first write.
local k, a, n = 1, 1, #ARGV
while a <= n do
  local count = tonumber(ARGV[a + 3])
  if count == nil then return redis.error_reply('fencedWrites: no operation count at ARGV[' .. (a + 3) .. ']') end
  k, a = k + 4, a + 4
  for _ = 1, count do
    local op = ops[ARGV[a]]
    if op == nil then return redis.error_reply('fencedWrites: unknown operation ' .. tostring(ARGV[a])) end
    k = k + op[2]
    a = a + 1 + op[3]
  end
end
if a ~= n + 1 or k ~= #KEYS + 1 then return redis.error_reply('fencedWrites: keys and arguments do not match the operations') end
-- Each operation on its own: one that fails (a key of the wrong type) answers its error and
-- the others still run, as if each were its own script.
local replies = {}
k, a = 1, 1
while a <= n do
  local fenced = redis.call('GET', KEYS[k]) ~= ARGV[a]
  live, states, idempotency = KEYS[k + 1], KEYS[k + 2], KEYS[k + 3]
  statePrefix, historyMax = ARGV[a + 1], ARGV[a + 2]
  local count = tonumber(ARGV[a + 3])
  k, a = k + 4, a + 4
  local segment = {}
  for _ = 1, count do
    local op = ops[ARGV[a]]
    if not fenced then
      local ok, reply = pcall(op[1], k, a + 1)
      if ok then
        segment[#segment + 1] = reply
      else
        segment[#segment + 1] = {err = type(reply) == 'table' and reply.err or tostring(reply)}
      end
    end
    k = k + op[2]
    a = a + 1 + op[3]
  end
  if fenced then replies[#replies + 1] = -1 else replies[#replies + 1] = segment end
end
return replies
