package session

import "github.com/redis/go-redis/v9"

// The Lua scripts of the Redis store. Each multi-key update runs as one
// script, so Redis applies it entirely or not at all, and every key a script
// touches is passed in KEYS and shares one site's hash slot. Scripts answer a
// table whose first element is a status: "ok", "notfound", "conflict",
// "closed", "capacity", "dup", "retry", "existing" or "created".
//
// Times are Unix milliseconds passed in by the caller, so that every gateway
// stamps with its own clock and scripts stay deterministic.

// luaPrelude holds the helpers shared by the scripts.
const luaPrelude = `
local function add_event(conv, hist, now, maxlen, event, sender, sname, text)
  local seq = redis.call('HINCRBY', conv, 'seq', 1)
  redis.call('XADD', hist, 'MAXLEN', '~', maxlen, seq .. '-0', 'k', 'event', 'e', event, 'r', 'system',
    's', sender, 'n', sname, 't', text, 'l', '', 'c', '', 'at', now)
  redis.call('HSET', conv, 'updated', now)
  return seq
end
local function release(load, agent)
  if agent and agent ~= '' then
    if redis.call('HINCRBY', load, agent, -1) <= 0 then
      redis.call('HDEL', load, agent)
    end
  end
end
local function load_of(load, agent)
  return tonumber(redis.call('HGET', load, agent) or '0') or 0
end
`

// scriptOpen creates a visitor's conversation unless they have an open one.
// KEYS: visitor, previous conv (or any same-slot key), conv, hist, queue,
// convs, counter. ARGV: previous conversation ID ("" for none), id, site,
// visitor, visitor name, language, state, bot, now, maxlen.
var scriptOpen = redis.NewScript(luaPrelude + `
local cur = redis.call('GET', KEYS[1]) or ''
if cur ~= ARGV[1] then return {'retry'} end
if cur ~= '' then
  local st = redis.call('HGET', KEYS[2], 'state')
  if st and st ~= 'closed' then return {'existing', redis.call('HGETALL', KEYS[2])} end
end
local now = ARGV[9]
local n = redis.call('INCR', KEYS[7])
redis.call('HSET', KEYS[3], 'id', ARGV[2], 'site', ARGV[3], 'visitor', ARGV[4], 'vname', ARGV[5],
  'lang', ARGV[6], 'state', ARGV[7], 'bot', ARGV[8], 'agent', '', 'seq', 0,
  'created', now, 'updated', now, 'queued', '')
redis.call('ZADD', KEYS[6], n, ARGV[2])
redis.call('SET', KEYS[1], ARGV[2])
if ARGV[7] == 'queued' then
  redis.call('HSET', KEYS[3], 'queued', now)
  redis.call('ZADD', KEYS[5], n, ARGV[2])
  add_event(KEYS[3], KEYS[4], now, ARGV[10], 'queued', '', '', '')
end
return {'created', redis.call('HGETALL', KEYS[3])}
`)

// scriptAppend stores one message: idempotency check, sender check, XADD,
// and, when asked, the PUBLISH of its event, so that a message costs one
// round trip. It makes as few calls as it can (each costs Redis about 2 µs
// on top of the command): one read of the conversation, one SET that both
// checks and records the client ID, one XADD and one HSET. It builds no
// table: the XADD names every field, empty or not, and the payload is
// ARGV's parts joined by the seq.
// KEYS: conv, hist, idem (or conv when there is no client ID), tr. ARGV:
// has client ID ("1" or ""), idempotency TTL ms, now, maxlen, retention ms,
// kind, event, role, sender ID, sender name, text, lang, client ID,
// translations JSON ("" for none), channel to publish on ("" for none),
// then the parts of the payload, published joined by the seq.
var scriptAppend = redis.NewScript(`
local c = redis.call('HMGET', KEYS[1], 'state', 'seq', 'agent', 'bot')
local st = c[1]
if not st then return {'notfound'} end
local seq = (tonumber(c[2]) or 0) + 1
if ARGV[1] == '1' then
  local prev = redis.call('SET', KEYS[3], seq, 'NX', 'PX', ARGV[2], 'GET')
  if prev then
    local id = prev .. '-0'
    return {'dup', prev, redis.call('XRANGE', KEYS[2], id, id), redis.call('HGET', KEYS[4], prev) or ''}
  end
end
local bad
if ARGV[6] ~= 'event' then
  if st == 'closed' then
    bad = 'closed'
  elseif ARGV[8] == 'agent' or ARGV[8] == 'bot' then
    local mine = st == 'active' and c[3] == ARGV[9]
    if ARGV[8] == 'bot' and st == 'bot' and c[4] == ARGV[9] then mine = true end
    if not mine then bad = 'forbidden' end
  end
end
if bad then
  if ARGV[1] == '1' then redis.call('DEL', KEYS[3]) end
  return {bad}
end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], seq .. '-0', 'k', ARGV[6], 'e', ARGV[7], 'r', ARGV[8],
  's', ARGV[9], 'n', ARGV[10], 't', ARGV[11], 'l', ARGV[12], 'c', ARGV[13], 'at', ARGV[3])
redis.call('HSET', KEYS[1], 'seq', seq, 'updated', ARGV[3])
if ARGV[14] ~= '' then redis.call('HSET', KEYS[4], seq, ARGV[14]) end
if st == 'closed' then
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  redis.call('PEXPIRE', KEYS[2], ARGV[5])
  redis.call('PEXPIRE', KEYS[4], ARGV[5])
end
if ARGV[15] ~= '' then
  redis.call('PUBLISH', ARGV[15], table.concat(ARGV, tostring(seq), 16))
end
return {'ok', seq, st}
`)

// scriptTranslate records one translation of a stored message and drops the
// translations of messages trimmed from the stream when there are too many.
// KEYS: conv, hist, tr. ARGV: seq, lang, text, maxlen, retention ms.
var scriptTranslate = redis.NewScript(`
local st = redis.call('HGET', KEYS[1], 'state')
if not st then return {'notfound'} end
local id = ARGV[1] .. '-0'
if #redis.call('XRANGE', KEYS[2], id, id) == 0 then return {'notfound'} end
local cur = redis.call('HGET', KEYS[3], ARGV[1])
local t = {}
if cur then
  local ok, dec = pcall(cjson.decode, cur)
  if ok and type(dec) == 'table' then
    for k, v in pairs(dec) do
      if type(k) == 'string' and type(v) == 'string' then t[k] = v end
    end
  end
end
t[ARGV[2]] = ARGV[3]
redis.call('HSET', KEYS[3], ARGV[1], cjson.encode(t))
local maxlen = tonumber(ARGV[4])
if redis.call('HLEN', KEYS[3]) > 2 * maxlen + 128 then
  local first = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)
  if #first > 0 then
    local low = tonumber(string.match(first[1][1], '^(%d+)'))
    for _, f in ipairs(redis.call('HKEYS', KEYS[3])) do
      local n = tonumber(f)
      if n == nil or n < low then redis.call('HDEL', KEYS[3], f) end
    end
  end
end
if st == 'closed' then
  -- A translation does not renew a closed conversation: it expires with it.
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > 0 then redis.call('PEXPIRE', KEYS[3], ttl) end
end
return {'ok'}
`)

// scriptAssign gives a queued or bot-held conversation to an agent.
// KEYS: conv, hist, queue, load, agent. ARGV: id, agent ID, max active, now,
// maxlen.
var scriptAssign = redis.NewScript(luaPrelude + `
local st = redis.call('HGET', KEYS[1], 'state')
if not st then return {'notfound'} end
if st ~= 'queued' and st ~= 'bot' then return {'conflict'} end
local max = tonumber(ARGV[3]) or 0
if max > 0 and load_of(KEYS[4], ARGV[2]) >= max then return {'capacity'} end
local now = ARGV[4]
redis.call('HSET', KEYS[1], 'state', 'active', 'agent', ARGV[2], 'bot', '')
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('HINCRBY', KEYS[4], ARGV[2], 1)
local name = ''
if redis.call('EXISTS', KEYS[5]) == 1 then
  name = redis.call('HGET', KEYS[5], 'name') or ''
  redis.call('HSET', KEYS[5], 'idle', now)
end
add_event(KEYS[1], KEYS[2], now, ARGV[5], 'assigned', ARGV[2], name, '')
return {'ok', redis.call('HGETALL', KEYS[1])}
`)

// scriptTransfer moves an active conversation between agents.
// KEYS: conv, hist, load, to agent. ARGV: id, from, to, max active, now,
// maxlen.
var scriptTransfer = redis.NewScript(luaPrelude + `
local st = redis.call('HGET', KEYS[1], 'state')
if not st then return {'notfound'} end
if st ~= 'active' or redis.call('HGET', KEYS[1], 'agent') ~= ARGV[2] or ARGV[3] == '' or ARGV[2] == ARGV[3] then
  return {'conflict'}
end
local max = tonumber(ARGV[4]) or 0
if max > 0 and load_of(KEYS[3], ARGV[3]) >= max then return {'capacity'} end
local now = ARGV[5]
redis.call('HSET', KEYS[1], 'agent', ARGV[3])
release(KEYS[3], ARGV[2])
redis.call('HINCRBY', KEYS[3], ARGV[3], 1)
local name = ''
if redis.call('EXISTS', KEYS[4]) == 1 then
  name = redis.call('HGET', KEYS[4], 'name') or ''
  redis.call('HSET', KEYS[4], 'idle', now)
end
add_event(KEYS[1], KEYS[2], now, ARGV[6], 'transferred', ARGV[3], name, ARGV[2])
return {'ok', redis.call('HGETALL', KEYS[1])}
`)

// scriptRequeue puts an active or bot-held conversation back in the queue.
// KEYS: conv, hist, queue, load, counter. ARGV: id, front ("1" or ""),
// reason, now, maxlen.
var scriptRequeue = redis.NewScript(luaPrelude + `
local st = redis.call('HGET', KEYS[1], 'state')
if not st then return {'notfound'} end
if st ~= 'active' and st ~= 'bot' then return {'conflict'} end
local now = ARGV[4]
if st == 'active' then release(KEYS[4], redis.call('HGET', KEYS[1], 'agent')) end
local score
if ARGV[2] == '1' then
  local first = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
  if #first > 0 then score = tonumber(first[2]) - 1 end
end
if score == nil then score = redis.call('INCR', KEYS[5]) end
redis.call('ZADD', KEYS[3], score, ARGV[1])
redis.call('HSET', KEYS[1], 'state', 'queued', 'agent', '', 'bot', '', 'queued', now)
add_event(KEYS[1], KEYS[2], now, ARGV[5], 'requeued', '', '', ARGV[3])
return {'ok', redis.call('HGETALL', KEYS[1])}
`)

// scriptClose ends a conversation and starts its retention countdown.
// KEYS: conv, hist, queue, load, visitor, tr. ARGV: id, by, now, maxlen,
// retention ms.
var scriptClose = redis.NewScript(luaPrelude + `
local st = redis.call('HGET', KEYS[1], 'state')
if not st then return {'notfound'} end
if st == 'closed' then return {'conflict'} end
local now = ARGV[3]
if st == 'active' then release(KEYS[4], redis.call('HGET', KEYS[1], 'agent')) end
redis.call('ZREM', KEYS[3], ARGV[1])
if redis.call('GET', KEYS[5]) == ARGV[1] then redis.call('DEL', KEYS[5]) end
redis.call('HSET', KEYS[1], 'state', 'closed', 'agent', '', 'bot', '')
add_event(KEYS[1], KEYS[2], now, ARGV[4], 'closed', ARGV[2], '', '')
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
redis.call('PEXPIRE', KEYS[6], ARGV[5])
return {'ok', redis.call('HGETALL', KEYS[1])}
`)

// scriptSetAgent writes an agent's profile and presence.
// KEYS: agent, agents. ARGV: id, site, name, languages JSON, status,
// capacity, now, presence expiry ms.
var scriptSetAgent = redis.NewScript(`
local prev = redis.call('HMGET', KEYS[1], 'status', 'seen')
local now = tonumber(ARGV[7])
local wasOnline = prev[1] == 'online' and now - (tonumber(prev[2]) or 0) <= tonumber(ARGV[8])
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'site', ARGV[2], 'name', ARGV[3], 'langs', ARGV[4],
  'status', ARGV[5], 'cap', ARGV[6])
if ARGV[5] ~= 'offline' then redis.call('HSET', KEYS[1], 'seen', ARGV[7]) end
if ARGV[5] == 'online' and not wasOnline then redis.call('HSET', KEYS[1], 'idle', ARGV[7]) end
redis.call('SADD', KEYS[2], ARGV[1])
return {'ok'}
`)

// scriptHeartbeat records an agent's heartbeat.
// KEYS: agent. ARGV: now.
var scriptHeartbeat = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {'notfound'} end
redis.call('HSET', KEYS[1], 'seen', ARGV[1])
return {'ok'}
`)
