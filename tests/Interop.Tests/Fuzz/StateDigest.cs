using StackExchange.Redis;

namespace Marketplace.Interop.Tests.Fuzz;

/// <summary>
/// One digest of everything the platform keeps in Redis, to tell whether a call changed state: every
/// key without an expiry by its serialized value (DUMP), every stream by its length and last entry id
/// (a stream's DUMP also holds its consumers' last-seen times, which move on every empty read).
/// Keys with an expiry (leases, idempotency records) are left out: they change with time, not with
/// calls. One script, so the digest is of one moment.
/// </summary>
public static class StateDigest
{
    private static readonly LuaScript Script = LuaScript.Prepare("""
        local keys = redis.call('KEYS', '*')
        table.sort(keys)
        local parts = {}
        for _, key in ipairs(keys) do
          if redis.call('PTTL', key) == -1 then
            local kind = redis.call('TYPE', key)['ok']
            if kind == 'stream' then
              local last = redis.call('XREVRANGE', key, '+', '-', 'COUNT', 1)
              parts[#parts + 1] = key .. '|' .. redis.call('XLEN', key) .. '|' .. (last[1] and last[1][1] or '-')
            else
              parts[#parts + 1] = key .. '|' .. redis.sha1hex(redis.call('DUMP', key))
            end
          end
        end
        return parts
        """);

    /// <summary>Each key with the digest of its value, in key order.</summary>
    public static async Task<StateDigestValue> OfAsync(IDatabase db)
    {
        var parts = (RedisResult[])(await db.ScriptEvaluateAsync(Script))!;
        return new StateDigestValue(parts.Select(p => (string)p!).ToArray());
    }
}

/// <summary>Redis's state as key|digest lines; equal when every key and value is.</summary>
public sealed record StateDigestValue(string[] Keys)
{
    public bool SameAs(StateDigestValue other) => Keys.SequenceEqual(other.Keys, StringComparer.Ordinal);

    /// <summary>The keys whose value differs, appeared or vanished, for a failure message.</summary>
    public string ChangesTo(StateDigestValue after)
    {
        static string Name(string line) => line[..line.IndexOf('|', StringComparison.Ordinal)];
        var changed = Keys.Except(after.Keys, StringComparer.Ordinal).Select(Name)
            .Union(after.Keys.Except(Keys, StringComparer.Ordinal).Select(Name), StringComparer.Ordinal);
        return string.Join(", ", changed);
    }
}
