using Marketplace.Contracts.Orders.V1;
using Marketplace.EventBus;
using Marketplace.Messaging.Store;
using Marketplace.Platform;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Order = Marketplace.Contracts.Orders.V1.Order;

namespace Marketplace.Messaging.Events;

/// <summary>
/// Keeps Messaging's copy of an order's parties and completion from every orders event (one handler for all of them, chosen
/// from the catalogue). Each carries the full order after the change, so the handler keeps the snapshot with the highest
/// <c>version</c> and ignores older ones (events arrive late, twice or out of order).
/// </summary>
public sealed class OrderSnapshotHandler(ILogger<OrderSnapshotHandler> logger)
    : SnapshotEventHandler<Order>(PlatformEvents.Topics.Orders, "order")
{
    protected override async Task HandleAsync(CloudEvent envelope, Order order, UnitOfWork work, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(order.OrderId))
        {
            throw new MalformedEventException($"{envelope.Type} event {envelope.Id} has an order snapshot without order_id");
        }

        var key = MessagingKeys.Order(order.OrderId);
        var stored = await work.ReadHashFieldAsync(key, OrderPartiesFields.Version);
        if (!stored.IsNull && (long)stored >= order.Version)
        {
            logger.LogDebug("Event {EventId}: order {OrderId} v{Version} is not newer than v{Stored}; ignored", envelope.Id, order.OrderId, order.Version, (long)stored);
            return;
        }

        work.HashSet(key, OrderPartiesFields.FromSnapshot(order).Entries);
        logger.LogDebug("Event {EventId}: order {OrderId} now v{Version}", envelope.Id, order.OrderId, order.Version);
    }
}
