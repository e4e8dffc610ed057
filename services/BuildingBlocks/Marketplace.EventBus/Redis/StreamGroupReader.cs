using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Marketplace.EventBus.Redis;

/// <summary>
/// Reads streams as one consumer of a consumer group the way Dapr's <c>pubsub.redis</c> does:
/// <c>XGROUP CREATE … 0 MKSTREAM</c>, then <c>XREADGROUP … COUNT BLOCK … &gt;</c> on a dedicated
/// connection (a blocking read would stall the shared multiplexer), and every redeliver interval
/// <c>XPENDING … IDLE</c> + <c>XCLAIM</c> of entries idle past the processing timeout, which are
/// handed over again with their delivery count. Acknowledging is the handler's job. Entries this
/// consumer is still handling are never reclaimed by it: a batch slower than the processing
/// timeout is not handed over a second time, nor counted as another delivery.
/// Everything but the blocking read goes through StackExchange.Redis's Streams API.
/// </summary>
public sealed class StreamGroupReader(
    string group,
    string consumer,
    IReadOnlyList<string> streams,
    EventBusOptions options,
    Func<ConnectionMultiplexer> connectDedicated,
    IDatabase shared,
    ILogger logger)
{
    private static readonly TimeSpan FailureBackoff = TimeSpan.FromSeconds(1);

    /// <summary>(stream, entry id) of every entry handed to the handler and not yet returned.</summary>
    private readonly ConcurrentDictionary<(string Stream, string Id), byte> _inFlight = new();

    /// <summary>Reads and reclaims until <paramref name="cancellationToken"/> fires, calling <paramref name="handle"/> per batch.</summary>
    public async Task RunAsync(Func<IReadOnlyList<StreamDelivery>, CancellationToken, Task> handle, CancellationToken cancellationToken)
    {
        using var reclaimStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reclaim = Task.Run(() => ReclaimLoopAsync(handle, reclaimStop.Token), CancellationToken.None);
        try
        {
            await ReadLoopAsync(handle, cancellationToken);
        }
        finally
        {
            await reclaimStop.CancelAsync();
            try
            {
                await reclaim;
            }
            catch (OperationCanceledException)
            {
                // Stopping.
            }
        }
    }

    /// <summary>Creates the group on every stream (from the start of the stream), ignoring BUSYGROUP.</summary>
    public async Task EnsureGroupsAsync()
    {
        foreach (string stream in streams)
        {
            try
            {
                await shared.StreamCreateConsumerGroupAsync(stream, group, StreamPosition.Beginning, createStream: true);
            }
            catch (RedisServerException e) when (e.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
            {
                // The group exists: another instance or an earlier run created it.
            }
        }
    }

    private async Task ReadLoopAsync(Func<IReadOnlyList<StreamDelivery>, CancellationToken, Task> handle, CancellationToken cancellationToken)
    {
        object[] command = BlockingGroupRead.Command(group, consumer, options.QueueDepth, options.ReadTimeoutMs, streams);
        ConnectionMultiplexer? connection = null;
        try
        {
            bool groupsReady = false;
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    if (!groupsReady)
                    {
                        await EnsureGroupsAsync();
                        groupsReady = true;
                    }

                    connection ??= connectDedicated();
                    var reply = await connection.GetDatabase().ExecuteAsync("XREADGROUP", command).WaitAsync(cancellationToken);
                    var batch = BlockingGroupRead.Parse(reply);
                    if (batch.Count > 0)
                    {
                        await HandleTrackedAsync(handle, batch, cancellationToken);
                    }
                }
                catch (RedisServerException e) when (e.Message.StartsWith("NOGROUP", StringComparison.Ordinal))
                {
                    logger.LogWarning("Consumer group {Group} is gone ({Error}); recreating it", group, e.Message);
                    groupsReady = false;
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    // Unacknowledged entries stay pending and come back through the reclaim loop.
                    logger.LogWarning(e, "Reading {Streams} as {Group}/{Consumer} failed; retrying", string.Join(",", streams), group, consumer);
                    groupsReady = false;
                    await Task.Delay(FailureBackoff, cancellationToken);
                }
            }
        }
        finally
        {
            // Close without waiting for the blocked XREADGROUP to time out: on shutdown its
            // entries stay unread (or pending, for a batch in flight) and come back later.
            connection?.Close(allowCommandsToComplete: false);
            connection?.Dispose();
        }
    }

    private async Task ReclaimLoopAsync(Func<IReadOnlyList<StreamDelivery>, CancellationToken, Task> handle, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.RedeliverInterval);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            foreach (string stream in streams)
            {
                try
                {
                    await ReclaimAsync(stream, handle, cancellationToken);
                    await RecordBacklogAsync(stream);
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    logger.LogWarning(e, "Reclaiming pending entries of {Stream} failed; trying again next interval", stream);
                }
            }
        }
    }

    /// <summary>Claims entries of <paramref name="stream"/> idle past the processing timeout and hands them over again.</summary>
    public async Task ReclaimAsync(string stream, Func<IReadOnlyList<StreamDelivery>, CancellationToken, Task> handle, CancellationToken cancellationToken)
    {
        long minIdle = options.ProcessingTimeoutMs;
        while (!cancellationToken.IsCancellationRequested)
        {
            var pending = await shared.StreamPendingMessagesAsync(stream, group, options.QueueDepth, RedisValue.Null, minIdleTimeInMs: minIdle);
            if (pending.Length == 0)
            {
                return;
            }

            var deliveries = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var row in pending)
            {
                string id = (string)row.MessageId!;
                if (row.ConsumerName == consumer && _inFlight.ContainsKey((stream, id)))
                {
                    continue; // still being handled here: idle in Redis, not abandoned
                }

                deliveries[id] = row.DeliveryCount;
            }

            if (deliveries.Count == 0)
            {
                return;
            }

            var claimed = await shared.StreamClaimAsync(stream, group, consumer, minIdle, [.. deliveries.Keys.Select(id => (RedisValue)id)]);
            var batch = new List<StreamDelivery>(claimed.Length);
            foreach (var entry in claimed)
            {
                // Someone else may have claimed an id in between; XCLAIM then leaves it out.
                if (entry.IsNull || entry.Values is null)
                {
                    continue;
                }

                deliveries.Remove((string)entry.Id!, out int count);
                batch.Add(new StreamDelivery(stream, entry, count + 1));
            }

            await AcknowledgeTrimmedAsync(stream, deliveries.Keys);
            if (batch.Count == 0)
            {
                return;
            }

            logger.LogInformation("Redelivering {Count} entries of {Stream} idle longer than {Timeout} ms", batch.Count, stream, minIdle);
            await HandleTrackedAsync(handle, batch, cancellationToken);
            if (pending.Length < options.QueueDepth)
            {
                return;
            }
        }
    }

    private async Task HandleTrackedAsync(Func<IReadOnlyList<StreamDelivery>, CancellationToken, Task> handle, IReadOnlyList<StreamDelivery> batch, CancellationToken cancellationToken)
    {
        foreach (var delivery in batch)
        {
            _inFlight.TryAdd((delivery.Stream, (string)delivery.Id!), 0);
        }

        try
        {
            await handle(batch, cancellationToken);
        }
        finally
        {
            foreach (var delivery in batch)
            {
                _inFlight.TryRemove((delivery.Stream, (string)delivery.Id!), out _);
            }
        }
    }

    /// <summary>Acks pending ids whose entries were trimmed from the stream (as Dapr does), so they stop being claimed.</summary>
    private async Task AcknowledgeTrimmedAsync(string stream, IEnumerable<string> unclaimed)
    {
        foreach (string id in unclaimed)
        {
            if ((await shared.StreamRangeAsync(stream, id, id)).Length == 0)
            {
                await shared.StreamAcknowledgeAsync(stream, group, id);
            }
        }
    }

    /// <summary>Feeds the lag and pending gauges from XINFO GROUPS.</summary>
    private async Task RecordBacklogAsync(string stream)
    {
        foreach (var info in await shared.StreamGroupInfoAsync(stream))
        {
            if (info.Name == group)
            {
                EventBusTelemetry.RecordBacklog(stream, group, info.Lag ?? 0, info.PendingMessageCount);
            }
        }
    }
}
