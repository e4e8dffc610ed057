using Marketplace.EventBus.Outbox;
using Marketplace.EventBus.Redis;
using Marketplace.Hosting;
using Microsoft.Extensions.Logging;
using Polly.Timeout;
using StackExchange.Redis;

namespace Marketplace.EventBus.Dapr;

/// <summary>
/// Relays outbox entries through the sidecar's publish API, then acknowledges and deletes the
/// entries that were published. A crash between the publish and the delete publishes the event
/// again later, with the same CloudEvent id, which consumers ignore.
/// </summary>
public sealed class DaprOutboxTransport(DaprPublisher publisher, RedisConnection redis, EventBusContext context, ILogger<DaprOutboxTransport> logger)
    : IOutboxTransport
{
    private const string AckAndDelete = """
        for i = 2, #ARGV do
          if redis.call('XACK', KEYS[1], ARGV[1], ARGV[i]) == 1 then redis.call('XDEL', KEYS[1], ARGV[i]) end
        end
        return 0
        """;

    public async Task RelayAsync(IReadOnlyList<StreamDelivery> entries, CancellationToken cancellationToken)
    {
        var published = new List<RedisValue> { Names.RelayGroup };
        foreach (var entry in entries)
        {
            try
            {
                await publisher.PublishAsync((string?)entry.Field("topic") ?? "", (byte[])entry.Field("data")!, cancellationToken);
                published.Add(entry.Id);
            }
            catch (DaprPublishException e)
            {
                logger.LogError("Outbox entry {EntryId} was not published and stays in the outbox: {Error}", (string)entry.Id!, e.Message);
            }
            catch (Exception e) when (e is HttpRequestException or TimeoutRejectedException)
            {
                // The sidecar is unreachable: keep the rest of the batch for the next attempt.
                logger.LogWarning("The Dapr sidecar is unreachable ({Error}); outbox entries from {EntryId} on stay in the outbox", e.Message, (string)entry.Id!);
                break;
            }
        }

        if (published.Count > 1)
        {
            await redis.Database.ScriptEvaluateAsync(AckAndDelete, [Names.OutboxKey(context.AppId)], [.. published]);
        }
    }
}
