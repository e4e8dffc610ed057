using Marketplace.EventBus.ChildConsumer.Contracts;

namespace Marketplace.EventBus.ChildConsumer;

/// <summary>
/// Keeps the newest name of an item whatever order the versions arrive in: an older version
/// than the stored one changes nothing (the tolerance to out-of-order delivery every handler needs).
/// </summary>
public sealed class ItemRenamedHandler : EventHandler<ItemRenamed>
{
    public override string EventType => TestCatalogue.ItemRenamed;

    public static string ItemKey(string itemId) => "test:item:{" + itemId + "}";

    protected override async Task HandleAsync(CloudEvent envelope, ItemRenamed payload, UnitOfWork work, CancellationToken cancellationToken)
    {
        string key = ItemKey(payload.ItemId);
        var item = await work.ReadHashAsync(key);
        long stored = item.TryGetValue("version", out var version) ? (long)version : 0;
        if (payload.Version <= stored)
        {
            return;
        }

        work.HashSet(key, [new("version", payload.Version), new("name", payload.Name)]);
    }
}
