namespace Marketplace.EventBus.Redis;

/// <summary>
/// Moves one entry to the dead-letter stream: acknowledges it and, only if this call did the
/// acknowledging, appends the original bytes with the error in Dapr's layout. Atomic, so an
/// entry is dead-lettered once even when two consumers give up on it at the same time.
/// KEYS[1] source stream, KEYS[2] dead-letter stream; ARGV group, id, maxLen (0 = none), data, metadata.
/// </summary>
internal static class DeadLetterScript
{
    public const string Text = """
        if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
        if tonumber(ARGV[3]) > 0 then
          redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'data', ARGV[4], 'metadata', ARGV[5])
        else
          redis.call('XADD', KEYS[2], '*', 'data', ARGV[4], 'metadata', ARGV[5])
        end
        return 1
        """;
}
