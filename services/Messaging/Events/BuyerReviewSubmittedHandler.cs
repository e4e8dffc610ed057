using Marketplace.Contracts.Reviews.V1;
using Marketplace.EventBus;
using Marketplace.Messaging.Store;
using Marketplace.Platform;
using Microsoft.Extensions.Logging;

namespace Marketplace.Messaging.Events;

/// <summary>
/// Records that the buyer reviewed an order, and the window Reviews applied: a seller may no
/// longer request a review of it (SPEC 3). Its own fields of the order hash, so it holds whether
/// it arrives before or after the order's events.
/// </summary>
public sealed class BuyerReviewSubmittedHandler(ILogger<BuyerReviewSubmittedHandler> logger) : Marketplace.EventBus.EventHandler<BuyerReviewSubmitted>
{
    public override string EventType { get; } = PlatformEvents.TypeOf(BuyerReviewSubmitted.Descriptor);

    protected override Task HandleAsync(CloudEvent envelope, BuyerReviewSubmitted payload, UnitOfWork work, CancellationToken cancellationToken)
    {
        var review = payload.Review;
        if (string.IsNullOrEmpty(review?.OrderId))
        {
            throw new MalformedEventException($"{EventType} event {envelope.Id} has no review order id");
        }

        work.HashSet(MessagingKeys.Order(review.OrderId), OrderPartiesFields.FromReview(review).Entries);

        logger.LogDebug("Event {EventId}: order {OrderId} reviewed by its buyer", envelope.Id, review.OrderId);
        return Task.CompletedTask;
    }
}
