using Google.Protobuf.WellKnownTypes;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Order = Marketplace.Contracts.Orders.V1.Order;

namespace Marketplace.Scale.Bench;

/// <summary>
/// The synthetic marketplace of the scale benchmark, a pure function of the Gig's number:
/// Gig <c>g-N</c> belongs to seller <c>s-(N mod sellers)</c>, has one of 40 categories and one
/// price (USD, spread over the six default price bands: 15 % under 25, 25 % 25–50, 25 % 50–100,
/// 20 % 100–250, 10 % 250–500, 5 % 500 and more). Its orders are completed within two years
/// before <see cref="Now"/>, 80 % on time, 1 in 20 with a dispute, 60 % with a published review.
/// </summary>
public sealed class World(int gigs, int sellers)
{
    public static readonly DateTimeOffset Now = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    public const int Categories = 40;

    public int Gigs { get; } = gigs;

    public int Sellers { get; } = sellers;

    public static string GigId(int gig) => $"g-{gig}";

    public string SellerOf(int gig) => $"s-{gig % Sellers}";

    public static string CategoryOf(int gig) => $"cat-{(gig / 7) % Categories}";

    /// <summary>The Gig's price in USD cents.</summary>
    public static long PriceCents(int gig)
    {
        int p = (int)((uint)(gig * 2654435761u) % 100);
        var random = new Random(gig);
        return p switch
        {
            < 15 => random.Next(500, 2_500),
            < 40 => random.Next(2_500, 5_000),
            < 65 => random.Next(5_000, 10_000),
            < 85 => random.Next(10_000, 25_000),
            < 95 => random.Next(25_000, 50_000),
            _ => random.Next(50_000, 200_000),
        };
    }

    /// <summary>Order <paramref name="orderId"/> of Gig <paramref name="gig"/> at version 1 (placed) or 2 (completed); <paramref name="seed"/> varies its facts.</summary>
    public Order Order(int gig, string orderId, int seed, OrderState state, DateTimeOffset? createdAt = null)
    {
        var random = new Random(seed);
        var created = createdAt ?? Now.AddMinutes(-random.Next(10 * 1440, 730 * 1440));
        var order = new Order
        {
            OrderId = orderId,
            GigId = GigId(gig),
            SellerId = SellerOf(gig),
            BuyerId = $"b-{random.Next(0, 2_000_000)}",
            Category = CategoryOf(gig),
            Amount = new Money { CurrencyCode = "USD", AmountMinor = PriceCents(gig) },
            State = state,
            Version = state == OrderState.Completed ? 2 : 1,
            CreatedAt = Timestamp.FromDateTimeOffset(created),
            DueAt = Timestamp.FromDateTimeOffset(created.AddDays(7)),
        };
        if (state == OrderState.Completed)
        {
            var delivered = created.AddDays(random.Next(0, 10) < 8 ? 5 : 8 + random.Next(0, 3));
            order.FirstDeliveredAt = Timestamp.FromDateTimeOffset(delivered);
            order.CompletedAt = Timestamp.FromDateTimeOffset(delivered.AddDays(1));
            order.DisputeCount = random.Next(0, 20) == 0 ? 1 : 0;
        }

        return order;
    }

    /// <summary>The buyer's published review of a completed order, for 60 % of them.</summary>
    public static Review? ReviewOf(Order completed, int seed)
    {
        var random = new Random(~seed);
        if (random.Next(0, 10) >= 6)
        {
            return null;
        }

        int stars = random.Next(0, 10) < 7 ? 5 : random.Next(1, 5);
        return new Review
        {
            OrderId = completed.OrderId,
            Version = 2,
            GigId = completed.GigId,
            SellerId = completed.SellerId,
            BuyerId = completed.BuyerId,
            Category = completed.Category,
            Status = ReviewStatus.Published,
            PublishedAt = Timestamp.FromDateTimeOffset(completed.CompletedAt.ToDateTimeOffset().AddDays(2)),
            Ratings = new BuyerRatings
            {
                Overall = stars, Communication = stars, Quality = stars, ValueForMoney = Math.Max(1, stars - 1),
                WouldRecommend = stars >= 4, PrivateRating = stars * 2,
            },
        };
    }
}
