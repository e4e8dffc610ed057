namespace Marketplace.EventBus.Redis;

/// <summary>
/// Moves one entry to the dead-letter stream: acknowledges it and, only if this call did the
/// acknowledging, appends the original bytes with the error in Dapr's layout. Atomic, so an
/// entry is dead-lettered once even when two consumers give up on it at the same time; and
/// all or nothing: both keys are type-checked before the acknowledgement (Redis does not roll back
/// a script that fails midway, and an entry acknowledged but not dead-lettered would be lost).
/// KEYS[1] source stream, KEYS[2] dead-letter stream; ARGV group, id, maxLen (0 = none), data, metadata.
/// </summary>
internal static class DeadLetterScript
{
    public const string Text = """
        for i = 1, 2 do
          local t = redis.call('TYPE', KEYS[i])['ok']
          if t ~= 'none' and t ~= 'stream' then
            return redis.error_reply('WRONGTYPE dead letter refused, nothing written: ' .. KEYS[i] .. ' is a ' .. t .. ', not a stream')
          end
        end
        local maxLen = tonumber(ARGV[3])
        if maxLen == nil or maxLen < 0 or maxLen ~= math.floor(maxLen) then
          return redis.error_reply('ERR dead letter refused, nothing written: MAXLEN ' .. tostring(ARGV[3]) .. ' is not a whole number >= 0')
        end
        if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
        if maxLen > 0 then
          redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'data', ARGV[4], 'metadata', ARGV[5])
        else
          redis.call('XADD', KEYS[2], '*', 'data', ARGV[4], 'metadata', ARGV[5])
        end
        return 1
        """;
}
