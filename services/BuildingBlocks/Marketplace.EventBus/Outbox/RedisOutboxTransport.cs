using Marketplace.EventBus.Redis;
using Marketplace.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Marketplace.EventBus.Outbox;

/// <summary>
/// Relays outbox entries to topic streams in Dapr's layout (<c>XADD &lt;topic&gt; MAXLEN ~ N * data … metadata …</c>).
/// One Lua script per batch acknowledges each outbox entry, appends it to its topic and deletes
/// it, only when this call did the acknowledging: a relay that crashed mid-batch, or two relays
/// racing on a reclaimed entry, still append every event exactly once. The script checks every
/// topic key before its first write; a topic key that is not a stream refuses the batch unchanged,
/// and that topic's entries are parked in <c>&lt;appid&gt;:outbox.deadletter</c> while the others are relayed.
/// </summary>
public sealed class RedisOutboxTransport(RedisConnection redis, EventBusContext context, ILogger<RedisOutboxTransport> logger) : IOutboxTransport
{
    public async Task RelayAsync(IReadOnlyList<StreamDelivery> entries, CancellationToken cancellationToken)
    {
        var remaining = entries.ToList();
        while (remaining.Count > 0)
        {
            var keys = new List<RedisKey> { Names.OutboxKey(context.AppId) };
            var topicIndex = new Dictionary<string, int>(StringComparer.Ordinal);
            var args = new List<RedisValue>(2 + (remaining.Count * 4)) { Names.RelayGroup, context.Options.MaxLenApprox };
            foreach (var entry in remaining)
            {
                string topic = TopicOf(entry);
                if (!topicIndex.TryGetValue(topic, out int index))
                {
                    keys.Add(topic);
                    index = keys.Count;
                    topicIndex.Add(topic, index);
                }

                args.Add(entry.Id);
                args.Add(index);
                args.Add(entry.Field("data"));
                args.Add(entry.Field("metadata"));
            }

            var reply = (RedisResult[])(await OutboxScripts.RelayScript.EvaluateAsync(redis.Database, [.. keys], [.. args]))!;
            if ((string?)reply[0] == "ok")
            {
                logger.LogDebug("Relayed {Count} outbox entries", (long)reply[1]);
                return;
            }

            // "wrongtype": nothing was written; that topic can never take an event until an operator fixes its key.
            string refused = (string)keys[(int)reply[1] - 1]!;
            string reason = $"WRONGTYPE: topic key {refused} is a {(string?)reply[2]}, not a stream";
            foreach (var entry in remaining.Where(e => TopicOf(e) == refused))
            {
                await OutboxParking.ParkAsync(redis.Database, context, logger, entry, refused, reason);
            }

            remaining.RemoveAll(e => TopicOf(e) == refused);
        }
    }

    private static string TopicOf(StreamDelivery entry) => (string?)entry.Field("topic") ?? "";
}
