using Google.Protobuf;
using Google.Protobuf.Reflection;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Orders.V1;
using Xunit;

namespace Marketplace.Orders.Tests;

/// <summary>
/// SPEC 6 and the event catalogue in protos/marketplace/common/v1/events.proto: every event
/// payload names its topic and `&lt;domain&gt;.&lt;event&gt;.v1` type once, in protos/.
/// </summary>
public sealed class EventCatalogueTests
{
    private static readonly string[] Topics = ["orders", "messaging", "reviews", "scoring"];

    // The catalogue as documented in protos/marketplace/common/v1/events.proto.
    private static readonly string[] Catalogue =
    [
        "orders.order_placed.v1", "orders.requirements_submitted.v1", "orders.work_started.v1",
        "orders.order_delivered.v1", "orders.revision_requested.v1", "orders.revision_declined.v1",
        "orders.order_completed.v1", "orders.order_cancelled.v1", "orders.resolution_opened.v1",
        "orders.resolution_accepted.v1", "orders.dispute_opened.v1", "orders.dispute_resolved.v1",
        "orders.support_contacted.v1",
        "messaging.conversation_started.v1", "messaging.message_sent.v1", "messaging.seller_unresponsive.v1",
        "messaging.buyer_unresponsive.v1", "messaging.review_requested.v1", "messaging.response_stats_changed.v1", "messaging.buyer_wait_ended.v1",
        "reviews.buyer_review_submitted.v1", "reviews.review_published.v1", "reviews.seller_review_submitted.v1",
        "reviews.seller_response_posted.v1", "reviews.seller_response_removed.v1", "reviews.review_removed.v1", "reviews.eligibility_revoked.v1",
        "reviews.review_window_opened.v1", "reviews.review_window_closed.v1",
        "scoring.seller_level_changed.v1", "scoring.low_performance_changed.v1",
    ];

    private static IEnumerable<MessageDescriptor> EventMessages() =>
        typeof(OrderPlaced).Assembly.GetTypes()
            .Where(t => typeof(IMessage).IsAssignableFrom(t) && !t.IsAbstract)
            .Select(t => (MessageDescriptor)t.GetProperty("Descriptor")!.GetValue(null)!)
            .Where(d => d.GetOptions()?.HasExtension(EventsExtensions.EventType) == true);

    [Fact]
    public void Spec6_every_event_type_is_domain_dot_event_dot_v1_on_its_domain_topic_and_unique()
    {
        var events = EventMessages().ToList();
        var types = events.Select(d => d.GetOptions().GetExtension(EventsExtensions.EventType)).ToList();

        Assert.Equal(types.Count, types.Distinct().Count());
        Assert.Equal(Catalogue.Order(), types.Order());
        foreach (var descriptor in events)
        {
            var topic = descriptor.GetOptions().GetExtension(EventsExtensions.EventTopic);
            var type = descriptor.GetOptions().GetExtension(EventsExtensions.EventType);
            Assert.Contains(topic, Topics);
            Assert.Matches($"^{topic}\\.[a-z_]+\\.v1$", type);
            Assert.StartsWith($"marketplace.{topic}.v1.", descriptor.FullName);
        }
    }

    [Fact]
    public void Spec6_every_payload_carries_a_versioned_entity()
    {
        foreach (var descriptor in EventMessages())
        {
            var hasVersion = descriptor.FindFieldByName("version") is not null
                || descriptor.Fields.InFieldNumberOrder().Any(f =>
                    f.FieldType == FieldType.Message && f.MessageType.FindFieldByName("version") is not null);
            Assert.True(hasVersion, $"{descriptor.FullName} carries no entity version");
        }
    }

    [Fact]
    public void Orders_catalogue_names_the_order_events()
    {
        Assert.Equal("orders.order_placed.v1", OrderPlaced.Descriptor.GetOptions().GetExtension(EventsExtensions.EventType));
        Assert.Equal("orders", OrderCancelled.Descriptor.GetOptions().GetExtension(EventsExtensions.EventTopic));
    }
}
