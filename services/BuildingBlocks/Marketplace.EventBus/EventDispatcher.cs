using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Marketplace.EventBus;

/// <summary>What became of one delivery, in Dapr's words.</summary>
public enum DeliveryStatus
{
    /// <summary>Handled (or already handled, or a type this app ignores): acknowledge.</summary>
    Success,

    /// <summary>Failed for a reason that may pass: deliver again later.</summary>
    Retry,

    /// <summary>Can never be handled: send to the dead-letter topic.</summary>
    Drop,
}

/// <summary>The outcome of a delivery and, when it did not succeed, why; <see cref="Type"/> is the event's type when it could be read.</summary>
public sealed record DeliveryResult(DeliveryStatus Status, string? Error = null, string? EventId = null, string? Type = null)
{
    public static readonly DeliveryResult Success = new(DeliveryStatus.Success);
}

/// <summary>
/// Turns one delivered CloudEvent (read from a stream entry, or an envelope rebuilt from a
/// Dapr delivery) into a handler call inside a unit of work keyed by the event's source and id,
/// in a consumer activity that continues the event's trace. Both transports deliver through
/// here, so they handle events identically.
/// </summary>
public sealed class EventDispatcher(EventBusContext context, EventHandlerTable handlers, UnitOfWorkExecutor executor, ILogger<EventDispatcher> logger)
{
    /// <summary>A delivery whose envelope could not be read: dropped to the dead-letter topic.</summary>
    public DeliveryResult Malformed(string topic, MalformedEventException error)
    {
        logger.LogWarning("Dropping a malformed event on {Topic}: {Error}", topic, error.Message);
        return new DeliveryResult(DeliveryStatus.Drop, "malformed CloudEvent: " + error.Message);
    }

    /// <summary>Handles one delivered envelope. Throws only <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> fires.</summary>
    public async Task<DeliveryResult> DispatchAsync(string topic, CloudEvent envelope, string system, CancellationToken cancellationToken)
    {
        if (!handlers.TryGet(envelope.Type, out var handler))
        {
            logger.LogDebug("Ignoring event {EventId} of type {Type} on {Topic}: no handler", envelope.Id, envelope.Type, topic);
            return DeliveryResult.Success with { EventId = envelope.Id, Type = envelope.Type };
        }

        using var activity = EventBusTelemetry.StartProcess(topic, envelope, system);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["EventId"] = envelope.Id, ["EventType"] = envelope.Type, ["Topic"] = topic });
        try
        {
            var payload = envelope.ReadPayload(context.Catalogue.Get(envelope.Type));
            var outcome = await executor.ExecuteAsync(
                Names.EventOperation(envelope.Source, envelope.Id),
                (work, ct) => handler.HandleAsync(envelope, payload, work, ct),
                cancellationToken);
            logger.LogDebug("Event {EventId} ({Type}) {Outcome}", envelope.Id, envelope.Type, outcome.AlreadyDone ? "was already handled" : "handled");
            EventBusTelemetry.Handled.Add(1, EventBusTelemetry.Tags(topic, envelope.Type));
            return new DeliveryResult(DeliveryStatus.Success, null, envelope.Id, envelope.Type);
        }
        catch (MalformedEventException e)
        {
            logger.LogWarning("Dropping event {EventId} ({Type}): {Error}", envelope.Id, envelope.Type, e.Message);
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            return new DeliveryResult(DeliveryStatus.Drop, e.Message, envelope.Id, envelope.Type);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Event {EventId} ({Type}) failed and will be retried", envelope.Id, envelope.Type);
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            return new DeliveryResult(DeliveryStatus.Retry, $"{e.GetType().Name}: {e.Message}", envelope.Id, envelope.Type);
        }
    }
}
