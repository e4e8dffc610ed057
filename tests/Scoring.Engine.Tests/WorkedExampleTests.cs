namespace Marketplace.Scoring.Engine.Tests;

/// <summary>
/// The engine-only example of docs/scoring.md ("A longer history: recency and a larger peer group", under "Worked
/// example"), computed by the engine: if the docs and the code drift, this fails. The worked example itself runs
/// through the services in tests/Platform.Tests/WorkedExampleTests.cs.
/// </summary>
public sealed class WorkedExampleTests
{
    private static readonly ScoringPolicy Policy = ScoringPolicy.Default;
    private static readonly DateTimeOffset Day0 = new(2025, 1, 6, 12, 0, 0, TimeSpan.Zero);

    private static DateTimeOffset Day(double d) => Day0.AddDays(d);

    private static OrderFacts Order(string id, double created, double due) => new()
    {
        OrderId = id,
        GigId = "logo-gig",
        AmountUsd = 120m,
        CreatedAt = Day(created),
        DueAt = Day(due),
    };

    internal static readonly OrderFacts[] Orders =
    [
        Order("A", -5, -1) with { FirstDeliveryAt = Day(-2), CompletedAt = Day(0), Review = new ReviewFacts(5, 5, 5, 5, true), PrivateRating = 10 },
        Order("B", 175, 179) with { FirstDeliveryAt = Day(178), CompletedAt = Day(180) },
        Order("C", 170, 178) with { FirstDeliveryAt = Day(180), CompletedAt = Day(180), DisputeOpened = true },
        Order("D", 355, 365) with { Cancellation = new CancellationFacts(Day(360), CancellationInitiator.Seller, CancellationReason.SellerUnableToDeliver) },
        Order("E", 355, 365) with { Cancellation = new CancellationFacts(Day(360), CancellationInitiator.Buyer, CancellationReason.BuyerUnresponsive) },
    ];

    [Fact]
    public void The_worked_example_of_the_docs_holds()
    {
        var ledger = new GigLedger("logo-gig", Policy);
        foreach (var o in Orders) ledger.Upsert(o);
        var gig = ledger.Aggregate;

        // Step 1-2: E is left out; weights A:B:C:D = 1:2:2:4 (one half-life apart).
        Assert.Equal(4, gig.ScoredOrders);
        Assert.Equal(7 / 9.0, gig.RawIndex(Area.Satisfaction)!.Value, 1e-9);
        Assert.Equal(1.0, gig.RawIndex(Area.Communication)!.Value, 1e-9);
        Assert.Equal(7 / 9.0, gig.RawIndex(Area.ConflictFree)!.Value, 1e-9);
        Assert.Equal(5 / 9.0, gig.RawIndex(Area.Cancellations)!.Value, 1e-9);
        Assert.Equal(0.8, gig.RawIndex(Area.OnTimeDelivery)!.Value, 1e-9);
        Assert.Equal(3, gig.Count(Area.OnTimeDelivery));
        Assert.Equal(1.0, gig.RawIndex(Area.ValueForMoney)!.Value, 1e-9);
        Assert.Equal(1, gig.Count(Area.ValueForMoney));

        // Step 3-4: shrinkage toward the peer mean 0.8 with 5 pseudo-orders, then the weighted quality.
        var q = GigScorer.Quality(gig, PeerMeans.Uniform(0.8), Policy);
        Assert.Equal(0.7901, q[Area.Satisfaction].Index, 0.00005);
        Assert.Equal(0.8889, q[Area.Communication].Index, 0.00005);
        Assert.Equal(0.6914, q[Area.Cancellations].Index, 0.00005);
        Assert.Equal(0.8000, q[Area.OnTimeDelivery].Index, 0.00005);
        Assert.Equal(0.8333, q[Area.ValueForMoney].Index, 0.00005);
        Assert.Equal(0.7981, q.Quality, 0.00005);
        Assert.Equal(-0.0163, q[Area.Cancellations].Impact, 0.00005);
        Assert.Equal(Area.Cancellations, q.ByImpact[0].Area);
        Assert.Equal(Area.Communication, q.ByImpact[^1].Area);

        // Step 5: percentile among 10 other scored Gigs of the peer group, score 7.3.
        var ranking = PeerRanking.Of([0.62, 0.70, 0.74, 0.76, 0.78, 0.79, 0.795, 0.81, 0.85, 0.90, q.Quality]);
        var score = GigScorer.Score(gig, PeerMeans.Uniform(0.8), ranking, q.Quality, Policy);
        Assert.Equal(0.7, score.Percentile!.Value, 1e-12);
        Assert.Equal(7.3, score.Score);

        // Step 6: seller with a second Gig (12 orders, 8.5): (4 × 7.3 + 12 × 8.5) / 16 = 8.2.
        var other = new GigScore(q with { ScoredOrders = 12 }, 0.8333, 8.5, 8.5);
        Assert.Equal(8.2, SellerScore.Of([score, other]).Score);
    }
}
