namespace Marketplace.EventBus;

/// <summary>
/// The app's handlers by event type, checked against the catalogue once at start-up: a
/// one-type handler's type exists and carries its payload message, a many-type handler takes at
/// least one type, and every type has at most one handler. Its topics are the app's subscriptions.
/// </summary>
public sealed class EventHandlerTable
{
    private readonly Dictionary<string, IEventHandler> _byType = new(StringComparer.Ordinal);

    public EventHandlerTable(EventCatalogue catalogue, IEnumerable<IEventHandler> handlers)
    {
        foreach (var handler in handlers)
        {
            if (handler is ISingleTypeEventHandler single)
            {
                if (!catalogue.TryGet(single.EventType, out var info))
                {
                    throw new InvalidOperationException($"{Name(handler)} handles '{single.EventType}', which is not in the event catalogue.");
                }

                if (info.Descriptor != single.PayloadDescriptor)
                {
                    throw new InvalidOperationException(
                        $"{Name(handler)} expects {single.PayloadDescriptor.FullName}, but '{info.Type}' carries {info.Descriptor.FullName}.");
                }
            }

            var types = catalogue.Types.Where(handler.Handles).ToList();
            if (types.Count == 0)
            {
                throw new InvalidOperationException($"{Name(handler)} handles no event type of the catalogue.");
            }

            foreach (var type in types)
            {
                if (!_byType.TryAdd(type.Type, handler))
                {
                    throw new InvalidOperationException($"'{type.Type}' has two handlers: {Name(_byType[type.Type])} and {Name(handler)}.");
                }
            }
        }

        Topics = _byType.Keys.Select(type => catalogue.Get(type).Topic).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        TypesByTopic = Topics.ToDictionary(
            topic => topic,
            topic => (IReadOnlyList<string>)_byType.Keys.Where(type => catalogue.Get(type).Topic == topic).Order(StringComparer.Ordinal).ToArray(),
            StringComparer.Ordinal);
    }

    /// <summary>Topics the app subscribes to, sorted.</summary>
    public IReadOnlyList<string> Topics { get; }

    /// <summary>Handled event types per subscribed topic, sorted.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> TypesByTopic { get; }

    public bool TryGet(string type, out IEventHandler handler) => _byType.TryGetValue(type, out handler!);

    private static string Name(IEventHandler handler) => handler.GetType().Name;
}
