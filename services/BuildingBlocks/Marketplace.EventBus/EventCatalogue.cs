using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Marketplace.EventBus;

/// <summary>One event type: its wire name, the topic it travels on and the protobuf message of its payload.</summary>
public sealed record EventTypeInfo(string Type, string Topic, MessageDescriptor Descriptor);

/// <summary>
/// The explicit list of topics and event types a service knows, each type bound to its protobuf
/// payload. Names are strings written once (in the platform's catalogue of constants), never
/// derived from CLR type names, so renaming a class cannot change the wire contract.
/// </summary>
public sealed class EventCatalogue
{
    private readonly Dictionary<string, EventTypeInfo> _types = new(StringComparer.Ordinal);

    /// <summary>Registers <paramref name="type"/> on <paramref name="topic"/> with its payload parser.</summary>
    /// <exception cref="ArgumentException">A malformed name or a type registered twice.</exception>
    public EventCatalogue Add<TPayload>(string topic, string type, MessageParser<TPayload> parser)
        where TPayload : IMessage<TPayload>
    {
        ArgumentNullException.ThrowIfNull(parser);
        return Add(topic, type, parser.ParseFrom(ByteString.Empty).Descriptor);
    }

    /// <summary>Registers <paramref name="type"/> on <paramref name="topic"/> with its payload's descriptor.</summary>
    /// <exception cref="ArgumentException">A malformed name or a type registered twice.</exception>
    public EventCatalogue Add(string topic, string type, MessageDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        if (!Names.IsValidName(topic))
        {
            throw new ArgumentException($"Topic '{topic}' must be lowercase letters, digits, '-', '.' or '_'.", nameof(topic));
        }

        if (!Names.IsValidEventType(type))
        {
            throw new ArgumentException($"Event type '{type}' must look like '<domain>.<event>.v<n>'.", nameof(type));
        }

        if (_types.ContainsKey(type))
        {
            throw new ArgumentException($"Event type '{type}' is registered twice.", nameof(type));
        }

        _types.Add(type, new EventTypeInfo(type, topic, descriptor));
        return this;
    }

    public IReadOnlyCollection<EventTypeInfo> Types => _types.Values;

    public bool TryGet(string type, out EventTypeInfo info) => _types.TryGetValue(type, out info!);

    public EventTypeInfo Get(string type) =>
        _types.TryGetValue(type, out var info) ? info : throw new ArgumentException($"Event type '{type}' is not in the catalogue.", nameof(type));
}
