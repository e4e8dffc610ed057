using Marketplace.Contracts.Reviews.V1;
using Marketplace.EventBus;
using Marketplace.Messaging.Store;
using Marketplace.Platform;
using Microsoft.Extensions.Logging;

namespace Marketplace.Messaging.Events;

/// <summary>
/// Records when the buyer's review window of an order opened and ends, as Reviews reports it (the one source of an
/// order's window, 30-day categories included): review requests follow it (SPEC 3). Its own fields of the order hash,
/// so it holds whether it arrives before or after the order's events or the window's close.
/// </summary>
public sealed class ReviewWindowOpenedHandler(ILogger<ReviewWindowOpenedHandler> logger) : Marketplace.EventBus.EventHandler<ReviewWindowOpened>
{
    public override string EventType { get; } = PlatformEvents.TypeOf(ReviewWindowOpened.Descriptor);

    protected override Task HandleAsync(CloudEvent envelope, ReviewWindowOpened payload, UnitOfWork work, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(payload.OrderId) || payload.OpensAt is null || payload.EndsAt is null)
        {
            throw new MalformedEventException($"{EventType} event {envelope.Id} needs order_id, opens_at and ends_at");
        }

        work.HashSet(MessagingKeys.Order(payload.OrderId), OrderPartiesFields.FromWindowOpened(payload).Entries);
        logger.LogDebug("Event {EventId}: the review window of order {OrderId} ends at {EndsAt}", envelope.Id, payload.OrderId, payload.EndsAt);
        return Task.CompletedTask;
    }
}
