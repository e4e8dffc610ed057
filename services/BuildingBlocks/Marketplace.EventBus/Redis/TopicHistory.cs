using StackExchange.Redis;

namespace Marketplace.EventBus.Redis;

/// <summary>
/// The retained entries of a topic stream in Dapr's <c>pubsub.redis</c> layout, oldest first, as
/// CloudEvents: what a replay or an audit reads (SPEC 6 "rebuild from the retained history").
/// Entries without a <c>data</c> field are skipped; a <c>data</c> that is not a CloudEvent throws
/// <see cref="MalformedEventException"/> (a dead-letter stream keeps such bytes as they came).
/// </summary>
public static class TopicHistory
{
    public static async Task<IReadOnlyList<(string EntryId, CloudEvent Event)>> ReadAsync(IDatabase database, string topic, string from = "-", string to = "+")
    {
        var entries = await database.StreamRangeAsync(topic, from, to);
        var events = new List<(string, CloudEvent)>(entries.Length);
        foreach (var entry in entries)
        {
            var data = entry["data"];
            if (!data.IsNull)
            {
                events.Add(((string)entry.Id!, CloudEvent.Parse(((byte[])data!).AsSpan())));
            }
        }

        return events;
    }
}
