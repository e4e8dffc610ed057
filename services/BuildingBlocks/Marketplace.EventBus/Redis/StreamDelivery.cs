using StackExchange.Redis;

namespace Marketplace.EventBus.Redis;

/// <summary>One stream entry handed to this consumer, with how many times it has been delivered (1 = first).</summary>
public sealed record StreamDelivery(string Stream, StreamEntry Entry, int Attempt)
{
    public RedisValue Id => Entry.Id;

    /// <summary>A field of the entry by name (field order is not fixed), or <see cref="RedisValue.Null"/>.</summary>
    public RedisValue Field(string name) => Entry.IsNull ? RedisValue.Null : Entry[name];
}
