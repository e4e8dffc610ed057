using Google.Protobuf.Reflection;
using Marketplace.Contracts.Common.V1;
using Marketplace.EventBus;

namespace Marketplace.Platform;

/// <summary>
/// The platform's event catalogue, read from protos/: every payload message declares its topic
/// and CloudEvents type with the <c>event_topic</c> / <c>event_type</c> options
/// (marketplace/common/v1/events.proto), so names are written once, in the contract.
/// </summary>
public static class PlatformEvents
{
    /// <summary>The files that define event payloads, one per publishing domain.</summary>
    public static IReadOnlyList<FileDescriptor> Files { get; } =
    [
        Contracts.Orders.V1.OrdersEventsReflection.Descriptor,
        Contracts.Messaging.V1.MessagingEventsReflection.Descriptor,
        Contracts.Reviews.V1.ReviewsEventsReflection.Descriptor,
        Contracts.Scoring.V1.ScoringEventsReflection.Descriptor,
    ];

    public static EventCatalogue Catalogue { get; } = Build(Files);

    /// <summary>Topic names, as declared in the contracts.</summary>
    public static class Topics
    {
        public const string Orders = "orders";
        public const string Messaging = "messaging";
        public const string Reviews = "reviews";
        public const string Scoring = "scoring";
    }

    /// <summary>The CloudEvents type of a payload message, from its <c>event_type</c> option.</summary>
    public static string TypeOf(MessageDescriptor descriptor) =>
        descriptor.GetOptions()?.GetExtension(EventsExtensions.EventType) is { Length: > 0 } type
            ? type
            : throw new ArgumentException($"{descriptor.FullName} is not an event payload (no event_type option).", nameof(descriptor));

    public static EventCatalogue Build(IEnumerable<FileDescriptor> files)
    {
        var catalogue = new EventCatalogue();
        foreach (var message in files.SelectMany(file => file.MessageTypes))
        {
            var options = message.GetOptions();
            string topic = options?.GetExtension(EventsExtensions.EventTopic) ?? "";
            string type = options?.GetExtension(EventsExtensions.EventType) ?? "";
            if (topic.Length > 0 && type.Length > 0)
            {
                catalogue.Add(topic, type, message);
            }
        }

        return catalogue;
    }
}
