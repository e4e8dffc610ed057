using Marketplace.EventBus.ChildConsumer.Contracts;

namespace Marketplace.EventBus.ChildConsumer;

/// <summary>The test catalogue: topics and event types as explicit strings, each bound to its payload.</summary>
public static class TestCatalogue
{
    public const string CountersTopic = "test-counters";
    public const string ItemsTopic = "test-items";

    public const string Counted = "testing.counted.v1";
    public const string ItemRenamed = "testing.item_renamed.v1";
    public const string ItemCreated = "testing.item_created.v1";
    public const string ItemArchived = "testing.item_archived.v1";

    public static EventCatalogue Create() => new EventCatalogue()
        .Add(CountersTopic, Counted, Contracts.Counted.Parser)
        .Add(ItemsTopic, ItemRenamed, Contracts.ItemRenamed.Parser)
        .Add(ItemsTopic, ItemCreated, Contracts.ItemCreated.Parser)
        .Add(ItemsTopic, ItemArchived, Contracts.ItemArchived.Parser);
}
