using Marketplace.Contracts.Messaging.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.EventBus;
using Marketplace.Hosting;
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
        var stored = OrderFactsFields.MarkTime(await work.ReadHashFieldAsync(key, OrderFactsFields.SellerUnresponsive));
        // Messaging always says when the question was asked; without it the mark counts as the oldest.
        var asked = payload.QuestionSentAt?.ToDateTimeOffset() ?? DateTimeOffset.MinValue;
        if (stored is null || asked < stored)
        {
            work.HashSet(key, new HashWriter().Set(OrderFactsFields.SellerUnresponsive, asked).Entries);
        }

        // Only a question asked before the cancellation counts (SPEC 4: a problem of the order).
        var earliest = stored is { } s && s < asked ? s : asked;
        if (order is { State: OrderState.Cancelled } && (order.CancelledAt is not { } cancelledAt || earliest < cancelledAt)
            && await windows.TryOpenAsync(work, order with { SellerUnresponsive = true }, record))
        {
            WindowOpenings.Forget(work, order);
        }

        logger.LogDebug("Event {EventId}: seller of order {OrderId} marked unresponsive (question of {Asked:O})", envelope.Id, orderId, earliest);
    }
}
