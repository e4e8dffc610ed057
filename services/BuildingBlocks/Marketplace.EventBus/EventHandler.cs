using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Marketplace.EventBus;

/// <summary>
/// What the dispatcher hands events to. Implementations derive from <see cref="EventHandler{TPayload}"/>
/// (one event type) or <see cref="SnapshotEventHandler{TSnapshot}"/> (every type of a topic that
/// carries a given snapshot), or implement this interface to choose their types themselves.
/// </summary>
public interface IEventHandler
{
    /// <summary>
    /// Whether this handler takes events of <paramref name="type"/>. Asked once per catalogue type
    /// at start-up: the answers build the app's subscriptions, and each type may have one handler only.
    /// </summary>
    bool Handles(EventTypeInfo type);

    /// <summary>Stages the event's effect on <paramref name="work"/>; the bus commits it with the event's "processed" marker.</summary>
    Task HandleAsync(CloudEvent envelope, IMessage payload, UnitOfWork work, CancellationToken cancellationToken);
}

/// <summary>A handler of exactly one event type, checked by name and payload message against the catalogue at start-up.</summary>
public interface ISingleTypeEventHandler : IEventHandler
{
    /// <summary>The catalogue event type this handler takes.</summary>
    string EventType { get; }

    /// <summary>The payload message this handler expects.</summary>
    MessageDescriptor PayloadDescriptor { get; }
}

/// <summary>
/// Base of a small class that handles one event type. The bus calls it at least once per event,
/// in any order relative to other events: read what you need through <paramref name="work"/>
/// (never directly), stage writes and follow-up events, and let the bus commit them atomically
/// with the event's id, so a redelivery or a duplicate publish changes nothing.
/// Throw <see cref="MalformedEventException"/> for an event that can never succeed (it goes to
/// the dead-letter topic); any other exception means "try again later".
/// </summary>
public abstract class EventHandler<TPayload> : ISingleTypeEventHandler
    where TPayload : class, IMessage<TPayload>, new()
{
    public abstract string EventType { get; }

    public MessageDescriptor PayloadDescriptor { get; } = new TPayload().Descriptor;

    public bool Handles(EventTypeInfo type) => type.Type == EventType;

    protected abstract Task HandleAsync(CloudEvent envelope, TPayload payload, UnitOfWork work, CancellationToken cancellationToken);

    Task IEventHandler.HandleAsync(CloudEvent envelope, IMessage payload, UnitOfWork work, CancellationToken cancellationToken) =>
        HandleAsync(envelope, (TPayload)payload, work, cancellationToken);
}

/// <summary>
/// One handler for every event type of <paramref name="topic"/> whose payload has a field named
/// <paramref name="field"/> of message type <typeparamref name="TSnapshot"/> (e.g. every
/// <c>orders.*</c> event carries the whole order in <c>order</c>). The set is taken from the
/// catalogue at start-up, so a new event type of that shape is handled without touching the
/// handler or its registration. An event whose snapshot field is unset is malformed.
/// </summary>
public abstract class SnapshotEventHandler<TSnapshot>(string topic, string field) : IEventHandler
    where TSnapshot : class, IMessage<TSnapshot>, new()
{
    private static readonly MessageDescriptor SnapshotDescriptor = new TSnapshot().Descriptor;

    public string Topic { get; } = topic;

    public string Field { get; } = field;

    public bool Handles(EventTypeInfo type) => type.Topic == Topic && SnapshotField(type.Descriptor) is not null;

    /// <summary>Stages the effect of one snapshot (the event's <see cref="CloudEvent.Type"/> says which change it was).</summary>
    protected abstract Task HandleAsync(CloudEvent envelope, TSnapshot snapshot, UnitOfWork work, CancellationToken cancellationToken);

    Task IEventHandler.HandleAsync(CloudEvent envelope, IMessage payload, UnitOfWork work, CancellationToken cancellationToken) =>
        SnapshotField(payload.Descriptor)?.Accessor.GetValue(payload) is TSnapshot snapshot
            ? HandleAsync(envelope, snapshot, work, cancellationToken)
            : throw new MalformedEventException($"{envelope.Type} event {envelope.Id} has no '{Field}' snapshot.");

    private FieldDescriptor? SnapshotField(MessageDescriptor payload) =>
        payload.FindFieldByName(Field) is { FieldType: FieldType.Message, IsRepeated: false } found && found.MessageType == SnapshotDescriptor
            ? found
            : null;
}
