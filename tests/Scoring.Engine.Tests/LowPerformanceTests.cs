using static Marketplace.Scoring.Engine.Tests.Orders;

namespace Marketplace.Scoring.Engine.Tests;

/// <summary>SPEC 5.5: the low-performance flag with hysteresis.</summary>
public sealed class LowPerformanceTests
{
    private static readonly ScoringPolicy Policy = ScoringPolicy.Default;

    private static GigScore Gig(double score, int orders)
    {
        var gig = Ledger([Bad("a"), Completed("b", 1), Completed("c", 2)]).Aggregate;
        var quality = GigScorer.Quality(gig, PeerMeans.Uniform(0.8), Policy) with { ScoredOrders = orders };
        return new GigScore(quality, (score - 1) / 9, score, score);
    }

    [Fact]
    public void A_seller_at_or_below_3_with_5_scored_orders_is_flagged_with_the_areas_that_hurt_most()
    {
        // SPEC 5.5: flagged at success score ≤ 3.0 with ≥ 5 scored orders; the reason names the areas that hurt most.
        var d = LowPerformance.Decide(false, [Gig(3.0, 5)], Policy);
        Assert.True(d.After);
        Assert.True(d.Changed);
        Assert.NotEmpty(d.HurtingAreas);
        Assert.Contains(d.HurtingAreas[0].Area.ToString(), d.Reason);
        Assert.True(d.HurtingAreas.Zip(d.HurtingAreas.Skip(1)).All(p => p.First.Impact <= p.Second.Impact));
    }

    [Fact]
    public void Too_few_scored_orders_do_not_flag()
    {
        // SPEC 5.5: "with at least 5 (policy) scored orders".
        Assert.False(LowPerformance.Decide(false, [Gig(1.0, 4)], Policy).After);
        Assert.False(LowPerformance.Decide(false, [Gig(3.1, 50)], Policy).After);
    }

    [Fact]
    public void The_flag_clears_at_or_above_4_and_holds_in_between()
    {
        // SPEC 5.5: "the flag clears at or above 4.0 (hysteresis, no flapping)".
        Assert.True(LowPerformance.Decide(true, [Gig(3.9, 10)], Policy).After);
        var cleared = LowPerformance.Decide(true, [Gig(4.0, 10)], Policy);
        Assert.False(cleared.After);
        Assert.True(cleared.Changed);
        Assert.False(LowPerformance.Decide(false, [Gig(3.5, 10)], Policy).After);
    }

    [Fact]
    public void The_seller_score_decides_not_a_single_gig()
    {
        // SPEC 5.5 uses the seller's success score (SPEC 5.2: order-weighted mean of Gig scores).
        var d = LowPerformance.Decide(false, [Gig(2.0, 5), Gig(8.0, 15)], Policy);
        Assert.Equal(6.5, d.Score);
        Assert.False(d.After);
    }
}
