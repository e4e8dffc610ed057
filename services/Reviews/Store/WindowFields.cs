using Marketplace.Hosting;
using Marketplace.Reviews.Domain;
using ReviewedOrderOutcome = Marketplace.Contracts.Reviews.V1.ReviewedOrderOutcome;
using ReviewWindowCloseReason = Marketplace.Contracts.Reviews.V1.ReviewWindowCloseReason;

namespace Marketplace.Reviews.Store;

/// <summary>
/// The window hash (<see cref="ReviewKeys.Window"/>): one field per fact of a
/// <see cref="ReviewWindow"/>, <c>closed_by</c> and <c>closed_at</c> left out while it is open.
/// <see cref="Read"/> inverts <see cref="ToFields"/> exactly and names the field when stored data is corrupt.
/// </summary>
public static class WindowFields
{
    /// <summary>How a corrupt window is named in errors.</summary>
    public const string Record = "review window";

    public static HashWriter ToFields(ReviewWindow w)
    {
        var f = new HashWriter()
            .Set("order_id", w.OrderId)
            .Set("gig_id", w.GigId)
            .Set("seller_id", w.SellerId)
            .Set("buyer_id", w.BuyerId)
            .SetEnum("outcome", w.Outcome)
            .Set("opens_at", w.OpensAt)
            .Set("ends_at", w.EndsAt)
            .SetOptional("closed_at", w.ClosedAt);
        if (!w.IsOpen)
        {
            f.SetEnum("closed_by", w.ClosedBy);
        }

        return f;
    }

    /// <summary>The window, or null when the hash is empty (no window opened); throws <see cref="FormatException"/> naming a missing or bad field.</summary>
    public static ReviewWindow? Read(HashReader f) => f.IsEmpty ? null : new ReviewWindow
    {
        OrderId = f.String("order_id"),
        GigId = f.String("gig_id"),
        SellerId = f.String("seller_id"),
        BuyerId = f.String("buyer_id"),
        Outcome = f.Enum<ReviewedOrderOutcome>("outcome"),
        OpensAt = f.Time("opens_at"),
        EndsAt = f.Time("ends_at"),
        ClosedBy = f.Has("closed_by") ? f.Enum<ReviewWindowCloseReason>("closed_by") : ReviewWindowCloseReason.Unspecified,
        ClosedAt = f.OptionalTime("closed_at"),
    };
}
