using Marketplace.Contracts.Orders.V1;
using Marketplace.EventBus;
using Marketplace.Platform;
using Marketplace.Reviews.Store;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Order = Marketplace.Contracts.Orders.V1.Order;

namespace Marketplace.Reviews.Events;

/// <summary>
/// Keeps Reviews' copy of an order from every orders event (one handler for all of them, chosen
/// from the catalogue). Each carries the full order after the change, so the handler keeps the snapshot with the highest <c>version</c> and ignores older
/// ones (events arrive late, twice or out of order). A completed order also joins its buyer's
/// completed orders (the standing that cancelled-order eligibility needs).
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

        var key = ReviewKeys.Order(order.OrderId);
        var stored = await work.ReadHashFieldAsync(key, OrderFactsFields.Version);
        if (!stored.IsNull && (long)stored >= order.Version)
        {
            logger.LogDebug("Event {EventId}: order {OrderId} v{Version} is not newer than v{Stored}; ignored", envelope.Id, order.OrderId, order.Version, (long)stored);
            return;
        }

        work.HashSet(key, OrderFactsFields.FromSnapshot(order).Entries);
        if (order.State == OrderState.Completed && order.CompletedAt is not null)
        {
            work.HashSet(ReviewKeys.BuyerCompletedOrders(order.BuyerId), order.OrderId,
                order.CompletedAt.ToDateTimeOffset().ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        }

        logger.LogDebug("Event {EventId}: order {OrderId} now v{Version}", envelope.Id, order.OrderId, order.Version);
    }
}
