using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Hosting;
using OrderMessage = Marketplace.Contracts.Orders.V1.Order;

namespace Marketplace.Messaging.Store;

/// <summary>What Messaging knows about an order: its parties and completion, from the latest order snapshot.</summary>
/// <param name="BuyerReviewed">Reviews reported the buyer's review (reviews.buyer_review_submitted.v1).</param>
/// <param name="ReviewWindowEndsAt">The buyer's review window end as Reviews reported it; null until then.</param>
public sealed record OrderParties(
    string OrderId, long Version, string BuyerId, string SellerId, OrderState State, DateTimeOffset? CompletedAt, string ConversationId,
    bool BuyerReviewed, DateTimeOffset? ReviewWindowEndsAt);

/// <summary>
/// The hash layout of what Messaging knows about an order (key <see cref="MessagingKeys.Order"/>),
/// in the platform's hash formats (<see cref="HashWriter"/>). Three writers share it, each with
/// its own fields: the newest order snapshot consumed (with its <c>version</c>);
/// <c>conversation_id</c>, written once by StartConversation; <c>buyer_reviewed</c> /
/// <c>review_window_ends_at</c> from Reviews' events (never overwritten by order snapshots).
/// A hash without <c>version</c> means the order itself has not been seen yet.
/// </summary>
public static class OrderPartiesFields
{
    public const string Version = "version";
    public const string ConversationId = "conversation_id";
    public const string BuyerReviewed = "buyer_reviewed";
    public const string ReviewWindowEndsAt = "review_window_ends_at";

    /// <summary>The snapshot's fields. An order's completion is final, so an unset <c>completed_at</c> never has to clear a stored one.</summary>
    public static HashWriter FromSnapshot(OrderMessage order) => new HashWriter()
        .Set("order_id", order.OrderId)
        .Set(Version, order.Version)
        .Set("buyer_id", order.BuyerId)
        .Set("seller_id", order.SellerId)
        .SetEnum("state", order.State)
        .SetOptional("completed_at", order.CompletedAt?.ToDateTimeOffset());

    /// <summary>The fields a buyer's review sets: the order was reviewed, and the window Reviews applied when it says.</summary>
    public static HashWriter FromReview(Review review) => new HashWriter()
        .Set(BuyerReviewed, true)
        .SetOptional(ReviewWindowEndsAt, review.WindowEndsAt?.ToDateTimeOffset());

    /// <summary>The order, or null while no snapshot of it has arrived; throws <see cref="FormatException"/> naming a bad field.</summary>
    public static OrderParties? ToOrder(IReadOnlyDictionary<string, string> fields)
    {
        var f = new HashReader("order", fields);
        if (!f.Has(Version))
        {
            return null;
        }

        return new OrderParties(
            f.String("order_id"),
            f.Long(Version),
            f.String("buyer_id"),
            f.String("seller_id"),
            f.Enum<OrderState>("state"),
            OptionalTime(f, "completed_at"),
            f.OptionalString(ConversationId) ?? "",
            f.Has(BuyerReviewed) && f.Bool(BuyerReviewed),
            OptionalTime(f, ReviewWindowEndsAt));
    }

    /// <summary>A time that may be absent; hashes written before the shared layout hold an empty value for "not yet".</summary>
    private static DateTimeOffset? OptionalTime(HashReader f, string name) =>
        f.OptionalString(name) is { Length: > 0 } ? f.Time(name) : null;
}
