using Marketplace.Hosting;
using Marketplace.Reviews.Domain;
using ReviewedOrderOutcome = Marketplace.Contracts.Reviews.V1.ReviewedOrderOutcome;
using ReviewStatus = Marketplace.Contracts.Reviews.V1.ReviewStatus;

namespace Marketplace.Reviews.Store;

/// <summary>
/// The review hash (<see cref="ReviewKeys.Review"/>): one field per fact of a
/// <see cref="ReviewRecord"/>, fields left out for parts not written yet, in the platform's hash
/// formats (<see cref="HashWriter"/>). <see cref="FromFields"/> inverts <see cref="ToFields"/>
/// exactly and names the field when stored data is corrupt.
/// </summary>
public static class ReviewFields
{
    /// <summary>How a corrupt record is named in errors.</summary>
    public const string Record = "review";

    public static HashWriter ToFields(ReviewRecord r)
    {
        var f = new HashWriter()
            .Set("order_id", r.OrderId)
            .Set("version", r.Version)
            .Set("gig_id", r.GigId)
            .Set("seller_id", r.SellerId)
            .Set("buyer_id", r.BuyerId)
            .Set("category", r.Category)
            .SetEnum("outcome", r.Outcome)
            .SetEnum("status", r.Status)
            .SetOptional("window_ends_at", r.WindowEndsAt)
            .SetOptional("published_at", r.PublishedAt);
        if (r.BuyerReview is { } b)
        {
            f.Set("buyer.overall", b.Ratings.Overall)
                .Set("buyer.communication", b.Ratings.Communication)
                .Set("buyer.quality", b.Ratings.Quality)
                .Set("buyer.value_for_money", b.Ratings.ValueForMoney)
                .Set("buyer.would_recommend", b.Ratings.WouldRecommend)
                .SetOptional("buyer.private_rating", b.Ratings.PrivateRating)
                .Set("buyer.text", b.Text)
                .Set("buyer.submitted_at", b.SubmittedAt);
        }

        if (r.SellerReview is { } s)
        {
            f.Set("seller_review.rating", s.Rating)
                .Set("seller_review.text", s.Text)
                .Set("seller_review.submitted_at", s.SubmittedAt);
        }

        if (r.SellerResponse is { } response)
        {
            f.Set("seller_response.text", response.Text)
                .Set("seller_response.posted_at", response.PostedAt);
            if (response.Removal is { } responseRemoval)
            {
                SetRemoval(f, "seller_response.removal.", responseRemoval);
            }
        }

        if (r.Removal is { } removal)
        {
            SetRemoval(f, "removal.", removal);
        }

        if (r.EligibilityRevocation is { } revocation)
        {
            f.Set("revocation.reason", revocation.Reason)
                .Set("revocation.by", revocation.RevokedBy)
                .Set("revocation.at", revocation.RevokedAt);
        }

        return f;
    }

    /// <summary>Rebuilds the record; throws <see cref="FormatException"/> naming a missing or bad field.</summary>
    public static ReviewRecord FromFields(IReadOnlyDictionary<string, string> fields) => Read(new HashReader(Record, fields));

    public static ReviewRecord Read(HashReader f) => new()
    {
        OrderId = f.String("order_id"),
        Version = f.Long("version"),
        GigId = f.String("gig_id"),
        SellerId = f.String("seller_id"),
        BuyerId = f.String("buyer_id"),
        Category = f.String("category"),
        Outcome = f.Enum<ReviewedOrderOutcome>("outcome"),
        Status = f.Enum<ReviewStatus>("status"),
        WindowEndsAt = f.OptionalTime("window_ends_at"),
        PublishedAt = f.OptionalTime("published_at"),
        BuyerReview = f.Has("buyer.overall")
            ? new BuyerReview(
                new Ratings(
                    f.Int("buyer.overall"),
                    f.Int("buyer.communication"),
                    f.Int("buyer.quality"),
                    f.Int("buyer.value_for_money"),
                    f.Bool("buyer.would_recommend"),
                    f.Has("buyer.private_rating") ? f.Int("buyer.private_rating") : null),
                f.String("buyer.text"),
                f.Time("buyer.submitted_at"))
            : null,
        SellerReview = f.Has("seller_review.rating")
            ? new SellerReview(f.Int("seller_review.rating"), f.String("seller_review.text"), f.Time("seller_review.submitted_at"))
            : null,
        SellerResponse = f.Has("seller_response.text")
            ? new SellerResponse(
                f.String("seller_response.text"),
                f.Time("seller_response.posted_at"),
                f.Has("seller_response.removal.reason") ? ReadRemoval(f, "seller_response.removal.") : null)
            : null,
        Removal = f.Has("removal.reason") ? ReadRemoval(f, "removal.") : null,
        EligibilityRevocation = f.Has("revocation.reason")
            ? new Revocation(f.String("revocation.reason"), f.String("revocation.by"), f.Time("revocation.at"))
            : null,
    };

    private static void SetRemoval(HashWriter f, string prefix, Removal removal) =>
        f.Set(prefix + "reason", removal.Reason)
            .Set(prefix + "by", removal.RemovedBy)
            .Set(prefix + "at", removal.RemovedAt);

    private static Removal ReadRemoval(HashReader f, string prefix) =>
        new(f.String(prefix + "reason"), f.String(prefix + "by"), f.Time(prefix + "at"));
}
