using Dapr.Client;
using Grpc.Core;
using Marketplace.EventBus.Outbox;
using Marketplace.EventBus.Redis;
using Marketplace.Hosting;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using StackExchange.Redis;

namespace Marketplace.EventBus.Dapr;

/// <summary>
/// Relays outbox entries through the sidecar with <see cref="DaprClient.PublishByteEventAsync"/>
/// (gRPC <c>PublishEvent</c>), handing it the stored CloudEvent bytes as
/// <c>application/cloudevents+json</c> so the sidecar keeps our envelope and id. Each entry is
/// decided on its own:
/// <list type="bullet">
/// <item>published → acknowledged and deleted from the outbox (a crash in between publishes the
/// same CloudEvent id again, which consumers ignore);</item>
/// <item>refused for good (InvalidArgument, NotFound, PermissionDenied, FailedPrecondition,
/// OutOfRange) → parked in <c>&lt;appid&gt;:outbox.deadletter</c> with the error, atomically with
/// its removal from the outbox, and logged; the other entries go on;</item>
/// <item>anything else (sidecar unreachable, Unavailable, Internal, …) → retried with exponential
/// backoff, then left pending (with the rest of the batch) for the next reclaim.</item>
/// </list>
/// </summary>
public sealed class DaprOutboxTransport(DaprClient dapr, RedisConnection redis, EventBusContext context, ILogger<DaprOutboxTransport> logger)
    : IOutboxTransport
{
    private static readonly StatusCode[] Permanent =
        [StatusCode.InvalidArgument, StatusCode.NotFound, StatusCode.PermissionDenied, StatusCode.FailedPrecondition, StatusCode.OutOfRange];

    private readonly ResiliencePipeline _retry = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(e => !IsPermanent(e) && e is not OperationCanceledException),
            MaxRetryAttempts = 5,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(100),
            OnRetry = retry =>
            {
                logger.LogWarning("Publishing to the Dapr sidecar failed ({Error}); retry {Attempt}", Describe(retry.Outcome.Exception), retry.AttemptNumber + 1);
                return ValueTask.CompletedTask;
            },
        })
        .AddTimeout(TimeSpan.FromSeconds(30))
        .Build();

    public async Task RelayAsync(IReadOnlyList<StreamDelivery> entries, CancellationToken cancellationToken)
    {
        var published = new List<RedisValue> { Names.RelayGroup };
        try
        {
            foreach (var entry in entries)
            {
                string topic = (string?)entry.Field("topic") ?? "";
                var data = entry.Field("data");
                try
                {
                    await _retry.ExecuteAsync(
                        async ct => await dapr.PublishByteEventAsync(
                            context.Options.PubSubName, topic, (byte[])data!, CloudEvent.MediaType, cancellationToken: ct),
                        cancellationToken);
                    published.Add(entry.Id);
                }
                catch (Exception e) when (IsPermanent(e))
                {
                    await OutboxParking.ParkAsync(redis.Database, context, logger, entry, topic, Describe(e));
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    // The sidecar keeps failing: keep this entry and the rest of the batch for the next reclaim.
                    logger.LogWarning("Outbox entry {EntryId} and those after it stay in the outbox: the Dapr sidecar keeps failing ({Error})",
                        (string)entry.Id!, Describe(e));
                    break;
                }
            }
        }
        finally
        {
            if (published.Count > 1)
            {
                await redis.Database.ScriptEvaluateAsync(OutboxScripts.AckAndDelete, [Names.OutboxKey(context.AppId)], [.. published]);
            }
        }
    }

    private static bool IsPermanent(Exception e) => FindRpc(e) is { } rpc && Permanent.Contains(rpc.StatusCode);

    private static RpcException? FindRpc(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is RpcException rpc)
            {
                return rpc;
            }
        }

        return null;
    }

    private static string Describe(Exception? e) =>
        FindRpc(e) is { } rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : e is null ? "unknown" : $"{e.GetType().Name}: {e.Message}";
}
