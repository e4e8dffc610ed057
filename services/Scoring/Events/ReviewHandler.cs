using Google.Protobuf;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.EventBus;
using Marketplace.Platform;
using Marketplace.Scoring.Store;
using Microsoft.Extensions.Logging;

namespace Marketplace.Scoring.Events;

/// <summary>
/// Any reviews event with a review snapshot: keeps the one with the highest version. A review
/// counts once it is published (so a pending review cannot be read off the seller's score before
/// the seller has reviewed the buyer) and stops counting when support removes it (SPEC 4).
/// Keeps the seller's published overall ratings for the level rating.
/// </summary>
public sealed class ReviewHandler(GigProjection projection, ILogger<ReviewHandler> logger)
    : SnapshotHandler<Review>(PlatformEvents.Topics.Reviews, "review")
{
    protected override async Task HandleAsync(CloudEvent envelope, Review review, UnitOfWork work, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(review.OrderId) || string.IsNullOrEmpty(review.SellerId))
        {
            throw new MalformedEventException($"{envelope.Type} event {envelope.Id}: the review snapshot lacks order_id or seller_id");
        }

        var change = await ChangeOrderAsync(work, projection, review.OrderId,
            record => record.ReviewVersion >= review.Version ? null : record.WithReview(review));
        if (change is not var (_, after, _))
        {
            logger.LogDebug("Event {EventId}: review of order {OrderId} v{Version} is not newer; ignored", envelope.Id, review.OrderId, review.Version);
            return;
        }

        SellerStore.StageRating(work, review.SellerId, review.OrderId,
            after.HasPublishedReview && after.ReviewPublishedTicks is { } published ? new DateTimeOffset(published, TimeSpan.Zero).ToUnixTimeSeconds() : null,
            after.Ratings?.Overall ?? 0);
        SellerStore.StageDirty(work, review.SellerId);
    }
}
