using StackExchange.Redis;

namespace Marketplace.Scoring.Store;

/// <summary>A Redis hash as the records of this folder read it: field name → value.</summary>
public static class HashFields
{
    public static Dictionary<string, RedisValue> Of(HashEntry[] entries) =>
        entries.ToDictionary(e => (string)e.Name!, e => e.Value, StringComparer.Ordinal);
}
