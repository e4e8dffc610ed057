using Google.Protobuf.WellKnownTypes;
using Marketplace.Contracts.Reviews.V1;
using ReviewMessage = Marketplace.Contracts.Reviews.V1.Review;

namespace Marketplace.Reviews.Domain;

/// <summary>
/// Maps a <see cref="ReviewRecord"/> to the protobuf <c>Review</c>: in full for events and
/// internal callers, or without the private rating for sellers and the public (SPEC 4).
/// </summary>
public static class ReviewSnapshot
{
    public static ReviewMessage ToMessage(ReviewRecord record)
    {
        var message = new ReviewMessage
        {
            OrderId = record.OrderId,
            Version = record.Version,
            GigId = record.GigId,
            SellerId = record.SellerId,
            BuyerId = record.BuyerId,
            Category = record.Category,
            OrderOutcome = record.Outcome,
            Status = record.Status,
            WindowEndsAt = ToTimestamp(record.WindowEndsAt),
            PublishedAt = ToTimestamp(record.PublishedAt),
        };
        if (record.BuyerReview is { } review)
        {
            message.Ratings = review.Ratings.ToMessage();
            message.Text = review.Text;
            message.SubmittedAt = Timestamp.FromDateTimeOffset(review.SubmittedAt);
        }

        if (record.SellerReview is { } sellerReview)
        {
            message.SellerReview = new SellerReviewOfBuyer
            {
                Rating = sellerReview.Rating,
                Text = sellerReview.Text,
                SubmittedAt = Timestamp.FromDateTimeOffset(sellerReview.SubmittedAt),
            };
        }

        if (record.SellerResponse is { } response)
        {
            message.SellerResponse = new Contracts.Reviews.V1.SellerResponse
            {
                Text = response.Text,
                PostedAt = Timestamp.FromDateTimeOffset(response.PostedAt),
                Removal = response.Removal is { } responseRemoval ? ToMessage(responseRemoval) : null,
            };
        }

        if (record.Removal is { } removal)
        {
            message.Removal = ToMessage(removal);
        }

        return message;
    }

    /// <summary>The record as <paramref name="caller"/> may see it: the private rating only for support and internal callers.</summary>
    public static ReviewMessage ForCaller(ReviewRecord record, Actor caller) =>
        caller.Role is Contracts.Common.V1.PartyRole.Support or Contracts.Common.V1.PartyRole.Internal
            ? ToMessage(record)
            : ToPublicMessage(record);

    /// <summary>
    /// The review as sellers and the public may see it: never the private rating, and no text
    /// of a removed seller response.
    /// </summary>
    public static ReviewMessage ToPublicMessage(ReviewRecord record)
    {
        var message = ToMessage(record);
        if (message.Ratings is not null)
        {
            message.Ratings.PrivateRating = 0;
        }

        if (message.SellerResponse?.Removal is not null)
        {
            message.SellerResponse.Text = "";
        }

        return message;
    }

    private static Contracts.Reviews.V1.Removal ToMessage(Removal removal) => new()
    {
        Reason = removal.Reason,
        RemovedBy = removal.RemovedBy,
        RemovedAt = Timestamp.FromDateTimeOffset(removal.RemovedAt),
    };

    private static Timestamp? ToTimestamp(DateTimeOffset? value) =>
        value is { } v ? Timestamp.FromDateTimeOffset(v) : null;
}
