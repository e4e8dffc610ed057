namespace Marketplace.EventBus;

/// <summary>
/// The app's handlers by event type, checked against the catalogue once at start-up: every
/// handled type exists, carries the handler's payload message, and has exactly one handler.
/// Its topics are the app's subscriptions.
/// </summary>
public sealed class EventHandlerTable
{
    private readonly Dictionary<string, IEventHandler> _byType = new(StringComparer.Ordinal);

    public EventHandlerTable(EventCatalogue catalogue, IEnumerable<IEventHandler> handlers)
    {
        foreach (var handler in handlers)
        {
            if (!catalogue.TryGet(handler.EventType, out var info))
            {
                throw new InvalidOperationException($"{handler.GetType().Name} handles '{handler.EventType}', which is not in the event catalogue.");
            }

            if (info.Descriptor != handler.PayloadDescriptor)
            {
                throw new InvalidOperationException(
                    $"{handler.GetType().Name} expects {handler.PayloadDescriptor.FullName}, but '{info.Type}' carries {info.Descriptor.FullName}.");
            }

            if (!_byType.TryAdd(handler.EventType, handler))
            {
                throw new InvalidOperationException(
                    $"'{handler.EventType}' has two handlers: {_byType[handler.EventType].GetType().Name} and {handler.GetType().Name}.");
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

    /// <summary>Handled event types per subscribed topic.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> TypesByTopic { get; }

    public bool TryGet(string type, out IEventHandler handler) => _byType.TryGetValue(type, out handler!);
}
