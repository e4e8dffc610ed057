using Google.Protobuf.WellKnownTypes;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Reviews.V1;
using ReviewMessage = Marketplace.Contracts.Reviews.V1.Review;

namespace Marketplace.Reviews.Domain;

/// <summary>
/// Maps a <see cref="ReviewRecord"/> to the protobuf <c>Review</c> as each reader may see it
/// (SPEC 4). Blind until published: before the buyer's review is published, nobody but the buyer
/// and support reads any of it -- the seller, internal callers and every event get the record
/// without ratings and text (<see cref="Blind"/>), which says only that a review exists and when.
/// Once published, events and internal callers get it in full, the seller and the public without
/// the private rating.
/// </summary>
public static class ReviewSnapshot
{
    /// <summary>The whole record, private rating included (support; events and internal callers once published).</summary>
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

    /// <summary>
    /// The record as <paramref name="caller"/> may see it: support everything; the buyer their own
    /// review without the private rating; internal callers everything once published; the seller
    /// (and anyone else allowed to read) the public form once published, and before that only that
    /// a review exists (<see cref="Blind"/>).
    /// </summary>
    public static ReviewMessage ForCaller(ReviewRecord record, Actor caller) => caller.Role switch
    {
        PartyRole.Support => ToMessage(record),
        PartyRole.Buyer when caller.Id == record.BuyerId => ToPublicMessage(record),
        PartyRole.Internal => record.IsRevealed ? ToMessage(record) : Blind(record),
        _ => record.IsRevealed ? ToPublicMessage(record) : Blind(record),
    };

    /// <summary>The record as an event carries it: in full once published, blind before (events are read by other services).</summary>
    public static ReviewMessage ForEvent(ReviewRecord record) => record.IsRevealed ? ToMessage(record) : Blind(record);

    /// <summary>
    /// That a review exists, and nothing of what it says: status, ids, times and the seller's own
    /// parts, without the buyer's ratings and text.
    /// </summary>
    public static ReviewMessage Blind(ReviewRecord record)
    {
        var message = ToMessage(record);
        message.Ratings = null;
        message.Text = "";
        return message;
    }

    /// <summary>
    /// The review as sellers and the public may see it: never the private rating (absent, not 0),
    /// and no text of a removed seller response.
    /// </summary>
    public static ReviewMessage ToPublicMessage(ReviewRecord record)
    {
        var message = ToMessage(record);
        message.Ratings?.ClearPrivateRating();

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
