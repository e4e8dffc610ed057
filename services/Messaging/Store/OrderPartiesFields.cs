using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Hosting;
using Marketplace.Messaging.Domain;
using OrderMessage = Marketplace.Contracts.Orders.V1.Order;

namespace Marketplace.Messaging.Store;

/// <summary>What Messaging knows about an order: its parties, state, first delivery, completion and close from the latest order snapshot, and its review window.</summary>
/// <param name="Window">The buyer's review window as Reviews reported it (<see cref="ReviewWindow.Unknown"/> until then).</param>
/// <param name="ClosedAt">When the order completed or was cancelled (null while open, and in hashes written before 2026-12-03 for an order that closed before).</param>
public sealed record OrderParties(
    string OrderId, long Version, string BuyerId, string SellerId, OrderState State, DateTimeOffset? CompletedAt, string ConversationId,
    ReviewWindow Window, DateTimeOffset? FirstDeliveredAt = null, DateTimeOffset? ClosedAt = null)
{
    /// <summary>The order runs before its first delivery: a seller request may wait on the buyer (SPEC 3).</summary>
    public bool Running => OrderWork.IsRunning(State, FirstDeliveredAt);
}

/// <summary>
/// The hash layout of what Messaging knows about an order (key <see cref="MessagingKeys.Order"/>),
/// in the platform's hash formats (<see cref="HashWriter"/>). Four writers share it, each with
/// its own fields: the newest order snapshot consumed (with its <c>version</c>);
/// <c>conversation_id</c>, written once by StartConversation; <c>window_opens_at</c> /
/// <c>window_ends_at</c> from reviews.review_window_opened.v1; <c>window_closed</c> (the reason,
/// as a number) from reviews.review_window_closed.v1, first close kept. Each part is kept when it
/// arrives, so events of the two topics may come in any order. A hash without <c>version</c> means
/// the order itself has not been seen yet.
/// </summary>
public static class OrderPartiesFields
{
    public const string Version = "version";
    public const string ConversationId = "conversation_id";
    public const string WindowOpensAt = "window_opens_at";
    public const string WindowEndsAt = "window_ends_at";
    public const string WindowClosed = "window_closed";

    /// <summary>
    /// The snapshot's fields. An order's first delivery, completion and close are final, so an unset
    /// <c>first_delivered_at</c>, <c>completed_at</c> or <c>closed_at</c> never has to clear a stored one.
    /// </summary>
    public static HashWriter FromSnapshot(OrderMessage order) => new HashWriter()
        .Set("order_id", order.OrderId)
        .Set(Version, order.Version)
        .Set("buyer_id", order.BuyerId)
        .Set("seller_id", order.SellerId)
        .SetEnum("state", order.State)
        .SetOptional("first_delivered_at", order.FirstDeliveredAt?.ToDateTimeOffset())
        .SetOptional("completed_at", order.CompletedAt?.ToDateTimeOffset())
        .SetOptional("closed_at", (order.CompletedAt ?? order.Cancellation?.CancelledAt)?.ToDateTimeOffset());

    /// <summary>The fields the opening of the buyer's review window sets.</summary>
    public static HashWriter FromWindowOpened(ReviewWindowOpened opened) => new HashWriter()
        .Set(WindowOpensAt, opened.OpensAt.ToDateTimeOffset())
        .Set(WindowEndsAt, opened.EndsAt.ToDateTimeOffset());

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
            new ReviewWindow(
                OptionalTime(f, WindowOpensAt),
                OptionalTime(f, WindowEndsAt),
                f.Has(WindowClosed) ? f.Enum<ReviewWindowCloseReason>(WindowClosed) : null),
            OptionalTime(f, "first_delivered_at"),
            OptionalTime(f, "closed_at") ?? OptionalTime(f, "completed_at"));
    }

    /// <summary>A time that may be absent; hashes written before the shared layout hold an empty value for "not yet".</summary>
    private static DateTimeOffset? OptionalTime(HashReader f, string name) =>
        f.OptionalString(name) is { Length: > 0 } ? f.Time(name) : null;
}
