using Marketplace.Contracts.Orders.V1;
using Marketplace.Hosting;
using Marketplace.Reviews.Domain;
using OrderMessage = Marketplace.Contracts.Orders.V1.Order;

namespace Marketplace.Reviews.Store;

/// <summary>
/// The order hash (<see cref="ReviewKeys.Order"/>): the latest order snapshot Reviews has consumed
/// (with its <c>version</c>), flattened to the fields a <see cref="ReviewableOrder"/> needs, in the
/// platform's hash formats (<see cref="HashWriter"/>). <c>seller_unresponsive</c> is written
/// separately (from Messaging's events), so order snapshots never overwrite it. A hash without
/// <c>version</c> means the order itself has not been seen yet.
/// </summary>
/// <remarks>
/// A snapshot is written over the previous one field by field (the hash also holds
/// <c>seller_unresponsive</c>), so a time the order does not have yet is written as an empty
/// value rather than left out: a newer snapshot always replaces every field of an older one.
/// </remarks>
public static class OrderFactsFields
{
    /// <summary>How a corrupt hash is named in errors.</summary>
    public const string Record = "order";

    public const string Version = "version";
    public const string SellerUnresponsive = "seller_unresponsive";
    public const string BuyerHasSellerAccount = "buyer_has_seller_account";

    public static HashWriter FromSnapshot(OrderMessage order)
    {
        var f = new HashWriter()
            .Set("order_id", order.OrderId)
            .Set(Version, order.Version)
            .Set("gig_id", order.GigId)
            .Set("seller_id", order.SellerId)
            .Set("buyer_id", order.BuyerId)
            .Set("category", order.Category)
            .SetEnum("state", order.State)
            .SetEnum("cancellation_initiator", order.Cancellation?.Initiator ?? CancellationInitiator.Unspecified)
            .Set("requirements_submitted", order.RequirementsSubmittedAt is not null)
            .Set(BuyerHasSellerAccount, order.BuyerHasSellerAccount);
        SetTime(f, "due_at", order.DueAt);
        SetTime(f, "completed_at", order.CompletedAt);
        SetTime(f, "cancelled_at", order.Cancellation?.CancelledAt);
        SetTime(f, "first_delivered_at", order.FirstDeliveredAt);
        return f;
    }

    /// <summary>The order, or null when only Messaging facts (or nothing) arrived so far; throws <see cref="FormatException"/> naming a missing or bad field.</summary>
    public static ReviewableOrder? ToOrder(HashReader f) => !f.Has(Version) ? null : new ReviewableOrder
    {
        OrderId = f.String("order_id"),
        GigId = f.String("gig_id"),
        SellerId = f.String("seller_id"),
        BuyerId = f.String("buyer_id"),
        Category = f.String("category"),
        State = f.Enum<OrderState>("state"),
        DueAt = OptionalTime(f, "due_at") ?? DateTimeOffset.MaxValue,
        CompletedAt = OptionalTime(f, "completed_at"),
        CancelledAt = OptionalTime(f, "cancelled_at"),
        CancellationInitiator = f.Enum<CancellationInitiator>("cancellation_initiator"),
        FirstDeliveredAt = OptionalTime(f, "first_delivered_at"),
        RequirementsSubmitted = f.Bool("requirements_submitted"),
        SellerUnresponsive = UnresponsiveBefore(f.OptionalString(SellerUnresponsive), OptionalTime(f, "cancelled_at")),
        // Hashes written before Orders recorded the fact have no field: no seller account known.
        BuyerHasSellerAccount = f.Has(BuyerHasSellerAccount) && f.Bool(BuyerHasSellerAccount),
    };

    /// <summary>
    /// The time of the unanswered question a stored <c>seller_unresponsive</c> mark holds (the earliest
    /// of the order's marks), <see cref="DateTimeOffset.MinValue"/> for a mark stored before the time
    /// was kept (<c>1</c>: asked before anything), or null when no mark came.
    /// </summary>
    public static DateTimeOffset? MarkTime(string? stored) =>
        string.IsNullOrEmpty(stored) ? null
        : stored == "1" ? DateTimeOffset.MinValue
        : new HashReader(Record, new Dictionary<string, string> { [SellerUnresponsive] = stored }).Time(SellerUnresponsive);

    /// <summary>
    /// SPEC 4: the seller "did not respond to the buyer's questions or requests for more than 24 h" on
    /// the order: a question asked before its cancellation. One asked after it (a buyer writing on a
    /// cancelled order to make it reviewable) does not count.
    /// </summary>
    public static bool UnresponsiveBefore(string? stored, DateTimeOffset? cancelledAt) =>
        MarkTime(stored) is { } asked && (cancelledAt is not { } cancelled || asked < cancelled);

    /// <summary>A time in the hash format, or "" when the order has none (see the remarks).</summary>
    private static void SetTime(HashWriter f, string name, Google.Protobuf.WellKnownTypes.Timestamp? value)
    {
        if (value is null)
        {
            f.Set(name, "");
        }
        else
        {
            f.Set(name, value.ToDateTimeOffset());
        }
    }

    private static DateTimeOffset? OptionalTime(HashReader f, string name) =>
        f.String(name).Length == 0 ? null : f.Time(name);
}
