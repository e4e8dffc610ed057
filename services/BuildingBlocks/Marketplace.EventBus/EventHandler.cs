using Google.Protobuf;

namespace Marketplace.EventBus;

/// <summary>
/// Handles one event type. Implementations derive from <see cref="EventHandler{TPayload}"/>;
/// this non-generic face lets the dispatcher hold them in one table.
/// </summary>
public interface IEventHandler
{
    /// <summary>The catalogue event type this handler takes.</summary>
    string EventType { get; }

    /// <summary>The payload message this handler expects (checked against the catalogue at start-up).</summary>
    Google.Protobuf.Reflection.MessageDescriptor PayloadDescriptor { get; }

    /// <summary>Stages the event's effect on <paramref name="work"/>; the bus commits it with the event's "processed" marker.</summary>
    Task HandleAsync(CloudEvent envelope, IMessage payload, UnitOfWork work, CancellationToken cancellationToken);
}

/// <summary>
/// Base of a small class that handles one event type. The bus calls it at least once per event,
/// in any order relative to other events: read what you need through <paramref name="work"/>
/// (never directly), stage writes and follow-up events, and let the bus commit them atomically
/// with the event's id, so a redelivery or a duplicate publish changes nothing.
/// Throw <see cref="MalformedEventException"/> for an event that can never succeed (it goes to
/// the dead-letter topic); any other exception means "try again later".
/// </summary>
public abstract class EventHandler<TPayload> : IEventHandler
    where TPayload : class, IMessage<TPayload>, new()
{
    public abstract string EventType { get; }

    public Google.Protobuf.Reflection.MessageDescriptor PayloadDescriptor { get; } = new TPayload().Descriptor;

    protected abstract Task HandleAsync(CloudEvent envelope, TPayload payload, UnitOfWork work, CancellationToken cancellationToken);

    Task IEventHandler.HandleAsync(CloudEvent envelope, IMessage payload, UnitOfWork work, CancellationToken cancellationToken) =>
        HandleAsync(envelope, (TPayload)payload, work, cancellationToken);
}
