using Marketplace.Testing;
using StackExchange.Redis;

namespace Marketplace.EventBus.Tests;

/// <summary>
/// Everything a Redis server holds, one line per hash field, set or sorted-set member, string,
/// stream entry and consumer group (with its pending entries), in key order: to show that a
/// refused write changed nothing at all.
/// </summary>
internal static class RedisState
{
    public static async Task<IReadOnlyList<string>> DumpAsync(RedisServer redis)
    {
        var db = redis.Admin.GetDatabase();
        var server = redis.Admin.GetServer(redis.Admin.GetEndPoints()[0]);
        var lines = new List<string>();
        foreach (var key in server.Keys(pattern: "*").Select(k => (string)k!).Order(StringComparer.Ordinal))
        {
            var ttl = await db.KeyTimeToLiveAsync(key);
            lines.Add($"{key} type={await db.KeyTypeAsync(key)} ttl={(ttl is null ? "none" : "set")}");
            switch (await db.KeyTypeAsync(key))
            {
                case RedisType.Hash:
                    lines.AddRange((await db.HashGetAllAsync(key)).Select(e => $"{key} {e.Name}={e.Value}").Order(StringComparer.Ordinal));
                    break;
                case RedisType.Set:
                    lines.AddRange((await db.SetMembersAsync(key)).Select(m => $"{key} {m}").Order(StringComparer.Ordinal));
                    break;
                case RedisType.SortedSet:
                    lines.AddRange((await db.SortedSetRangeByRankWithScoresAsync(key)).Select(e => $"{key} {e.Element}={e.Score:R}"));
                    break;
                case RedisType.String:
                    lines.Add($"{key} {await db.StringGetAsync(key)}");
                    break;
                case RedisType.Stream:
                    foreach (var entry in await db.StreamRangeAsync(key))
                    {
                        lines.Add($"{key} {entry.Id} {string.Join(' ', entry.Values.Select(v => $"{v.Name}={v.Value}"))}");
                    }

                    foreach (var group in await db.StreamGroupInfoAsync(key))
                    {
                        var pending = await db.StreamPendingMessagesAsync(key, group.Name, 1000, RedisValue.Null);
                        lines.Add($"{key} group {group.Name} pending [{string.Join(',', pending.Select(p => $"{p.MessageId}@{p.ConsumerName}"))}]");
                    }

                    break;
            }
        }

        return lines;
    }
}
