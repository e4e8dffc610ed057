using Marketplace.EventBus.Redis;
using Marketplace.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Marketplace.EventBus.Outbox;

/// <summary>
/// Moves events from the app's outbox stream (written atomically with the state they describe)
/// to the bus. It reads the outbox as consumer group <c>relay</c>, so entries a crashed relay had
/// read but not passed on are reclaimed after the processing timeout by any running instance.
/// At least once: an event may be passed on twice (with the same CloudEvent id) but never lost.
/// </summary>
public sealed class OutboxRelay(
    EventBusContext context,
    IOutboxTransport transport,
    RedisConnection redis,
    PlatformOptions platform,
    ILogger<OutboxRelay> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var reader = new StreamGroupReader(
            Names.RelayGroup,
            context.ConsumerName,
            [Names.OutboxKey(context.AppId)],
            context.Options,
            () => DedicatedConnection.Connect(platform.Redis, context.Options),
            redis.Database,
            logger);
        try
        {
            await reader.RunAsync(RelayAsync, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what was not relayed stays in the outbox.
        }
    }

    private async Task RelayAsync(IReadOnlyList<StreamDelivery> entries, CancellationToken cancellationToken)
    {
        try
        {
            await transport.RelayAsync(entries, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The entries stay pending and are reclaimed after the processing timeout.
            logger.LogWarning(e, "Relaying {Count} outbox entries failed; they will be retried", entries.Count);
        }
    }
}
