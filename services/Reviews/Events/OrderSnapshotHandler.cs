using System.Globalization;
using Marketplace.Contracts.Orders.V1;
using Marketplace.EventBus;
using Marketplace.Platform;
using Marketplace.Reviews.Domain;
using Marketplace.Reviews.Store;
using Microsoft.Extensions.Logging;
using Order = Marketplace.Contracts.Orders.V1.Order;

namespace Marketplace.Reviews.Events;

/// <summary>
/// Keeps Reviews' copy of an order from every orders event (one handler for all of them, chosen
/// from the catalogue). Each carries the full order after the change, so the handler keeps the
/// snapshot with the highest <c>version</c> and ignores older ones (events arrive late, twice or
/// out of order). A completed order joins its buyer's completed orders (the standing that
/// cancelled-order eligibility needs) and opens its review window; an eligible cancelled order
/// opens its window too, one that is not eligible (yet) is remembered with its buyer in case a
/// late completion of theirs makes it so (<see cref="WindowOpenings"/>).
/// </summary>
public sealed class OrderSnapshotHandler(WindowOpenings windows, ILogger<OrderSnapshotHandler> logger)
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
        var sellerUnresponsive = await work.ReadHashFieldAsync(key, OrderFactsFields.SellerUnresponsive);
        var facts = ReviewableOrder.FromMessage(order, OrderFactsFields.UnresponsiveBefore(sellerUnresponsive, order.Cancellation?.CancelledAt?.ToDateTimeOffset()));
        var (_, record) = await ReviewStore.ReadAsync(work, order.OrderId);
        if (facts is { State: OrderState.Completed, CompletedAt: { } completedAt })
        {
            var completed = KeyValuePair.Create(order.OrderId, completedAt);
            work.HashSet(ReviewKeys.BuyerCompletedOrders(order.BuyerId), order.OrderId, completedAt.ToString("O", CultureInfo.InvariantCulture));
            await windows.TryOpenAsync(work, facts, record);
            await windows.ReconsiderCancelledAsync(work, order.BuyerId, completed);
        }
        else if (facts.State == OrderState.Cancelled)
        {
            if (await windows.TryOpenAsync(work, facts, record))
            {
                WindowOpenings.Forget(work, facts);
            }
            else
            {
                windows.Remember(work, facts);
            }
        }

        logger.LogDebug("Event {EventId}: order {OrderId} now v{Version}", envelope.Id, order.OrderId, order.Version);
    }
}
