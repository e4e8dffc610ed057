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
