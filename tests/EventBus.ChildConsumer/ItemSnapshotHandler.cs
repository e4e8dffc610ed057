using Marketplace.EventBus.ChildConsumer.Contracts;

namespace Marketplace.EventBus.ChildConsumer;

/// <summary>
/// One handler for every item lifecycle event (every <c>test-items</c> type whose payload has an
/// <c>item</c> snapshot), as the services' order snapshot handlers are: keeps the newest snapshot
/// and counts, per event type, how many events it took.
/// </summary>
public sealed class ItemSnapshotHandler() : SnapshotEventHandler<Item>(TestCatalogue.ItemsTopic, "item")
{
    public static string SnapshotKey(string itemId) => "test:item-snapshot:{" + itemId + "}";

    public const string TypesKey = "test:item-snapshot-types";

    protected override async Task HandleAsync(CloudEvent envelope, Item snapshot, UnitOfWork work, CancellationToken cancellationToken)
    {
        work.HashIncrement(TypesKey, envelope.Type, 1);
        string key = SnapshotKey(snapshot.ItemId);
        var stored = await work.ReadHashFieldAsync(key, "version");
        if (!stored.IsNull && (long)stored >= snapshot.Version)
        {
            return;
        }

        work.HashSet(key, [new("version", snapshot.Version), new("state", snapshot.State), new("name", snapshot.Name)]);
    }
}
