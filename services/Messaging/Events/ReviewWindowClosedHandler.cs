using Marketplace.Contracts.Reviews.V1;
using Marketplace.EventBus;
using Marketplace.Hosting;
using Marketplace.Messaging.Store;
using Marketplace.Platform;
using Microsoft.Extensions.Logging;

namespace Marketplace.Messaging.Events;

/// <summary>
/// Records that Reviews closed the buyer's review window of an order (the buyer reviewed, the window ended, support
/// revoked the order's eligibility): no more review requests (SPEC 3). A window closes once; the first close kept is
/// final, also when the opening arrives after it.
/// </summary>
public sealed class ReviewWindowClosedHandler(ILogger<ReviewWindowClosedHandler> logger) : Marketplace.EventBus.EventHandler<ReviewWindowClosed>
{
    public override string EventType { get; } = PlatformEvents.TypeOf(ReviewWindowClosed.Descriptor);

    protected override async Task HandleAsync(CloudEvent envelope, ReviewWindowClosed payload, UnitOfWork work, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(payload.OrderId) || payload.Reason == ReviewWindowCloseReason.Unspecified)
        {
            throw new MalformedEventException($"{EventType} event {envelope.Id} needs order_id and a reason");
        }

        var key = MessagingKeys.Order(payload.OrderId);
        if (!(await work.ReadHashFieldAsync(key, OrderPartiesFields.WindowClosed)).IsNull)
        {
            logger.LogDebug("Event {EventId}: the review window of order {OrderId} was already closed; kept", envelope.Id, payload.OrderId);
            return;
        }

        work.HashSet(key, new HashWriter().SetEnum(OrderPartiesFields.WindowClosed, payload.Reason).Entries);
        logger.LogDebug("Event {EventId}: the review window of order {OrderId} closed ({Reason})", envelope.Id, payload.OrderId, payload.Reason);
    }
}
