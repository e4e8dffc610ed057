using Marketplace.Hosting.Redis;

namespace Marketplace.EventBus.Outbox;

/// <summary>
/// The Lua scripts that move entries out of an app's outbox stream (both transports). Each
/// acknowledges an entry and then writes: Redis does not roll back a script that fails midway,
/// so every key is type-checked before the first write, and a script either does all its work
/// or none of it (an entry acknowledged but never written would be lost).
/// </summary>
internal static class OutboxScripts
{
    /// <summary><see cref="Relay"/>, sent by its hash (it runs for every batch the relay moves).</summary>
    public static readonly RedisScript RelayScript = new(Relay);

    /// <summary>
    /// KEYS[1] outbox, KEYS[2..] topics; ARGV group, maxLen, then (id, topic key index, data, metadata) per entry.
    /// Replies <c>{'ok', moved}</c>, or <c>{'wrongtype', key index, type}</c> with nothing written when a
    /// topic key holds something other than a stream.
    /// </summary>
    public const string Relay = """
        local function notStream(key)
          local t = redis.call('TYPE', key)['ok']
          if t == 'none' or t == 'stream' then return nil end
          return t
        end
        local bad = notStream(KEYS[1])
        if bad then return redis.error_reply('WRONGTYPE relay refused, nothing written: the outbox ' .. KEYS[1] .. ' is a ' .. bad .. ', not a stream') end
        for i = 2, #KEYS do
          bad = notStream(KEYS[i])
          if bad then return {'wrongtype', i, bad} end
        end
        local maxLen = tonumber(ARGV[2])
        if maxLen == nil or maxLen < 0 or maxLen ~= math.floor(maxLen) then
          return redis.error_reply('ERR relay refused, nothing written: MAXLEN ' .. tostring(ARGV[2]) .. ' is not a whole number >= 0')
        end

        local moved = 0
        for a = 3, #ARGV, 4 do
          local id, topic = ARGV[a], KEYS[tonumber(ARGV[a + 1])]
          if redis.call('XACK', KEYS[1], ARGV[1], id) == 1 then
            if maxLen > 0 then
              redis.call('XADD', topic, 'MAXLEN', '~', ARGV[2], '*', 'data', ARGV[a + 2], 'metadata', ARGV[a + 3])
            else
              redis.call('XADD', topic, '*', 'data', ARGV[a + 2], 'metadata', ARGV[a + 3])
            end
            redis.call('XDEL', KEYS[1], id)
            moved = moved + 1
          end
        end
        return {'ok', moved}
        """;

    /// <summary>KEYS[1] outbox; ARGV group, then the ids to acknowledge and delete.</summary>
    public const string AckAndDelete = """
        local t = redis.call('TYPE', KEYS[1])['ok']
        if t ~= 'none' and t ~= 'stream' then
          return redis.error_reply('WRONGTYPE ack refused, nothing written: the outbox ' .. KEYS[1] .. ' is a ' .. t .. ', not a stream')
        end
        for i = 2, #ARGV do
          if redis.call('XACK', KEYS[1], ARGV[1], ARGV[i]) == 1 then redis.call('XDEL', KEYS[1], ARGV[i]) end
        end
        return 0
        """;

    /// <summary>KEYS[1] outbox, KEYS[2] parking stream; ARGV group, id, topic, data, metadata, error.</summary>
    public const string Park = """
        for i = 1, 2 do
          local t = redis.call('TYPE', KEYS[i])['ok']
          if t ~= 'none' and t ~= 'stream' then
            return redis.error_reply('WRONGTYPE parking refused, nothing written: ' .. KEYS[i] .. ' is a ' .. t .. ', not a stream')
          end
        end
        if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
        redis.call('XADD', KEYS[2], '*', 'topic', ARGV[3], 'data', ARGV[4], 'metadata', ARGV[5], 'error', ARGV[6], 'entryId', ARGV[2])
        redis.call('XDEL', KEYS[1], ARGV[2])
        return 1
        """;
}
