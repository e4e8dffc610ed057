using Google.Protobuf;
using Marketplace.Contracts.Orders.V1;
using Marketplace.EventBus;
using Marketplace.Platform;
using Marketplace.Scoring.Store;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Order = Marketplace.Contracts.Orders.V1.Order;

namespace Marketplace.Scoring.Events;

/// <summary>
/// Any orders event: keeps the order snapshot with the highest version, re-scores its Gig, and
/// on the order's completion adds to the seller's level totals (completed orders, unique
/// clients, earnings). Marks the seller for re-evaluation when the event changed their score or
/// totals (SPEC 5.5: "at once for a seller whose own events change the score"): an order placed,
/// started or delivered on a Gig whose price band stays leaves both as they were.
/// </summary>
public sealed class OrderHandler(GigProjection projection, IOptions<ScoringOptions> options, ILogger<OrderHandler> logger)
    : SnapshotHandler<Order>(PlatformEvents.Topics.Orders, "order")
{
    protected override async Task HandleAsync(CloudEvent envelope, Order order, UnitOfWork work, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(order.OrderId) || string.IsNullOrEmpty(order.GigId) || string.IsNullOrEmpty(order.SellerId))
        {
            throw new MalformedEventException($"{envelope.Type} event {envelope.Id}: the order snapshot lacks order_id, gig_id or seller_id");
        }

        var change = await ChangeOrderAsync(work, projection, order.OrderId,
            record => record.OrderVersion >= order.Version ? null : record.WithOrder(order));
        if (change is not var (before, after, rescored))
        {
            logger.LogDebug("Event {EventId}: order {OrderId} v{Version} is not newer; ignored", envelope.Id, order.OrderId, order.Version);
            return;
        }

        bool completed = before.State != OrderState.Completed && after.State == OrderState.Completed;
        if (completed)
        {
            var earned = options.Value.ToUsd(after.Currency, (decimal)after.AmountMinor - after.RefundedMinor) ?? 0;
            await SellerStore.StageCompletedAsync(work, order.OrderId, after.SellerId, after.BuyerId, decimal.Round(earned * 100m));
        }

        SellerStore.StageEventOf(work, after.SellerId, reevaluate: rescored || completed);
        logger.LogDebug("Event {EventId}: order {OrderId} now v{Version}", envelope.Id, order.OrderId, order.Version);
    }
}
