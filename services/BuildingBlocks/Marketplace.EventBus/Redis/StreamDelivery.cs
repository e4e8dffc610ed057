using StackExchange.Redis;

namespace Marketplace.EventBus.Redis;

/// <summary>One stream entry handed to this consumer, with how many times it has been delivered (1 = first).</summary>
public sealed record StreamDelivery(string Stream, RedisValue Id, IReadOnlyDictionary<string, RedisValue> Fields, int Attempt)
{
    public RedisValue Field(string name) => Fields.TryGetValue(name, out var value) ? value : RedisValue.Null;

    /// <summary>Reads <c>[id, [field, value, ...]]</c> as returned by XREADGROUP and XCLAIM.</summary>
    internal static StreamDelivery? FromEntry(string stream, RedisResult entry, int attempt)
    {
        var parts = (RedisResult[])entry!;
        if (parts is null || parts.Length < 2 || parts[1].IsNull)
        {
            return null;
        }

        var flat = (RedisResult[])parts[1]!;
        var fields = new Dictionary<string, RedisValue>(flat.Length / 2, StringComparer.Ordinal);
        for (int i = 0; i + 1 < flat.Length; i += 2)
        {
            fields[(string)flat[i]!] = (RedisValue)flat[i + 1];
        }

        return new StreamDelivery(stream, (RedisValue)parts[0], fields, attempt);
    }
}
