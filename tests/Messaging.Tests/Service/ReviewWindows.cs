using Google.Protobuf.WellKnownTypes;
using Marketplace.Contracts.Reviews.V1;

namespace Marketplace.Messaging.Tests.Service;

/// <summary>Review window events as Reviews publishes them (the one source of an order's window).</summary>
public static class ReviewWindows
{
    public static ReviewWindowOpened Opened((string Order, string Buyer, string Seller) ids, DateTimeOffset opensAt, DateTimeOffset endsAt) => new()
    {
        OrderId = ids.Order,
        GigId = "gig-" + ids.Order,
        SellerId = ids.Seller,
        BuyerId = ids.Buyer,
        OrderOutcome = ReviewedOrderOutcome.Completed,
        OpensAt = Timestamp.FromDateTimeOffset(opensAt),
        EndsAt = Timestamp.FromDateTimeOffset(endsAt),
    };

    public static ReviewWindowClosed Closed((string Order, string Buyer, string Seller) ids, ReviewWindowCloseReason reason, DateTimeOffset at) => new()
    {
        OrderId = ids.Order,
        SellerId = ids.Seller,
        Reason = reason,
        ClosedAt = Timestamp.FromDateTimeOffset(at),
    };
}
