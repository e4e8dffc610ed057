using Google.Protobuf.WellKnownTypes;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Scoring.V1;
using Marketplace.EventBus;
using Marketplace.Hosting.Identity;
using Marketplace.Scoring.Engine;
using Xunit;
using static Marketplace.Clients.PlatformClients;

namespace Marketplace.Scoring.Tests;

public sealed class WhatIfAndDeadLetterTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>SPEC 5.3: the projection is the engine's for the same hypothetical orders, and nothing changes.</summary>
    [Fact]
    public async Task What_if_projects_what_the_engine_projects_and_changes_nothing()
    {
        await using var scoring = await ScoringHarness.StartAsync(clock: new FakeClock(Now));
        var orders = ScoreTests.Group();
        await scoring.DeliverAsync(orders);
        var before = await scoring.StateAsync();

        var request = new WhatIfRequest
        {
            GigId = "b1",
            Orders =
            {
                new HypotheticalOrder
                {
                    Count = 10, Amount = new Money { CurrencyCode = "USD", AmountMinor = 12_000 }, OnTime = true,
                    OverallRating = 5, CommunicationRating = 5, QualityRating = 5, ValueRating = 5, WouldRecommend = true, PrivateRating = 10,
                },
                new HypotheticalOrder
                {
                    Count = 1, Amount = new Money { CurrencyCode = "USD", AmountMinor = 12_000 },
                    Lateness = Duration.FromTimeSpan(TimeSpan.FromDays(2)), Dispute = true,
                },
            },
        };
        var projection = await scoring.Client.WhatIfAsync(request, Authorization(ScoringHarness.Bearer("seller-b", CallerRole.Seller))).ResponseAsync;

        // The same orders stated for the engine: 7-day orders ending now.
        var hypothetical = Enumerable.Range(0, 10).Select(n => new OrderFacts
        {
            OrderId = $"h-{n}", GigId = "b1", AmountUsd = 120m, CreatedAt = Now.AddDays(-7), DueAt = Now, FirstDeliveryAt = Now, CompletedAt = Now,
            Review = new ReviewFacts(5, 5, 5, 5, true), PrivateRating = 10,
        }).Append(new OrderFacts
        {
            OrderId = "h-late", GigId = "b1", AmountUsd = 120m, CreatedAt = Now.AddDays(-9), DueAt = Now.AddDays(-2), FirstDeliveryAt = Now, CompletedAt = Now,
            DisputeOpened = true,
        }).ToList();
        var expected = new EngineExpectation(orders, scoring.Policy);
        var snapshot = new GigSnapshot(expected.Ledgers["b1"], expected.Means, expected.Ranking);
        var others = expected.Ledgers.Keys.Where(g => g != "b1" && expected.SellerOf[g] == "seller-b").Select(expected.Gig).ToList();
        var want = Engine.WhatIf.Project(snapshot, hypothetical, others, scoring.Policy);

        Assert.Equal(want.CurrentGig.Score ?? 0, projection.CurrentGig.SuccessScore);
        Assert.Equal(want.ProjectedGig.Score ?? 0, projection.ProjectedGig.SuccessScore);
        Assert.Equal(want.ProjectedGig.Quality.Quality, projection.ProjectedGig.Quality);
        Assert.Equal(want.ProjectedGig.ScoredOrders, projection.ProjectedGig.ScoredOrders);
        Assert.Equal(want.ProjectedSeller.Score ?? 0, projection.ProjectedSeller.SuccessScore);
        Assert.True(projection.ProjectedGig.Quality > projection.CurrentGig.Quality);
        Assert.Equal(before, await scoring.StateAsync());
    }

    /// <summary>SPEC 5.1 in what-if too: a hypothetical review without a private rating is not projected as if it gave 0/10.</summary>
    [Fact]
    public async Task What_if_leaves_out_a_private_rating_that_is_not_given()
    {
        await using var scoring = await ScoringHarness.StartAsync(clock: new FakeClock(Now));
        await scoring.DeliverAsync(ScoreTests.Group());

        HypotheticalOrder Order(int? privateRating)
        {
            var order = new HypotheticalOrder
            {
                Count = 5, Amount = new Money { CurrencyCode = "USD", AmountMinor = 12_000 }, OnTime = true,
                OverallRating = 5, CommunicationRating = 5, QualityRating = 5, ValueRating = 5, WouldRecommend = true,
            };
            if (privateRating is { } rating)
            {
                order.PrivateRating = rating;
            }

            return order;
        }

        var seller = Authorization(ScoringHarness.Bearer("seller-b", CallerRole.Seller));
        var without = await scoring.Client.WhatIfAsync(new WhatIfRequest { GigId = "b1", Orders = { Order(null) } }, seller);
        var zero = await scoring.Client.WhatIfAsync(new WhatIfRequest { GigId = "b1", Orders = { Order(0) } }, seller);

        Assert.True(without.ProjectedGig.Quality > zero.ProjectedGig.Quality,
            $"without a private rating {without.ProjectedGig.Quality} must project above a 0/10 one {zero.ProjectedGig.Quality}");
    }

    /// <summary>SPEC 7: a malformed event goes to the dead-letter topic with its error, and the consumer goes on.</summary>
    [Fact]
    public async Task A_malformed_event_and_an_amount_without_a_rate_go_to_the_dead_letter_topic_and_later_events_flow()
    {
        await using var scoring = await ScoringHarness.StartAsync();
        var broken = ScoreTests.Group()[0].Snapshot(2, OrderState.Completed);
        broken.GigId = "";
        var euro = (ScoreTests.Group()[1] with { OrderId = "eur-1" }).Snapshot(2, OrderState.Completed);
        euro.Amount = new Money { CurrencyCode = "EUR", AmountMinor = 10_000 };
        await scoring.PublishAsync([(new OrderCompleted { Order = broken }, broken.OrderId), (new OrderCompleted { Order = euro }, euro.OrderId)]);
        await scoring.DeliverAsync(ScoreTests.Group().Where(o => o.GigId == "c1"));

        var dead = await DeadLettersAsync(scoring);
        Assert.Equal(2, dead.Count);
        Assert.Contains(dead, d => d.Contains("lacks order_id, gig_id or seller_id", StringComparison.Ordinal));
        Assert.Contains(dead, d => d.Contains("Scoring:Currencies:EUR", StringComparison.Ordinal));
        Assert.True((await scoring.GigScoreAsync("c1", "seller-c")).HasScore);
    }

    private static async Task<IReadOnlyList<string>> DeadLettersAsync(ScoringHarness scoring)
    {
        var entries = (StackExchange.Redis.RedisResult[])(await scoring.Db.ExecuteAsync("XRANGE", Names.DeadLetterTopic(ScoringHarness.AppId), "-", "+"))!;
        return entries.Select(e => string.Join(" ", ((StackExchange.Redis.RedisValue[])((StackExchange.Redis.RedisResult[])e!)[1]!).Select(v => (string?)v))).ToList();
    }
}
