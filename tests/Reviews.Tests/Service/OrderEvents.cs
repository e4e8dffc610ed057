using Google.Protobuf.WellKnownTypes;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Orders.V1;

namespace Marketplace.Reviews.Tests.Service;

/// <summary>Order snapshots as Orders publishes them, relative to the real clock (the service uses it).</summary>
public static class OrderEvents
{
    private static int _next;

    /// <summary>Fresh ids so tests sharing one Redis never see each other's data.</summary>
    public static (string Order, string Gig, string Buyer, string Seller) NewIds()
    {
        var n = Interlocked.Increment(ref _next);
        var tag = Guid.NewGuid().ToString("N")[..6];
        return ($"ord-{n}-{tag}", $"gig-{n}-{tag}", $"buyer-{n}-{tag}", $"seller-{n}-{tag}");
    }

    /// <param name="buyerHasSellerAccount">What Orders recorded at placement: the buyer held an active seller account.</param>
    public static Order Placed(string orderId, string gigId, string buyerId, string sellerId, string category = "logo-design", bool buyerHasSellerAccount = false)
    {
        var now = DateTimeOffset.UtcNow;
        return new Order
        {
            OrderId = orderId,
            Version = 1,
            State = OrderState.Placed,
            GigId = gigId,
            SellerId = sellerId,
            BuyerId = buyerId,
            Category = category,
            Amount = new Money { CurrencyCode = "USD", AmountMinor = 5000 },
            CreatedAt = Timestamp.FromDateTimeOffset(now.AddDays(-10)),
            OriginalDueAt = Timestamp.FromDateTimeOffset(now.AddDays(-3)),
            DueAt = Timestamp.FromDateTimeOffset(now.AddDays(-3)),
            UpdatedAt = Timestamp.FromDateTimeOffset(now.AddDays(-10)),
            BuyerHasSellerAccount = buyerHasSellerAccount,
        };
    }

    public static Order InProgress(Order placed) => With(placed, 3, o =>
    {
        o.State = OrderState.InProgress;
        o.RequirementsSubmittedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(-9));
        o.StartedAt = o.RequirementsSubmittedAt;
    });

    /// <summary>Delivered and completed <paramref name="ago"/> before now (default one hour).</summary>
    public static Order Completed(Order placed, TimeSpan? ago = null) => With(InProgress(placed), 6, o =>
    {
        var completed = DateTimeOffset.UtcNow - (ago ?? TimeSpan.FromHours(1));
        o.State = OrderState.Completed;
        o.FirstDeliveredAt = Timestamp.FromDateTimeOffset(completed.AddHours(-1));
        o.LastDeliveredAt = o.FirstDeliveredAt;
        o.DeliveryCount = 1;
        o.CompletedAt = Timestamp.FromDateTimeOffset(completed);
    });

    /// <summary>Cancelled an hour ago with no delivery, more than 24 h past due (a qualifying problem).</summary>
    public static Order CancelledLate(Order placed, CancellationInitiator initiator = CancellationInitiator.Buyer) => With(InProgress(placed), 4, o =>
    {
        o.State = OrderState.Cancelled;
        o.Cancellation = new Cancellation
        {
            Initiator = initiator,
            Reason = CancellationReason.LateDelivery,
            RequestedBy = PartyRole.Buyer,
            CancelledAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(-1)),
        };
    });

    /// <summary>
    /// Cancelled an hour ago by mutual agreement, before its due time, with requirements submitted
    /// and no delivery: none of SPEC 4's qualifying problems (unless Messaging marks the seller unresponsive).
    /// </summary>
    public static Order CancelledOnTime(Order placed) => With(InProgress(placed), 4, o =>
    {
        o.State = OrderState.Cancelled;
        o.DueAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(2));
        o.Cancellation = new Cancellation
        {
            Initiator = CancellationInitiator.Mutual,
            Reason = CancellationReason.MutualAgreement,
            RequestedBy = PartyRole.Buyer,
            CancelledAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(-1)),
        };
    });

    /// <summary>The same order one version later with nothing else changed (as a later orders event of a finished order carries it).</summary>
    public static Order Touched(Order order) => With(order, order.Version + 1, _ => { });

    private static Order With(Order from, long version, Action<Order> change)
    {
        var next = from.Clone();
        next.Version = version;
        change(next);
        next.UpdatedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow);
        return next;
    }
}
