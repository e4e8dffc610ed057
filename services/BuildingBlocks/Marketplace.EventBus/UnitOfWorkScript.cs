using Marketplace.Hosting.Redis;

namespace Marketplace.EventBus;

/// <summary>
/// The one Lua script that commits a <see cref="UnitOfWork"/>: it checks the "already done"
/// marker, then every value the work read (optimistic concurrency), then applies the staged
/// writes, appends the events to the outbox stream and sets the marker, all or nothing.
/// Redis runs a script without interleaving other commands, which makes this atomic on one
/// primary (all keys must live on the same node; see README.md).
/// </summary>
/// <remarks>
/// <para>KEYS[1] outbox stream, KEYS[2] marker (or the outbox again when there is none), KEYS[3..] data keys.
/// ARGV: hasMarker, markerValue, markerTtlMs, then conditions (count; kind, keyIndex, ...),
/// writes (count; command, keyIndex, argc, args...), events (count; topic, data, metadata).</para>
/// <para>Redis does not roll back a script that fails midway, so every check comes before the first
/// write: the staged writes are first simulated, in order, on what they will meet (each key's type,
/// the hash fields an earlier write of the unit set, incremented or deleted), and any write Redis
/// would refuse refuses the whole unit with the reason, nothing written: a key of the wrong type,
/// HINCRBY on a value that is not a 64-bit integer or whose result leaves the 64-bit range (checked
/// in decimal digits, as Lua numbers are doubles; two integers of at most 15 characters, the common
/// case, are added as Lua numbers, exact below 2^53: a completed order's commit took 256 µs of
/// Redis's time with digits only, 156 µs with the shortcut), HINCRBYFLOAT on a value that is not a number or to a
/// result that is not finite, a sorted-set score that is not a finite number, a malformed argument
/// list, an XADD (UnitOfWork.StreamAdd) whose entry time is below its MINID, an outbox that is not a
/// stream, a marker lifetime that is not a positive whole number. An XADD whose entry time is before
/// the stream's last entry is a conflict (another unit appended a later one since): the work runs again.
/// Variadic writes are applied in chunks of at most 1000 arguments (Lua's unpack takes about 8000).</para>
/// </remarks>
internal static class UnitOfWorkScript
{
    /// <summary>The script, sent by its hash.</summary>
    public static readonly RedisScript Script = new(Text);

    public const string Text = """
        local a = 1
        local function arg() local v = ARGV[a]; a = a + 1; return v end
        local hasMarker = arg() == '1'
        local markerValue = arg()
        local markerTtl = arg()
        if hasMarker then
          local prior = redis.call('GET', KEYS[2])
          if prior then return {'done', prior} end
        end

        local function same(actual, present, expected)
          if present == '0' then return actual == false end
          return actual == expected
        end

        -- A key a condition found a value in has that type: the checks below need no TYPE call for it.
        local types = {}
        local conditions = tonumber(arg())
        for i = 1, conditions do
          local kind = arg()
          local key = KEYS[tonumber(arg())]
          if kind == 'h' then
            local field, present, expected = arg(), arg(), arg()
            if not same(redis.call('HGET', key, field), present, expected) then return {'conflict', key} end
            if present ~= '0' then types[key] = 'hash' end
          elseif kind == 'z' then
            local member, present, expected = arg(), arg(), arg()
            local actual = redis.call('ZSCORE', key, member)
            local ok
            if present == '0' then ok = actual == false else ok = actual ~= false and tonumber(actual) == tonumber(expected) end
            if not ok then return {'conflict', key} end
            if present ~= '0' then types[key] = 'zset' end
          elseif kind == 's' then
            local present, expected = arg(), arg()
            if not same(redis.call('GET', key), present, expected) then return {'conflict', key} end
            if present ~= '0' then types[key] = 'string' end
          elseif kind == 'H' then
            local count = tonumber(arg())
            local ok = redis.call('HLEN', key) == count
            for j = 1, count do
              local field, expected = arg(), arg()
              if ok and redis.call('HGET', key, field) ~= expected then ok = false end
            end
            if not ok then return {'conflict', key} end
            if count > 0 then types[key] = 'hash' end
          else
            return redis.error_reply('ERR unit of work: unknown condition ' .. tostring(kind))
          end
        end

        -- ---- checks: every staged write simulated in order, before the first write ----

        local MAXPOS, MAXNEG = '9223372036854775807', '9223372036854775808'

        -- A 64-bit integer as Redis reads one (no sign '+', no leading zeros, no '-0'): negative, digits; nil otherwise.
        local function int64(s)
          if type(s) ~= 'string' then return nil end
          if s == '0' then return false, '0' end
          local sign, digits = string.match(s, '^(%-?)([1-9][0-9]*)$')
          if digits == nil then return nil end
          local limit = sign == '-' and MAXNEG or MAXPOS
          if #digits > 19 or (#digits == 19 and digits > limit) then return nil end
          return sign == '-', digits
        end

        local function isInteger(s)
          local _, digits = int64(s)
          return digits ~= nil
        end

        local function compareDigits(x, y)
          if #x ~= #y then return #x < #y and -1 or 1 end
          if x == y then return 0 end
          return x < y and -1 or 1
        end

        local function addDigits(x, y)
          local out, carry, i, j = {}, 0, #x, #y
          while i > 0 or j > 0 or carry > 0 do
            local d = carry
            if i > 0 then d = d + string.byte(x, i) - 48 end
            if j > 0 then d = d + string.byte(y, j) - 48 end
            table.insert(out, 1, d % 10)
            carry = d >= 10 and 1 or 0
            i, j = i - 1, j - 1
          end
          return table.concat(out)
        end

        local function subtractDigits(x, y) -- x >= y
          local out, borrow, i, j = {}, 0, #x, #y
          while i > 0 do
            local d = string.byte(x, i) - 48 - borrow
            if j > 0 then d = d - (string.byte(y, j) - 48) end
            if d < 0 then d, borrow = d + 10, 1 else borrow = 0 end
            table.insert(out, 1, d)
            i, j = i - 1, j - 1
          end
          local s = (string.gsub(table.concat(out), '^0+', ''))
          return s == '' and '0' or s
        end

        -- x + y for two 64-bit integers given as text; nil when the sum leaves the 64-bit range.
        local function add64(x, y)
          local xn, xd = int64(x)
          local yn, yd = int64(y)
          local negative, digits
          if xn == yn then
            negative, digits = xn, addDigits(xd, yd)
          else
            local c = compareDigits(xd, yd)
            if c == 0 then return '0' end
            if c > 0 then negative, digits = xn, subtractDigits(xd, yd) else negative, digits = yn, subtractDigits(yd, xd) end
          end
          if compareDigits(digits, negative and MAXNEG or MAXPOS) > 0 then return nil end
          return (negative and '-' or '') .. digits
        end

        -- A canonical integer of at most 15 characters (sign included): exact as a Lua number, and
        -- so is the sum of two (below 2^53), which '%.0f' then prints as Redis would. The common case
        -- of HINCRBY, checked without the digit arithmetic above.
        local function small(s)
          return #s <= 15 and (s == '0' or string.find(s, '^%-?[1-9]%d*$') ~= nil)
        end
        -- A number as Redis reads one for HINCRBYFLOAT and ZADD (no surrounding spaces); nil otherwise.
        local function float(s)
          if type(s) ~= 'string' or s == '' or string.find(s, '^%s') or string.find(s, '%s$') then return nil end
          local v = tonumber(s)
          if v == nil or v ~= v then return nil end
          return v
        end

        local function finite(v) return v == v and v ~= math.huge and v ~= -math.huge end

        local staged, emptied = {}, {}
        local function typeOf(key)
          if types[key] == nil then types[key] = redis.call('TYPE', key)['ok'] end
          return types[key]
        end
        local function field(key, name)
          local fields = staged[key]
          if fields ~= nil and fields[name] ~= nil then return fields[name] end
          if emptied[key] or typeOf(key) ~= 'hash' then return false end
          return redis.call('HGET', key, name)
        end
        local function stage(key, name, value)
          staged[key] = staged[key] or {}
          staged[key][name] = value
        end
        local function replace(key, newType)
          types[key], staged[key], emptied[key] = newType, {}, true
        end

        local needs = {
          HSET = 'hash', HINCRBY = 'hash', HINCRBYFLOAT = 'hash', HDEL = 'hash',
          ZADD = 'zset', ZREM = 'zset', SADD = 'set', SREM = 'set', XADD = 'stream' }
        local arity = {
          HSET = 'pairs', ZADD = 'pairs', HDEL = 'some', ZREM = 'some', SADD = 'some', SREM = 'some',
          HINCRBY = 'pairs', HINCRBYFLOAT = 2, SET = 1, DEL = 0, PEXPIRE = 1, XADD = 5 }

        local function refuse(command, key, why) return 'ERR unit of work refused, nothing written: ' .. command .. ' ' .. key .. ': ' .. why end

        -- Returns an error text, or a conflict reply ({'conflict', key}), or nil when the write is fine.
        -- An HINCRBY of several fields (UnitOfWork.HashIncrement with pairs) leaves the fields' new
        -- values, in order, in sums: it is applied as one HSET of them.
        local function check(command, key, first, argc, sums)
          local shape = arity[command]
          if shape == nil then return 'ERR unit of work: command not allowed: ' .. tostring(command) end
          if (shape == 'pairs' and (argc < 2 or argc % 2 ~= 0)) or (shape == 'some' and argc < 1)
            or (type(shape) == 'number' and argc ~= shape) then
            return refuse(command, key, 'wrong number of arguments (' .. argc .. ')')
          end
          local need = needs[command]
          if need ~= nil then
            local actual = typeOf(key)
            if actual ~= 'none' and actual ~= need then
              return 'WRONGTYPE unit of work refused, nothing written: ' .. key .. ' is a ' .. actual .. ', ' .. command .. ' needs a ' .. need
            end
          end
          if command == 'HSET' then
            for i = first, first + argc - 1, 2 do stage(key, ARGV[i], ARGV[i + 1]) end
          elseif command == 'HDEL' then
            for i = first, first + argc - 1 do stage(key, ARGV[i], false) end
          elseif command == 'HINCRBY' then
            for i = first, first + argc - 1, 2 do
              local name, by = ARGV[i], ARGV[i + 1]
              local current = field(key, name) or '0'
              local sum
              if small(current) and small(by) then
                sum = string.format('%.0f', tonumber(current) + tonumber(by))
              else
                if not isInteger(current) then return refuse(command, key, 'field ' .. name .. ' holds ' .. current .. ', not an integer') end
                if not isInteger(by) then return refuse(command, key, 'increment ' .. tostring(by) .. ' is not an integer') end
                sum = add64(current, by)
                if sum == nil then return refuse(command, key, 'field ' .. name .. ' would overflow (' .. current .. ' + ' .. by .. ')') end
              end
              stage(key, name, sum)
              if sums then
                table.insert(sums, name)
                table.insert(sums, sum)
              end
            end
          elseif command == 'HINCRBYFLOAT' then
            local name, by = ARGV[first], ARGV[first + 1]
            local current = field(key, name) or '0'
            local x, y = float(current), float(by)
            if x == nil then return refuse(command, key, 'field ' .. name .. ' holds ' .. current .. ', not a float') end
            if y == nil then return refuse(command, key, 'increment ' .. tostring(by) .. ' is not a float') end
            local sum = x + y
            if not finite(sum) then return refuse(command, key, 'field ' .. name .. ' would become NaN or Infinity (' .. current .. ' + ' .. by .. ')') end
            stage(key, name, string.format('%.17g', sum))
          elseif command == 'ZADD' then
            for i = first, first + argc - 1, 2 do
              local score = float(ARGV[i])
              if score == nil or not finite(score) then return refuse(command, key, 'score ' .. tostring(ARGV[i]) .. ' is not a finite number') end
            end
          elseif command == 'XADD' then
            -- XADD key MINID <min ms> <ms>-* field value (UnitOfWork.StreamAdd)
            local ms = string.match(ARGV[first + 2], '^(%d+)%-%*$')
            local negative, minimum = int64(ARGV[first + 1])
            if ARGV[first] ~= 'MINID' or minimum == nil or negative or ms == nil or #ms > 15 then
              return refuse(command, key, 'arguments must be MINID <ms> <ms>-* field value')
            end
            if compareDigits(ms, minimum) < 0 then return refuse(command, key, 'entry time ' .. ms .. ' is below MINID ' .. minimum) end
            if typeOf(key) == 'stream' then
              local last = redis.call('XREVRANGE', key, '+', '-', 'COUNT', 1)
              local lastMs = last[1] and string.match(last[1][1], '^(%d+)%-')
              -- Another unit appended a later entry since this one read: a conflict, so the work runs again.
              if lastMs and compareDigits(ms, lastMs) < 0 then return { 'conflict', key } end
            end
          elseif command == 'SET' then
            replace(key, 'string')
            return nil
          elseif command == 'DEL' then
            replace(key, 'none')
            return nil
          elseif command == 'PEXPIRE' then
            local negative, digits = int64(ARGV[first])
            if digits == nil or (not negative and #digits > 18) then return refuse(command, key, 'lifetime ' .. tostring(ARGV[first]) .. ' is not a whole number of milliseconds below 10^18') end
            return nil
          end
          if need ~= nil and types[key] == 'none' and command ~= 'HDEL' and command ~= 'ZREM' and command ~= 'SREM' then types[key] = need end
          return nil
        end

        local writes = tonumber(arg())
        local first = a
        local sums = {}
        for i = 1, writes do
          local command, key, argc = ARGV[a], KEYS[tonumber(ARGV[a + 1])], tonumber(ARGV[a + 2])
          local out = command == 'HINCRBY' and argc > 2 and {} or nil
          local problem = check(command, key, a + 3, argc, out)
          if type(problem) == 'table' then return problem end
          if problem then return redis.error_reply(problem) end
          sums[i] = out
          a = a + 3 + argc
        end
        local events = tonumber(ARGV[a])
        if events > 0 then
          local outbox = typeOf(KEYS[1])
          if outbox ~= 'none' and outbox ~= 'stream' then
            return redis.error_reply('WRONGTYPE unit of work refused, nothing written: the outbox ' .. KEYS[1] .. ' is a ' .. outbox .. ', not a stream')
          end
        end
        if hasMarker then
          local negative, digits = int64(markerTtl)
          if digits == nil or negative or digits == '0' or #digits > 18 then
            return redis.error_reply('ERR unit of work refused, nothing written: marker lifetime ' .. tostring(markerTtl) .. ' is not a positive whole number of milliseconds')
          end
        end

        -- ---- writes: nothing below can fail ----

        local CHUNK = 1000
        a = first
        for i = 1, writes do
          local command, key, argc = ARGV[a], KEYS[tonumber(ARGV[a + 1])], tonumber(ARGV[a + 2])
          local from, to = a + 3, a + 2 + argc
          if sums[i] ~= nil then
            -- several increments of one hash: their checked sums in one HSET (integers: the same text HINCRBY stores)
            local values = sums[i]
            for j = 1, #values, CHUNK do redis.call('HSET', key, unpack(values, j, math.min(#values, j + CHUNK - 1))) end
          elseif argc <= CHUNK then
            redis.call(command, key, unpack(ARGV, from, to))
          else
            for j = from, to, CHUNK do redis.call(command, key, unpack(ARGV, j, math.min(to, j + CHUNK - 1))) end
          end
          a = a + 3 + argc
        end

        events = tonumber(arg())
        for i = 1, events do
          local topic, data, metadata = arg(), arg(), arg()
          redis.call('XADD', KEYS[1], '*', 'topic', topic, 'data', data, 'metadata', metadata)
        end
        if hasMarker then redis.call('SET', KEYS[2], markerValue, 'PX', markerTtl) end
        return {'ok'}
        """;
}
