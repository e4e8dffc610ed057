using Google.Protobuf;

namespace Marketplace.Domain;

/// <summary>
/// The answer to a command: either the new state and the events to publish with it (written
/// atomically by the store), or a <see cref="Rejection"/>. Events are the protobuf payloads
/// from protos/, so what the domain decides is exactly what goes on the wire.
/// </summary>
public sealed class Decision<T>
    where T : class
{
    private Decision(T? state, IReadOnlyList<IMessage> events, Rejection? rejection)
    {
        State = state;
        Events = events;
        Rejection = rejection;
    }

    /// <summary>The new state; null when rejected.</summary>
    public T? State { get; }

    /// <summary>Events to publish, in order; empty when rejected or when nothing changed.</summary>
    public IReadOnlyList<IMessage> Events { get; }

    /// <summary>Why the command was refused; null when accepted.</summary>
    public Rejection? Rejection { get; }

    public bool IsAccepted => Rejection is null;

    public static Decision<T> Accept(T state, IReadOnlyList<IMessage> events) => new(state, events, null);

    public static Decision<T> Reject(Rejection rejection) => new(null, [], rejection);

    public static implicit operator Decision<T>(Rejection rejection) => Reject(rejection);
}
