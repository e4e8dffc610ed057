using Marketplace.Scoring.Store;
using Xunit;
using OrderCancellationInitiator = Marketplace.Contracts.Orders.V1.CancellationInitiator;
using OrderCancellationReason = Marketplace.Contracts.Orders.V1.CancellationReason;

namespace Marketplace.Scoring.Tests;

/// <summary>
/// SPEC 5.2 over years: orders more than 730 days older than the Gig's newest order drop out, and
/// the forward-decay landmark moves every 8 half-lives. The service does this against Redis with
/// a sorted set per Gig; the engine's <see cref="Engine.GigLedger"/> does it in memory. Same facts,
/// any arrival order: the same sums, bit for bit, and the same orders counted.
/// </summary>
public sealed class WindowTests
{
    [Theory]
    [InlineData(11)]
    [InlineData(23)]
    [InlineData(37)]
    public async Task Orders_over_five_years_in_random_order_give_the_engine_s_aggregate(int seed)
    {
        var random = new Random(seed);
        var start = new DateTimeOffset(2021, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var orders = Enumerable.Range(0, 40).Select(i => RandomOrder(random, $"w{seed}-{i}", start.AddDays(random.Next(0, 5 * 365)))).ToList();
        await using var scoring = await ScoringHarness.StartAsync();

        // Two halves: the second half arrives after the first has been applied, so the Gig's
        // window moves forward incrementally, not only in one rebuild.
        var events = orders.SelectMany(o => o.Events()).OrderBy(_ => random.Next()).ToList();
        await scoring.PublishAsync(events.Take(events.Count / 2));
        await scoring.CaughtUpAsync();
        await scoring.PublishAsync(events.Skip(events.Count / 2));
        await scoring.CaughtUpAsync();

        var ledger = new EngineExpectation(orders, scoring.Policy).Ledgers["g-window"];
        Assert.Equal(ledger.Aggregate, await scoring.AggregateAsync("g-window"));

        var counted = new List<string>();
        foreach (var order in orders)
        {
            if (!(await scoring.Db.HashGetAsync(ScoringKeys.Order(order.OrderId), "c")).IsNullOrEmpty)
            {
                counted.Add(order.OrderId);
            }
        }

        Assert.Equal(ledger.Counted.Keys.Order(StringComparer.Ordinal), counted.Order(StringComparer.Ordinal));
        Assert.True(ledger.Counted.Count < orders.Count(o => Engine.AreaIndexer.IsIncluded(o.Facts(), scoring.Policy)),
            "some counted orders fell out of the 730-day window");
    }

    private static TestOrder RandomOrder(Random random, string id, DateTimeOffset created)
    {
        var order = new TestOrder
        {
            OrderId = id,
            GigId = "g-window",
            SellerId = "seller-w",
            BuyerId = "buyer-" + random.Next(5),
            CreatedAt = created,
            AmountCents = random.Next(3) switch { 0 => 12_000, 1 => 24_900, _ => 19_000 },
            DeliveredAfter = TimeSpan.FromDays(random.Next(3, 14)),
            Disputes = random.Next(6) == 0 ? 1 : 0,
        };
        order = random.Next(8) switch
        {
            0 => order with { DeliveredAfter = null, Cancelled = (OrderCancellationInitiator.Seller, OrderCancellationReason.SellerUnableToDeliver, false) },
            1 => order with { DeliveredAfter = null, Cancelled = (OrderCancellationInitiator.Buyer, OrderCancellationReason.BuyerUnresponsive, true) },
            2 => order with { Conversation = (random.Next(2), 0, TimeSpan.FromHours(random.Next(1, 30)), 1) },
            _ => order,
        };
        if (random.Next(2) == 0)
        {
            order = order with
            {
                Review = new TestReview(random.Next(1, 6), random.Next(1, 6), random.Next(1, 6), random.Next(1, 6), random.Next(2) == 0,
                    random.Next(0, 11), created.AddDays(20), Removed: random.Next(5) == 0),
            };
        }

        return order;
    }
}
