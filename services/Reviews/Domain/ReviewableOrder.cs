using Marketplace.Contracts.Orders.V1;
using OrderMessage = Marketplace.Contracts.Orders.V1.Order;

namespace Marketplace.Reviews.Domain;

/// <summary>
/// What Reviews knows about an order, taken from the latest order event, plus the Messaging
/// fact "seller unresponsive" (SPEC 3, an input to cancelled-order eligibility).
/// </summary>
public sealed record ReviewableOrder
{
    public required string OrderId { get; init; }

    public required string GigId { get; init; }

    public required string SellerId { get; init; }

    public required string BuyerId { get; init; }

    public required string Category { get; init; }

    public required OrderState State { get; init; }

    public required DateTimeOffset DueAt { get; init; }

    public DateTimeOffset? CompletedAt { get; init; }

    public DateTimeOffset? CancelledAt { get; init; }

    public CancellationInitiator CancellationInitiator { get; init; }

    public DateTimeOffset? FirstDeliveredAt { get; init; }

    public bool RequirementsSubmitted { get; init; }

    /// <summary>A buyer's question on the order went unanswered by the seller for more than 24 h.</summary>
    public bool SellerUnresponsive { get; init; }

    /// <summary>
    /// The buyer held an active seller account when placing the order: a fact of the buyer's
    /// account that Orders keeps with the order (SPEC 4), so every caller gets the same answer.
    /// </summary>
    public bool BuyerHasSellerAccount { get; init; }

    /// <summary>
    /// The order a caller meets who names an id Reviews has no order for (none exists, or none of
    /// its events has arrived yet): one no account is a party of. The permission rules answer on it
    /// as on a real order the caller is no party of (permission comes before existence, issue 16),
    /// so their refusal tells nothing about whether the order exists.
    /// </summary>
    public static ReviewableOrder OfNobody(string orderId) => new()
    {
        OrderId = orderId,
        GigId = "",
        SellerId = "",
        BuyerId = "",
        Category = "",
        State = OrderState.Unspecified,
        DueAt = DateTimeOffset.UnixEpoch,
    };

    public static ReviewableOrder FromMessage(OrderMessage order, bool sellerUnresponsive) => new()
    {
        OrderId = order.OrderId,
        GigId = order.GigId,
        SellerId = order.SellerId,
        BuyerId = order.BuyerId,
        Category = order.Category,
        State = order.State,
        DueAt = order.DueAt.ToDateTimeOffset(),
        CompletedAt = order.CompletedAt?.ToDateTimeOffset(),
        CancelledAt = order.Cancellation?.CancelledAt?.ToDateTimeOffset(),
        CancellationInitiator = order.Cancellation?.Initiator ?? CancellationInitiator.Unspecified,
        FirstDeliveredAt = order.FirstDeliveredAt?.ToDateTimeOffset(),
        RequirementsSubmitted = order.RequirementsSubmittedAt is not null,
        SellerUnresponsive = sellerUnresponsive,
        BuyerHasSellerAccount = order.BuyerHasSellerAccount,
    };
}

/// <summary>
/// The buyer's history that cancelled-order eligibility needs (SPEC 4): how many of their other
/// orders completed before this one was cancelled. (Whether the buyer holds an active seller
/// account is kept with the order: <see cref="ReviewableOrder.BuyerHasSellerAccount"/>.)
/// </summary>
public sealed record BuyerStanding(int CompletedOrdersBefore)
{
    /// <summary>The standing of <paramref name="order"/>'s buyer from their completed orders (order id, completion time).</summary>
    public static BuyerStanding Of(ReviewableOrder order, IEnumerable<KeyValuePair<string, DateTimeOffset>> completedOrders)
    {
        var before = order.CancelledAt ?? DateTimeOffset.MaxValue;
        return new BuyerStanding(completedOrders.Count(c => c.Key != order.OrderId && c.Value < before));
    }
}
