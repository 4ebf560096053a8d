// Redis scripts of the location store. Each runs atomically, so nodes sharing one Redis never
// interleave a REGISTER's read-check-write, and events are published exactly once.
// Storage: hash <p>aor:<aor> (field = binding key, value = encoded binding, see binding.ts),
// sorted set <p>exp (member "<aor>\n<key>", score = expiry ms) for expiry; the hash itself
// carries a PEXPIRE past its last binding so an abandoned record vanishes without a sweeper.
// Encoded row positions (1-based in Lua): 3 expiresAt, 4 callId, 5 cseq, 7 instance.

/** Helpers shared by both scripts. */
const COMMON = `
local function decode(raw)
  local ok, row = pcall(cjson.decode, raw)
  if not ok or type(row) ~= 'table' then return nil end
  return row
end
local function device(key, row)
  local inst = row and row[7]
  if inst == nil or inst == cjson.null then return key end
  return inst
end
local function publish(ch, msg) redis.call('PUBLISH', ch, cjson.encode(msg)) end
`;

/**
 * KEYS: hash, expiry zset. ARGV: aor, now, callId, cseq, maxBindings, removeAll (0/1),
 * events channel, presence channel, grace ms, n upserts, then n × (key, value, expiresAt),
 * then the keys to remove. Returns {0, failure} or {1, {key, value, ...}, {type, key, reason, ...}}.
 */
export const SAVE_SCRIPT = `${COMMON}
local hk, zk = KEYS[1], KEYS[2]
local aor, now, callId, cseq = ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
local maxB, removeAll = tonumber(ARGV[5]), ARGV[6] == '1'
local evch, prch, grace, n = ARGV[7], ARGV[8], tonumber(ARGV[9]), tonumber(ARGV[10])

local cur, order, before = {}, {}, {}
local flat = redis.call('HGETALL', hk)
for i = 1, #flat, 2 do
  local k, raw = flat[i], flat[i + 1]
  local row = decode(raw)
  local exp = row and tonumber(row[3]) or 0
  cur[k] = { raw = raw, exp = exp, ci = row and row[4], cs = row and tonumber(row[5]) or 0, dev = device(k, row) }
  order[#order + 1] = k
  before[cur[k].dev] = true
end

local ups, rem = {}, {}
local idx = 11
for i = 1, n do
  ups[#ups + 1] = { key = ARGV[idx], raw = ARGV[idx + 1], exp = tonumber(ARGV[idx + 2]), dev = device(ARGV[idx], decode(ARGV[idx + 1])) }
  idx = idx + 3
end
for i = idx, #ARGV do rem[#rem + 1] = ARGV[i] end

-- RFC 3261 §10.3 step 7: a request older than what a binding already saw must not change it.
local function outOfOrder(k)
  local b = cur[k]
  return b ~= nil and b.exp > now and b.ci == callId and cseq <= b.cs
end
if removeAll then
  for _, k in ipairs(order) do if outOfOrder(k) then return { 0, 'out-of-order' } end end
else
  for _, u in ipairs(ups) do if outOfOrder(u.key) then return { 0, 'out-of-order' } end end
  for _, k in ipairs(rem) do if outOfOrder(k) then return { 0, 'out-of-order' } end end
end

-- The outcome, before writing anything: expired bindings go, then removals, then upserts.
local final, changes = {}, {}
for _, k in ipairs(order) do
  local b = cur[k]
  if b.exp <= now then
    changes[#changes + 1] = { 'removed', k, 'expired' }
  elseif removeAll then
    changes[#changes + 1] = { 'removed', k, 'wildcard' }
  else
    final[k] = b
  end
end
for _, k in ipairs(rem) do
  if final[k] ~= nil then
    final[k] = nil
    changes[#changes + 1] = { 'removed', k, 'unregistered' }
  end
end
for _, u in ipairs(ups) do
  changes[#changes + 1] = { final[u.key] ~= nil and 'refreshed' or 'added', u.key, '' }
  final[u.key] = u
end
local count = 0
for _ in pairs(final) do count = count + 1 end
if count > maxB then return { 0, 'too-many-bindings' } end

-- Write.
local maxExp = 0
for _, c in ipairs(changes) do
  if c[1] == 'removed' then
    redis.call('HDEL', hk, c[2])
    redis.call('ZREM', zk, aor .. '\\n' .. c[2])
  end
end
for _, u in ipairs(ups) do
  redis.call('HSET', hk, u.key, u.raw)
  redis.call('ZADD', zk, u.exp, aor .. '\\n' .. u.key)
end
local out, after = {}, {}
for k, b in pairs(final) do
  out[#out + 1] = k
  out[#out + 1] = b.raw
  after[b.dev] = true
  if b.exp > maxExp then maxExp = b.exp end
end
if count == 0 then redis.call('DEL', hk) else redis.call('PEXPIREAT', hk, maxExp + grace) end

-- Events: binding changes, then device presence (a device is its instance, or its key).
local flatChanges = {}
for _, c in ipairs(changes) do
  local msg = { e = c[1], aor = aor, key = c[2] }
  if c[3] ~= '' then msg.reason = c[3] end
  if c[1] ~= 'removed' then msg.b = final[c[2]].raw end
  publish(evch, msg)
  flatChanges[#flatChanges + 1] = c[1]
  flatChanges[#flatChanges + 1] = c[2]
  flatChanges[#flatChanges + 1] = c[3]
end
for dev in pairs(after) do
  if not before[dev] then publish(prch, { aor = aor, device = dev, state = 'online' }) end
end
for dev in pairs(before) do
  if not after[dev] then publish(prch, { aor = aor, device = dev, state = 'offline' }) end
end
return { 1, out, flatChanges }
`;

/**
 * KEYS: expiry zset. ARGV: now, limit, hash key prefix, events channel, presence channel.
 * Removes bindings whose expiry passed; returns how many were removed.
 */
export const SWEEP_SCRIPT = `${COMMON}
local zk = KEYS[1]
local now, limit, hp, evch, prch = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5]
local due = redis.call('ZRANGEBYSCORE', zk, '-inf', now, 'LIMIT', 0, limit)
local removed = 0
for _, m in ipairs(due) do
  local nl = string.find(m, '\\n', 1, true)
  redis.call('ZREM', zk, m)
  if nl then
    local aor, key = string.sub(m, 1, nl - 1), string.sub(m, nl + 1)
    local hk = hp .. aor
    local raw = redis.call('HGET', hk, key)
    if raw then
      local row = decode(raw)
      local exp = row and tonumber(row[3]) or 0
      if exp <= now then
        local dev = device(key, row)
        redis.call('HDEL', hk, key)
        removed = removed + 1
        publish(evch, { e = 'removed', aor = aor, key = key, reason = 'expired' })
        local still = false
        local rest = redis.call('HGETALL', hk)
        for i = 1, #rest, 2 do
          local r = decode(rest[i + 1])
          if device(rest[i], r) == dev and r and tonumber(r[3]) > now then still = true end
        end
        if not still then publish(prch, { aor = aor, device = dev, state = 'offline' }) end
      else
        redis.call('ZADD', zk, exp, m)
      end
    end
  end
end
return removed
`;
