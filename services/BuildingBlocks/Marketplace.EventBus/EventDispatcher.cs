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

/// <summary>The outcome of a delivery and, when it did not succeed, why.</summary>
public sealed record DeliveryResult(DeliveryStatus Status, string? Error = null)
{
    public static readonly DeliveryResult Success = new(DeliveryStatus.Success);
}

/// <summary>
/// Turns one delivered CloudEvent (raw bytes, from a stream entry or an HTTP body) into a
/// handler call inside a unit of work keyed by the event's source and id. Both transports
/// deliver through here, so they handle events identically.
/// </summary>
public sealed class EventDispatcher(EventBusContext context, EventHandlerTable handlers, UnitOfWorkExecutor executor, ILogger<EventDispatcher> logger)
{
    /// <summary>Handles one delivery. Throws only <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> fires.</summary>
    public async Task<DeliveryResult> DispatchAsync(string topic, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        CloudEvent envelope;
        try
        {
            envelope = CloudEvent.Parse(body.Span);
        }
        catch (MalformedEventException e)
        {
            logger.LogWarning("Dropping a malformed event on {Topic}: {Error}", topic, e.Message);
            return new DeliveryResult(DeliveryStatus.Drop, "malformed CloudEvent: " + e.Message);
        }

        if (!handlers.TryGet(envelope.Type, out var handler))
        {
            logger.LogDebug("Ignoring event {EventId} of type {Type} on {Topic}: no handler", envelope.Id, envelope.Type, topic);
            return DeliveryResult.Success;
        }

        try
        {
            var payload = envelope.ReadPayload(context.Catalogue.Get(envelope.Type));
            var outcome = await executor.ExecuteAsync(
                Names.EventOperation(envelope.Source, envelope.Id),
                (work, ct) => handler.HandleAsync(envelope, payload, work, ct),
                cancellationToken);
            logger.LogDebug("Event {EventId} ({Type}) {Outcome}", envelope.Id, envelope.Type, outcome.AlreadyDone ? "was already handled" : "handled");
            return DeliveryResult.Success;
        }
        catch (MalformedEventException e)
        {
            logger.LogWarning("Dropping event {EventId} ({Type}): {Error}", envelope.Id, envelope.Type, e.Message);
            return new DeliveryResult(DeliveryStatus.Drop, e.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Event {EventId} ({Type}) failed and will be retried", envelope.Id, envelope.Type);
            return new DeliveryResult(DeliveryStatus.Retry, $"{e.GetType().Name}: {e.Message}");
        }
    }
}
