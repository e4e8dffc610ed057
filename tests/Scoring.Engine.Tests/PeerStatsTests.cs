using static Marketplace.Scoring.Engine.Tests.Orders;

namespace Marketplace.Scoring.Engine.Tests;

/// <summary>The peer-group sums as the service stores them (SPEC 5.2: peer means for shrinkage and impacts).</summary>
public sealed class PeerStatsTests
{
    private static readonly ScoringPolicy Policy = ScoringPolicy.Default;

    [Fact]
    public void Sums_read_back_from_storage_give_the_same_means()
    {
        var gigs = new[]
        {
            Ledger([Completed("a", gig: "g1"), Bad("b", 1, "g1"), Completed("c", 2, gig: "g1") with { Review = FiveStars }], gig: "g1").Aggregate,
            Ledger([Completed("d", gig: "g2"), Completed("e", 1, gig: "g2"), Completed("f", 2, gig: "g2") with { Review = OneStar }], gig: "g2").Aggregate,
        };
        var stats = PeerStats.Of(gigs, Policy);
        var stored = PeerStats.FromSums(Areas.All.Select(stats.Count).ToArray(), Areas.All.Select(stats.Sum).ToArray());
        Assert.Equal(Areas.All.Select(a => stats.Means(Policy)[a]), Areas.All.Select(a => stored.Means(Policy)[a]));
        Assert.Equal(2, stored.Count(Area.Satisfaction));
    }

    [Fact]
    public void Inconsistent_stored_sums_are_refused_naming_the_area()
    {
        var counts = new long[Areas.Count];
        var sums = new long[Areas.Count];
        sums[(int)Area.OnTimeDelivery] = 42; // a sum without a Gig
        var e = Assert.Throws<FormatException>(() => PeerStats.FromSums(counts, sums));
        Assert.Contains("OnTimeDelivery", e.Message, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => PeerStats.FromSums([1, 1], [1, 1]));
    }

    [Theory]
    [InlineData(CancellationReason.MutualAgreement)]
    [InlineData(CancellationReason.TermsViolation)]
    public void Mutual_agreements_and_terms_violations_count_against_the_seller_by_default(CancellationReason reason)
    {
        // SPEC 2: only the listed reasons do not count; mutual cancellations count, less than the seller's own.
        var facts = new CancellationFacts(T0, CancellationInitiator.Mutual, reason);
        Assert.True(Policy.Cancellations.Counts(facts));
        Assert.True(Policy.Cancellations.Weight(facts) < Policy.Cancellations.Weight(facts with { Initiator = CancellationInitiator.Seller }));
    }
}
