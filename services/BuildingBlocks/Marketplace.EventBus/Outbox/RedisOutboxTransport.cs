using Marketplace.EventBus.Redis;
using Marketplace.Hosting;
using StackExchange.Redis;

namespace Marketplace.EventBus.Outbox;

/// <summary>
/// Relays outbox entries to topic streams in Dapr's layout (<c>XADD &lt;topic&gt; MAXLEN ~ N * data … metadata …</c>).
/// One Lua script per batch acknowledges each outbox entry, appends it to its topic and deletes
/// it, only when this call did the acknowledging: a relay that crashed mid-batch, or two relays
/// racing on a reclaimed entry, still append every event exactly once.
/// </summary>
public sealed class RedisOutboxTransport(RedisConnection redis, EventBusContext context) : IOutboxTransport
{
    /// <summary>KEYS[1] outbox, KEYS[2..] topics; ARGV group, maxLen, then (id, topic key index, data, metadata) per entry.</summary>
    private const string Script = """
        local maxLen = tonumber(ARGV[2])
        local moved = 0
        for a = 3, #ARGV, 4 do
          local id, topic = ARGV[a], KEYS[tonumber(ARGV[a + 1])]
          if redis.call('XACK', KEYS[1], ARGV[1], id) == 1 then
            if maxLen > 0 then
              redis.call('XADD', topic, 'MAXLEN', '~', maxLen, '*', 'data', ARGV[a + 2], 'metadata', ARGV[a + 3])
            else
              redis.call('XADD', topic, '*', 'data', ARGV[a + 2], 'metadata', ARGV[a + 3])
            end
            redis.call('XDEL', KEYS[1], id)
            moved = moved + 1
          end
        end
        return moved
        """;

    public async Task RelayAsync(IReadOnlyList<StreamDelivery> entries, CancellationToken cancellationToken)
    {
        var keys = new List<RedisKey> { Names.OutboxKey(context.AppId) };
        var topicIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var args = new List<RedisValue>(2 + (entries.Count * 4)) { Names.RelayGroup, context.Options.MaxLenApprox };
        foreach (var entry in entries)
        {
            string topic = (string?)entry.Field("topic") ?? "";
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

        await redis.Database.ScriptEvaluateAsync(Script, [.. keys], [.. args]);
    }
}
