using System.Globalization;
using Marketplace.Contracts.Orders.V1;
using OrderMessage = Marketplace.Contracts.Orders.V1.Order;

namespace Marketplace.Messaging.Store;

/// <summary>What Messaging knows about an order: its parties and completion, from the latest order snapshot.</summary>
/// <param name="BuyerReviewed">Reviews reported the buyer's review (reviews.buyer_review_submitted.v1).</param>
/// <param name="ReviewWindowEndsAt">The buyer's review window end as Reviews reported it; null until then.</param>
public sealed record OrderParties(
    string OrderId, long Version, string BuyerId, string SellerId, OrderState State, DateTimeOffset? CompletedAt, string ConversationId,
    bool BuyerReviewed, DateTimeOffset? ReviewWindowEndsAt);

/// <summary>
/// The order hash: fields of the newest order snapshot consumed (with its <c>version</c>), plus
/// <c>conversation_id</c>, written once by StartConversation, and <c>buyer_reviewed</c> /
/// <c>review_window_ends_at</c> from Reviews' events (never overwritten by order snapshots).
/// A hash without <c>version</c> means the order itself has not been seen yet.
/// </summary>
public static class OrderPartiesFields
{
    public const string Version = "version";
    public const string ConversationId = "conversation_id";
    public const string BuyerReviewed = "buyer_reviewed";
    public const string ReviewWindowEndsAt = "review_window_ends_at";

    public static IReadOnlyDictionary<string, string> FromSnapshot(OrderMessage order) => new Dictionary<string, string>
    {
        ["order_id"] = order.OrderId,
        [Version] = order.Version.ToString(CultureInfo.InvariantCulture),
        ["buyer_id"] = order.BuyerId,
        ["seller_id"] = order.SellerId,
        ["state"] = ((int)order.State).ToString(CultureInfo.InvariantCulture),
        ["completed_at"] = order.CompletedAt is null ? "" : order.CompletedAt.ToDateTimeOffset().ToString("O", CultureInfo.InvariantCulture),
    };

    public static OrderParties? ToOrder(IReadOnlyDictionary<string, string> f)
    {
        if (!f.ContainsKey(Version))
        {
            return null;
        }

        string Get(string name) => f.TryGetValue(name, out var value) ? value : throw new FormatException($"order field '{name}' is missing");
        var completed = Get("completed_at");
        var windowEnd = f.TryGetValue(ReviewWindowEndsAt, out var end) ? end : "";
        return new OrderParties(
            Get("order_id"),
            long.Parse(Get(Version), CultureInfo.InvariantCulture),
            Get("buyer_id"),
            Get("seller_id"),
            (OrderState)int.Parse(Get("state"), CultureInfo.InvariantCulture),
            completed.Length == 0 ? null : DateTimeOffset.Parse(completed, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
            f.TryGetValue(ConversationId, out var conversation) ? conversation : "",
            f.TryGetValue(BuyerReviewed, out var reviewed) && reviewed == "1",
            windowEnd.Length == 0 ? null : DateTimeOffset.Parse(windowEnd, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind));
    }
}
