using Marketplace.Contracts.Messaging.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.EventBus;
using Marketplace.Platform;
using Marketplace.Reviews.Store;
using Microsoft.Extensions.Logging;

namespace Marketplace.Reviews.Events;

/// <summary>
/// Records Messaging's "seller unresponsive" mark on the order it concerns: one of the problems
/// that make a cancelled order reviewable (SPEC 4) when the unanswered question was asked before
/// the cancellation. Written as its own field of the order hash (the earliest question's time), so
/// it holds whether it arrives before or after the order's events; a cancelled order already known
/// may become eligible with it, and its review window opens (<see cref="WindowOpenings"/>).
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
        var key = ReviewKeys.Order(orderId);
        string? stored = await work.ReadHashFieldAsync(key, OrderFactsFields.SellerUnresponsive);
        var mark = OrderFactsFields.EarliestMark(stored, OrderFactsFields.UnresponsiveValue(payload.QuestionSentAt?.ToDateTimeOffset()));
        if (mark != stored)
        {
            work.HashSet(key, OrderFactsFields.SellerUnresponsive, mark);
        }

        // Only a question asked before the cancellation counts (OrderFactsFields.UnresponsiveBefore).
        if (order is { State: OrderState.Cancelled } && OrderFactsFields.UnresponsiveBefore(mark, order.CancelledAt)
            && await windows.TryOpenAsync(work, order with { SellerUnresponsive = true }, record))
        {
            WindowOpenings.Forget(work, order);
        }

        logger.LogDebug("Event {EventId}: seller of order {OrderId} marked unresponsive (question of {Asked})", envelope.Id, orderId, mark);
    }
}
