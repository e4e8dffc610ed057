using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace Marketplace.Hosting.Redis;

/// <summary>
/// A Lua script of the hot paths, sent by its SHA1 (EVALSHA / EVALSHA_RO) with the hash computed
/// once. StackExchange.Redis's overloads that take the script's text look its hash up in a table
/// keyed by that text on every call, which hashes the whole text each time: for the score read's
/// script (~4 KB) that was 8 % of a read's CPU in the service (perf, bench/grpc scoring-inproc).
/// When the server does not hold the script (after a restart, a failover or SCRIPT FLUSH) the call
/// answers NOSCRIPT, and the script's text is sent once with EVAL, which caches it again. A script
/// that is not on a hot path can keep using the text overloads.
/// </summary>
public sealed class RedisScript
{
    public RedisScript(string text)
    {
        Text = text;
        Hash = SHA1.HashData(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>The script's Lua source.</summary>
    public string Text { get; }

    /// <summary>The SHA1 of <see cref="Text"/>, as EVALSHA takes it.</summary>
    public byte[] Hash { get; }

    /// <summary>EVALSHA, or EVAL when the server does not hold the script.</summary>
    public async Task<RedisResult> EvaluateAsync(IDatabaseAsync db, RedisKey[]? keys = null, RedisValue[]? args = null)
    {
        try
        {
            return await db.ScriptEvaluateAsync(Hash, keys, args);
        }
        catch (RedisServerException e) when (IsNoScript(e))
        {
            return await db.ScriptEvaluateAsync(Text, keys, args);
        }
    }

    /// <summary>EVALSHA_RO (runs on a replica too), or EVAL_RO when the server does not hold the script.</summary>
    public async Task<RedisResult> EvaluateReadOnlyAsync(IDatabaseAsync db, RedisKey[]? keys = null, RedisValue[]? args = null)
    {
        try
        {
            return await db.ScriptEvaluateReadOnlyAsync(Hash, keys, args);
        }
        catch (RedisServerException e) when (IsNoScript(e))
        {
            return await db.ScriptEvaluateReadOnlyAsync(Text, keys, args);
        }
    }

    private static bool IsNoScript(RedisServerException e) => e.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal);
}
