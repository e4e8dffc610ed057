using Marketplace.Contracts.Messaging.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.EventBus;
using Marketplace.Platform;
using Marketplace.Reviews.Store;
using Microsoft.Extensions.Logging;

namespace Marketplace.Reviews.Events;

/// <summary>
/// Records Messaging's "seller unresponsive" mark on the order it concerns: one of the problems
/// that make a cancelled order reviewable (SPEC 4). Written as its own field of the order hash,
/// so it holds whether it arrives before or after the order's events; a cancelled order already
/// known may become eligible with it, and its review window opens (<see cref="WindowOpenings"/>).
/// </summary>
public sealed class SellerUnresponsiveHandler(WindowOpenings windows, ILogger<SellerUnresponsiveHandler> logger)
    : Marketplace.EventBus.EventHandler<SellerUnresponsiveMarked>
{
    public override string EventType { get; } = PlatformEvents.TypeOf(SellerUnresponsiveMarked.Descriptor);

    protected override async Task HandleAsync(CloudEvent envelope, SellerUnresponsiveMarked payload, UnitOfWork work, CancellationToken cancellationToken)
    {
        var orderId = payload.Conversation?.OrderId;
        if (string.IsNullOrEmpty(orderId))
        {
            return;
        }

        var (order, record) = await ReviewStore.ReadAsync(work, orderId);
        work.HashSet(ReviewKeys.Order(orderId), OrderFactsFields.SellerUnresponsive, "1");
        if (order is { State: OrderState.Cancelled }
            && await windows.TryOpenAsync(work, order with { SellerUnresponsive = true }, record))
        {
            WindowOpenings.Forget(work, order);
        }

        logger.LogDebug("Event {EventId}: seller of order {OrderId} marked unresponsive", envelope.Id, orderId);
    }
}
