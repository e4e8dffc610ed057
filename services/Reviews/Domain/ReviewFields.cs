using System.Globalization;
using Marketplace.Contracts.Reviews.V1;

namespace Marketplace.Reviews.Domain;

/// <summary>
/// Flat string map of a <see cref="ReviewRecord"/>, for a Redis hash: one field per fact,
/// absent fields for parts not written yet, invariant formats (times as round-trip ISO 8601
/// UTC, enums as numbers, booleans as 1/0). <see cref="FromFields"/> inverts
/// <see cref="ToFields"/> exactly and names the field when stored data is corrupt.
/// </summary>
public static class ReviewFields
{
    public static IReadOnlyDictionary<string, string> ToFields(ReviewRecord r)
    {
        var f = new Dictionary<string, string>
        {
            ["order_id"] = r.OrderId,
            ["version"] = Num(r.Version),
            ["gig_id"] = r.GigId,
            ["seller_id"] = r.SellerId,
            ["buyer_id"] = r.BuyerId,
            ["category"] = r.Category,
            ["outcome"] = Num((int)r.Outcome),
            ["status"] = Num((int)r.Status),
        };
        PutTime(f, "window_ends_at", r.WindowEndsAt);
        PutTime(f, "published_at", r.PublishedAt);
        if (r.BuyerReview is { } b)
        {
            f["buyer.overall"] = Num(b.Ratings.Overall);
            f["buyer.communication"] = Num(b.Ratings.Communication);
            f["buyer.quality"] = Num(b.Ratings.Quality);
            f["buyer.value_for_money"] = Num(b.Ratings.ValueForMoney);
            f["buyer.would_recommend"] = b.Ratings.WouldRecommend ? "1" : "0";
            f["buyer.private_rating"] = Num(b.Ratings.PrivateRating);
            f["buyer.text"] = b.Text;
            f["buyer.submitted_at"] = Time(b.SubmittedAt);
        }

        if (r.SellerReview is { } s)
        {
            f["seller_review.rating"] = Num(s.Rating);
            f["seller_review.text"] = s.Text;
            f["seller_review.submitted_at"] = Time(s.SubmittedAt);
        }

        if (r.SellerResponse is { } response)
        {
            f["seller_response.text"] = response.Text;
            f["seller_response.posted_at"] = Time(response.PostedAt);
            if (response.Removal is { } responseRemoval)
            {
                f["seller_response.removal.reason"] = responseRemoval.Reason;
                f["seller_response.removal.by"] = responseRemoval.RemovedBy;
                f["seller_response.removal.at"] = Time(responseRemoval.RemovedAt);
            }
        }

        if (r.Removal is { } removal)
        {
            f["removal.reason"] = removal.Reason;
            f["removal.by"] = removal.RemovedBy;
            f["removal.at"] = Time(removal.RemovedAt);
        }

        if (r.EligibilityRevocation is { } revocation)
        {
            f["revocation.reason"] = revocation.Reason;
            f["revocation.by"] = revocation.RevokedBy;
            f["revocation.at"] = Time(revocation.RevokedAt);
        }

        return f;
    }

    /// <summary>Rebuilds the record; throws <see cref="FormatException"/> naming a missing or bad field.</summary>
    public static ReviewRecord FromFields(IReadOnlyDictionary<string, string> fields)
    {
        var f = new Reader(fields);
        return new ReviewRecord
        {
            OrderId = f.String("order_id"),
            Version = f.Long("version"),
            GigId = f.String("gig_id"),
            SellerId = f.String("seller_id"),
            BuyerId = f.String("buyer_id"),
            Category = f.String("category"),
            Outcome = (ReviewedOrderOutcome)f.Long("outcome"),
            Status = (ReviewStatus)f.Long("status"),
            WindowEndsAt = f.Has("window_ends_at") ? f.Time("window_ends_at") : null,
            PublishedAt = f.Has("published_at") ? f.Time("published_at") : null,
            BuyerReview = f.Has("buyer.overall")
                ? new BuyerReview(
                    new Ratings(
                        (int)f.Long("buyer.overall"),
                        (int)f.Long("buyer.communication"),
                        (int)f.Long("buyer.quality"),
                        (int)f.Long("buyer.value_for_money"),
                        f.Long("buyer.would_recommend") == 1,
                        (int)f.Long("buyer.private_rating")),
                    f.String("buyer.text"),
                    f.Time("buyer.submitted_at"))
                : null,
            SellerReview = f.Has("seller_review.rating")
                ? new SellerReview((int)f.Long("seller_review.rating"), f.String("seller_review.text"), f.Time("seller_review.submitted_at"))
                : null,
            SellerResponse = f.Has("seller_response.text")
                ? new SellerResponse(
                    f.String("seller_response.text"),
                    f.Time("seller_response.posted_at"),
                    f.Has("seller_response.removal.reason")
                        ? new Removal(f.String("seller_response.removal.reason"), f.String("seller_response.removal.by"), f.Time("seller_response.removal.at"))
                        : null)
                : null,
            Removal = f.Has("removal.reason")
                ? new Removal(f.String("removal.reason"), f.String("removal.by"), f.Time("removal.at"))
                : null,
            EligibilityRevocation = f.Has("revocation.reason")
                ? new Revocation(f.String("revocation.reason"), f.String("revocation.by"), f.Time("revocation.at"))
                : null,
        };
    }

    private static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset value) => value.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    private static void PutTime(Dictionary<string, string> fields, string name, DateTimeOffset? value)
    {
        if (value is { } v)
        {
            fields[name] = Time(v);
        }
    }

    private sealed class Reader(IReadOnlyDictionary<string, string> fields)
    {
        public bool Has(string name) => fields.ContainsKey(name);

        public string String(string name) =>
            fields.TryGetValue(name, out var value) ? value : throw new FormatException($"review field '{name}' is missing");

        public long Long(string name) =>
            long.TryParse(String(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : throw Bad(name);

        public DateTimeOffset Time(string name) =>
            DateTimeOffset.TryParseExact(String(name), "O", CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var value)
                ? value
                : throw Bad(name);

        private FormatException Bad(string name) => new($"review field '{name}' has a bad value '{fields[name]}'");
    }
}
