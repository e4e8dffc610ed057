namespace Marketplace.EventBus;

/// <summary>
/// The one Lua script that commits a <see cref="UnitOfWork"/>: it checks the "already done"
/// marker, then every value the work read (optimistic concurrency), then applies the staged
/// writes, appends the events to the outbox stream and sets the marker, all or nothing.
/// Redis runs a script without interleaving other commands, which makes this atomic on one
/// primary (all keys must live on the same node; see README.md).
/// </summary>
/// <remarks>
/// KEYS[1] outbox stream, KEYS[2] marker (or the outbox again when there is none), KEYS[3..] data keys.
/// ARGV: hasMarker, markerValue, markerTtlMs, then conditions (count; kind, keyIndex, ...),
/// writes (count; command, keyIndex, argc, args...), events (count; topic, data, metadata).
/// Writes are type-checked before the first one runs, so a wrong key type fails the whole unit
/// instead of leaving it half applied.
/// </remarks>
internal static class UnitOfWorkScript
{
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

        local conditions = tonumber(arg())
        for i = 1, conditions do
          local kind = arg()
          local key = KEYS[tonumber(arg())]
          if kind == 'h' then
            local field, present, expected = arg(), arg(), arg()
            if not same(redis.call('HGET', key, field), present, expected) then return {'conflict', key} end
          elseif kind == 'z' then
            local member, present, expected = arg(), arg(), arg()
            local actual = redis.call('ZSCORE', key, member)
            local ok
            if present == '0' then ok = actual == false else ok = actual ~= false and tonumber(actual) == tonumber(expected) end
            if not ok then return {'conflict', key} end
          elseif kind == 's' then
            local present, expected = arg(), arg()
            if not same(redis.call('GET', key), present, expected) then return {'conflict', key} end
          elseif kind == 'H' then
            local count = tonumber(arg())
            local ok = redis.call('HLEN', key) == count
            for j = 1, count do
              local field, expected = arg(), arg()
              if ok and redis.call('HGET', key, field) ~= expected then ok = false end
            end
            if not ok then return {'conflict', key} end
          else
            return redis.error_reply('unit of work: unknown condition ' .. tostring(kind))
          end
        end

        local needs = {
          HSET = 'hash', HINCRBY = 'hash', HINCRBYFLOAT = 'hash', HDEL = 'hash',
          ZADD = 'zset', ZREM = 'zset', SADD = 'set', SREM = 'set',
          SET = '', DEL = '', PEXPIRE = '' }
        local writes = tonumber(arg())
        local first = a
        for i = 1, writes do
          local command, key, argc = ARGV[a], KEYS[tonumber(ARGV[a + 1])], tonumber(ARGV[a + 2])
          local need = needs[command]
          if need == nil then return redis.error_reply('unit of work: command not allowed: ' .. tostring(command)) end
          if need ~= '' then
            local actual = redis.call('TYPE', key)['ok']
            if actual ~= 'none' and actual ~= need then
              return redis.error_reply('WRONGTYPE unit of work: ' .. key .. ' is a ' .. actual .. ', ' .. command .. ' needs a ' .. need)
            end
          end
          a = a + 3 + argc
        end
        a = first
        for i = 1, writes do
          local command, key, argc = ARGV[a], KEYS[tonumber(ARGV[a + 1])], tonumber(ARGV[a + 2])
          redis.call(command, key, unpack(ARGV, a + 3, a + 2 + argc))
          a = a + 3 + argc
        end

        local events = tonumber(arg())
        for i = 1, events do
          local topic, data, metadata = arg(), arg(), arg()
          redis.call('XADD', KEYS[1], '*', 'topic', topic, 'data', data, 'metadata', metadata)
        end
        if hasMarker then redis.call('SET', KEYS[2], markerValue, 'PX', markerTtl) end
        return {'ok'}
        """;
}
