using System.Globalization;
using System.Text.Json;
using Marketplace.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Marketplace.EventBus.Redis;

/// <summary>
/// The Redis transport's receiving side: the app's consumer group (named after the app id) reads
/// every subscribed topic stream; each entry's <c>data</c> goes through the
/// <see cref="EventDispatcher"/>; success is acknowledged with XACK; a drop, or a failure on the
/// last allowed attempt, moves the entry to the app's dead-letter topic with the error; other
/// failures stay pending and are redelivered after the processing timeout.
/// </summary>
public sealed class RedisStreamsConsumer(
    EventBusContext context,
    EventHandlerTable handlers,
    EventDispatcher dispatcher,
    RedisConnection redis,
    PlatformOptions platform,
    ILogger<RedisStreamsConsumer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (handlers.Topics.Count == 0 || context.Options.Transport != EventBusTransport.Redis)
        {
            return;
        }

        // Yield so that host start-up is not held by the first connection attempt.
        await Task.Yield();
        var reader = new StreamGroupReader(
            context.AppId,
            context.ConsumerName,
            handlers.Topics,
            context.Options,
            () => DedicatedConnection.Connect(platform.Redis, context.Options),
            redis.Database,
            logger);
        logger.LogInformation("Consuming {Topics} as {Group}/{Consumer}", string.Join(",", handlers.Topics), context.AppId, context.ConsumerName);
        try
        {
            await reader.RunAsync(HandleBatchAsync, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: unacknowledged entries stay pending and are redelivered.
        }
    }

    /// <summary>
    /// Handles a batch in lanes, one per subject (the entity an event is about: an order, a
    /// conversation, a seller), up to <see cref="EventBusOptions.Workers"/> lanes at a time, then
    /// acks the successes together. A lane's events run one after the other in stream order: two
    /// events of one order (placed and completed, read in the same batch) would otherwise read the
    /// same records at once, and all but one of their commits would conflict and run again.
    /// </summary>
    private async Task HandleBatchAsync(IReadOnlyList<StreamDelivery> batch, CancellationToken cancellationToken)
    {
        var succeeded = new List<StreamDelivery>(batch.Count);
        await Parallel.ForEachAsync(
            Lanes(batch),
            new ParallelOptions { MaxDegreeOfParallelism = context.Options.Workers, CancellationToken = cancellationToken },
            async (lane, ct) =>
            {
                foreach (var (delivery, read) in lane)
                {
                    var result = read.Envelope is { } envelope ? await dispatcher.DispatchAsync(delivery.Stream, envelope, "redis", ct) : read.Refused!;
                    if (result.Status == DeliveryStatus.Success)
                    {
                        lock (succeeded)
                        {
                            succeeded.Add(delivery);
                        }
                    }
                    else if (result.Status == DeliveryStatus.Drop || delivery.Attempt >= context.Options.MaxAttempts)
                    {
                        await DeadLetterAsync(delivery, result);
                    }
                    else
                    {
                        EventBusTelemetry.Retried.Add(1, EventBusTelemetry.Tags(delivery.Stream, result.Type));
                    }
                }
            });

        var database = redis.Database;
        foreach (var group in succeeded.GroupBy(d => d.Stream, StringComparer.Ordinal))
        {
            await database.StreamAcknowledgeAsync(group.Key, context.AppId, [.. group.Select(d => d.Id)]);
        }
    }

    /// <summary>
    /// The batch's entries read and put in lanes by subject, each lane in stream order, the lanes in
    /// the order of their first entry. An entry without a subject, or that cannot be read (it is
    /// refused with its reason), is a lane of its own.
    /// </summary>
    private List<List<(StreamDelivery Delivery, Read Read)>> Lanes(IReadOnlyList<StreamDelivery> batch)
    {
        var lanes = new List<List<(StreamDelivery, Read)>>(batch.Count);
        var bySubject = new Dictionary<string, List<(StreamDelivery, Read)>>(StringComparer.Ordinal);
        foreach (var delivery in batch)
        {
            var read = ReadEntry(delivery);
            if (read.Envelope?.Subject is { Length: > 0 } subject)
            {
                if (!bySubject.TryGetValue(subject, out var lane))
                {
                    lane = [];
                    bySubject.Add(subject, lane);
                    lanes.Add(lane);
                }

                lane.Add((delivery, read));
            }
            else
            {
                lanes.Add([(delivery, read)]);
            }
        }

        return lanes;
    }

    /// <summary>An entry's envelope, or why it is refused without reaching a handler.</summary>
    private readonly record struct Read(CloudEvent? Envelope, DeliveryResult? Refused);

    private Read ReadEntry(StreamDelivery delivery)
    {
        if (delivery.Attempt > context.Options.MaxAttempts)
        {
            return new Read(null, new DeliveryResult(DeliveryStatus.Drop,
                $"delivered {delivery.Attempt - 1} times without being acknowledged (MaxAttempts {context.Options.MaxAttempts})"));
        }

        var data = delivery.Field("data");
        if (data.IsNull)
        {
            return new Read(null, new DeliveryResult(DeliveryStatus.Drop, "the stream entry has no 'data' field"));
        }

        try
        {
            return new Read(CloudEvent.Parse(((byte[])data!).AsSpan()), null);
        }
        catch (MalformedEventException e)
        {
            return new Read(null, dispatcher.Malformed(delivery.Stream, e));
        }
    }

    private async Task DeadLetterAsync(StreamDelivery delivery, DeliveryResult result)
    {
        string error = result.Error ?? "unknown error";
        string topic = Names.DeadLetterTopic(context.AppId);
        var metadata = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["error"] = error,
            ["topic"] = delivery.Stream,
            ["entryId"] = (string)delivery.Id!,
            ["consumer"] = context.AppId,
            ["attempts"] = delivery.Attempt.ToString(CultureInfo.InvariantCulture),
            ["metadata"] = (string?)delivery.Field("metadata") ?? "",
        });
        var data = delivery.Field("data");
        long moved;
        try
        {
            moved = (long)await redis.Database.ScriptEvaluateAsync(
                DeadLetterScript.Text,
                [delivery.Stream, topic],
                [context.AppId, delivery.Id, context.Options.MaxLenApprox, data.IsNull ? RedisValue.EmptyString : data, metadata]);
        }
        catch (RedisServerException e)
        {
            // Nothing was written (the script checks before it acknowledges): the entry stays pending
            // and is tried again at the next reclaim, while the rest of the batch is acknowledged.
            logger.LogError("Event {EventId} (entry {EntryId} of {Topic}) could not be moved to {DeadLetterTopic}: {Error}; it stays pending",
                result.EventId ?? "?", (string)delivery.Id!, delivery.Stream, topic, e.Message);
            return;
        }

        if (moved == 1)
        {
            EventBusTelemetry.DeadLettered.Add(1, EventBusTelemetry.Tags(delivery.Stream, result.Type));
            logger.LogError("Event {EventId} (entry {EntryId} of {Topic}) went to {DeadLetterTopic} after {Attempts} attempts: {Error}",
                result.EventId ?? "?", (string)delivery.Id!, delivery.Stream, topic, delivery.Attempt, error);
        }
    }
}
