using StackExchange.Redis;

namespace Marketplace.EventBus.Redis;

/// <summary>
/// The retained entries of a topic stream in Dapr's <c>pubsub.redis</c> layout, oldest first, as
/// CloudEvents: what a replay or an audit reads (SPEC 6 "rebuild from the retained history").
/// StackExchange.Redis 1.2.6 has no stream API, so this is a raw <c>XRANGE</c> reading the
/// <c>data</c> field by name.
/// </summary>
public static class TopicHistory
{
    public static async Task<IReadOnlyList<(string EntryId, CloudEvent Event)>> ReadAsync(IDatabase database, string topic, string from = "-", string to = "+")
    {
        var reply = (RedisResult[])(await database.ExecuteAsync("XRANGE", (RedisKey)topic, from, to))!;
        var events = new List<(string, CloudEvent)>(reply.Length);
        foreach (var entry in reply)
        {
            var parts = (RedisResult[])entry!;
            var fields = (RedisValue[])parts[1]!;
            for (int i = 0; i + 1 < fields.Length; i += 2)
            {
                if ((string?)fields[i] == "data")
                {
                    events.Add(((string)parts[0]!, CloudEvent.Parse(((byte[])fields[i + 1]!).AsSpan())));
                    break;
                }
            }
        }

        return events;
    }
}
