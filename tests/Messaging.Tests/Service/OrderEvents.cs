using Google.Protobuf.WellKnownTypes;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Orders.V1;

namespace Marketplace.Messaging.Tests.Service;

/// <summary>Order snapshots as Orders publishes them, relative to the real clock (the service uses it).</summary>
public static class OrderEvents
{
    private static int _next;

    /// <summary>Fresh ids so tests sharing one Redis never see each other's data.</summary>
    public static (string Order, string Buyer, string Seller) NewIds()
    {
        var n = Interlocked.Increment(ref _next);
        var tag = Guid.NewGuid().ToString("N")[..6];
        return ($"ord-{n}-{tag}", $"buyer-{n}-{tag}", $"seller-{n}-{tag}");
    }

    public static Order Placed(string orderId, string buyerId, string sellerId)
    {
        var now = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow);
        return new Order
        {
            OrderId = orderId,
            Version = 1,
            State = OrderState.Placed,
            GigId = "gig-" + orderId,
            SellerId = sellerId,
            BuyerId = buyerId,
            Category = "logo-design",
            Amount = new Money { CurrencyCode = "USD", AmountMinor = 5000 },
            CreatedAt = now,
            OriginalDueAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(3)),
            DueAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(3)),
            UpdatedAt = now,
        };
    }

    /// <summary>Delivered <paramref name="ago"/> before now (version 5), not yet completed.</summary>
    public static Order Delivered(Order placed, TimeSpan ago)
    {
        var delivered = placed.Clone();
        var at = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow - ago);
        delivered.Version = 5;
        delivered.State = OrderState.Delivered;
        delivered.RequirementsSubmittedAt = placed.CreatedAt;
        delivered.StartedAt = placed.CreatedAt;
        delivered.FirstDeliveredAt = at;
        delivered.LastDeliveredAt = at;
        delivered.DeliveryCount = 1;
        delivered.UpdatedAt = at;
        return delivered;
    }

    /// <summary>Cancelled by the buyer and seller together <paramref name="ago"/> before now (version 4), never delivered.</summary>
    public static Order Cancelled(Order placed, TimeSpan ago)
    {
        var cancelled = placed.Clone();
        var at = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow - ago);
        cancelled.Version = 4;
        cancelled.State = OrderState.Cancelled;
        cancelled.Cancellation = new Cancellation
        {
            Initiator = CancellationInitiator.Mutual,
            Reason = CancellationReason.MutualAgreement,
            RequestedBy = PartyRole.Seller,
            CancelledAt = at,
        };
        cancelled.UpdatedAt = at;
        return cancelled;
    }

    /// <summary>Delivered and completed <paramref name="ago"/> before now.</summary>
    public static Order Completed(Order placed, TimeSpan ago)
    {
        var completed = placed.Clone();
        var at = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow - ago);
        completed.Version = 6;
        completed.State = OrderState.Completed;
        completed.RequirementsSubmittedAt = placed.CreatedAt;
        completed.FirstDeliveredAt = at;
        completed.LastDeliveredAt = at;
        completed.DeliveryCount = 1;
        completed.CompletedAt = at;
        completed.UpdatedAt = at;
        return completed;
    }
}
