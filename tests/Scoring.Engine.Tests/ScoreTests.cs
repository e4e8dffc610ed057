using static Marketplace.Scoring.Engine.Tests.Orders;

namespace Marketplace.Scoring.Engine.Tests;

/// <summary>SPEC 5.2 (shrinkage, quality, percentile score, seller score) and 5.3 (impacts).</summary>
public sealed class ScoreTests
{
    private static readonly ScoringPolicy Policy = ScoringPolicy.Default;
    private static readonly PeerMeans Peers = PeerMeans.Uniform(0.8);

    [Fact]
    public void Few_orders_are_shrunk_toward_the_peer_mean_with_five_pseudo_orders()
    {
        // SPEC 5.2: each area index is shrunk toward the mean of its peer group with 5 (policy) pseudo-orders.
        var gig = Ledger([Completed("a") with { DisputeOpened = true }]).Aggregate;
        var q = GigScorer.Quality(gig, Peers, Policy);
        Assert.Equal((1 * 0.0 + 5 * 0.8) / 6, q[Area.ConflictFree].Index, 1e-12);
        Assert.Equal(0.8, q[Area.ValueForMoney].Index); // no data: exactly the peer mean
        var many = Ledger(Enumerable.Range(0, 95).Select(i => Completed($"o{i}", 0) with { DisputeOpened = true })).Aggregate;
        Assert.Equal(5 * 0.8 / 100, GigScorer.Quality(many, Peers, Policy)[Area.ConflictFree].Index, 1e-12);
    }

    [Fact]
    public void Quality_is_the_weighted_sum_of_the_six_area_indices()
    {
        // SPEC 5.2: "The Gig quality is a weighted sum of its six area indices (policy weights)".
        var gig = Ledger([Completed("a") with { Review = FiveStars }, Bad("b", 1), Completed("c", 2)]).Aggregate;
        var q = GigScorer.Quality(gig, Peers, Policy);
        Assert.Equal(Areas.All.Sum(a => Policy.AreaWeights[a] * q[a].Index), q.Quality, 1e-12);
    }

    [Fact]
    public void A_gig_below_the_minimum_of_scored_orders_has_no_score_yet()
    {
        // SPEC 5.2: a Gig below 3 (policy) scored orders has no score yet ("not enough orders").
        var ranking = PeerRanking.Of([0.5, 0.6, 0.7]);
        var two = Ledger([Completed("a"), Completed("b", 1)]).Aggregate;
        Assert.False(GigScorer.Score(two, Peers, ranking, null, Policy).HasScore);
        var three = Ledger([Completed("a"), Completed("b", 1), Completed("c", 2)]).Aggregate;
        Assert.True(GigScorer.Score(three, Peers, ranking, null, Policy).HasScore);
    }

    [Fact]
    public void Score_is_one_plus_nine_times_the_percentile_with_one_decimal()
    {
        // SPEC 5.2: success score = 1 + 9 × percentile of its quality in the peer group, shown with one decimal.
        var ranking = PeerRanking.Of([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]);
        Assert.Equal(1.0, Percentile.ToScore(Percentile.Of(ranking, 0.1, 0.1)));
        Assert.Equal(10.0, Percentile.ToScore(Percentile.Of(ranking, 0.8, 0.8)));
        Assert.Equal(3.6, Percentile.ToScore(Percentile.Of(ranking, 0.3, 0.3))); // 2/7 → 3.571…
        Assert.Equal(2 / 7.0, Percentile.Of(ranking, 0.3, 0.3), 1e-12);
    }

    [Fact]
    public void Ties_share_the_mid_rank_and_a_gig_alone_scores_the_middle()
    {
        // SPEC 5.2 percentile, defined for ties and n = 1 (see docs/scoring.md): mid-rank (b + (e − 1)/2) / (n − 1).
        Assert.Equal(0.5, Percentile.From(0, 1, 1));
        Assert.Equal(0.5, Percentile.From(1, 2, 4)); // 4 Gigs, 1 below, 2 tied: (1 + 0.5) / 3
        var ranking = PeerRanking.Of([0.2, 0.5, 0.5, 0.9]);
        Assert.Equal(Percentile.Of(ranking, 0.5, 0.5), Percentile.Of(ranking, 0.5, 0.5));
        Assert.Equal(0.5, Percentile.Of(ranking, 0.5, 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentile.From(3, 2, 4));
    }

    [Fact]
    public void A_gig_not_yet_ranked_or_moving_is_ranked_as_if_it_held_its_new_quality()
    {
        // SPEC 5.2 percentile among the group's scored Gigs: the Gig itself counts once, at its current quality.
        var ranking = PeerRanking.Of([0.2, 0.4, 0.6]);
        Assert.Equal(Percentile.Of(PeerRanking.Of([0.2, 0.4, 0.5, 0.6]), 0.5, 0.5), Percentile.Of(ranking, 0.5, null));
        Assert.Equal(Percentile.Of(PeerRanking.Of([0.4, 0.6, 0.7]), 0.7, 0.7), Percentile.Of(ranking, 0.7, 0.2));
        Assert.Equal(Percentile.Of(PeerRanking.Of([0.2, 0.4, 0.6]), 0.4, 0.4), Percentile.Of(ranking, 0.4, 0.4));
        Assert.Equal(1.0, Percentile.Of(ranking, 0.7, 0.2));
    }

    [Theory]
    [InlineData(10, 0)]
    [InlineData(25, 1)]
    [InlineData(99.99, 2)]
    [InlineData(100, 3)]
    [InlineData(250, 4)]
    [InlineData(499, 4)]
    [InlineData(500, 5)]
    public void Price_bands_follow_the_policy_edges(double price, int band)
    {
        // SPEC 1: default USD bands [0,25) [25,50) [50,100) [100,250) [250,500) [500,∞).
        Assert.Equal(band, Policy.PriceBand((decimal)price));
    }

    [Fact]
    public void The_peer_group_is_band_and_category_when_it_has_enough_gigs_else_band_alone()
    {
        // SPEC 5.2: peer group (price range, category where it has enough Gigs); CategoryMinGigs = 20 (policy).
        Assert.Equal(new PeerGroupKey(3, "logo"), PeerGroupKey.Resolve(120m, "logo", 20, Policy));
        Assert.Equal(new PeerGroupKey(3, null), PeerGroupKey.Resolve(120m, "logo", 19, Policy));
        Assert.Equal("b3:c:logo", PeerGroupKey.Resolve(120m, "logo", 25, Policy).RedisKeySuffix);
        Assert.Equal("b3", PeerGroupKey.Resolve(120m, "logo", 2, Policy).RedisKeySuffix);
    }

    [Fact]
    public void Peer_stats_updated_incrementally_equal_the_stats_of_the_current_gigs()
    {
        // SPEC 5.2/5.3 peer-group means, kept as running sums the service updates with each Gig's delta.
        var a = Ledger([Completed("a1", gig: "a"), Completed("a2", 1, gig: "a"), Bad("a3", 2, gig: "a")], gig: "a");
        var b = Ledger([Completed("b1", gig: "b"), Completed("b2", 1, gig: "b"), Completed("b3", 2, gig: "b") with { Review = FiveStars }], gig: "b");
        var stats = new PeerStats();
        stats.Add(PeerStats.Delta(null, a.Aggregate, Policy));
        var bBefore = b.Aggregate.Clone();
        stats.Add(PeerStats.Delta(null, bBefore, Policy));
        b.Upsert(Bad("b4", 3, gig: "b"));
        stats.Add(PeerStats.Delta(bBefore, b.Aggregate, Policy));
        var expected = PeerStats.Of([a.Aggregate, b.Aggregate], Policy);
        foreach (var area in Areas.All)
        {
            Assert.Equal(expected.Count(area), stats.Count(area));
            Assert.Equal(expected.Sum(area), stats.Sum(area));
        }
        var means = stats.Means(Policy);
        Assert.Equal((a.Aggregate.RawIndex(Area.ConflictFree)!.Value + b.Aggregate.RawIndex(Area.ConflictFree)!.Value) / 2, means[Area.ConflictFree], 1e-9);
        var noReviews = PeerStats.Of([Ledger([Completed("c1", gig: "c"), Completed("c2", gig: "c"), Completed("c3", gig: "c")], gig: "c").Aggregate], Policy);
        Assert.Equal(0, noReviews.Count(Area.ValueForMoney));
        Assert.Equal(Policy.PriorAreaMean, noReviews.Means(Policy)[Area.ValueForMoney]); // no data in the group: the policy prior
    }

    [Fact]
    public void Seller_score_is_the_mean_of_gig_scores_weighted_by_order_count()
    {
        // SPEC 5.2: "The seller's success score is the mean of its Gig scores weighted by each Gig's order count".
        var quality = GigScorer.Quality(Ledger([Completed("a")]).Aggregate, Peers, Policy);
        GigScore Gig(int orders, double? score) => new(quality with { ScoredOrders = orders }, null, score, score);
        var seller = SellerScore.Of([Gig(30, 9.0), Gig(10, 5.0), Gig(2, null)]);
        Assert.Equal(8.0, seller.Score);
        Assert.Equal(42, seller.ScoredOrders);
        Assert.Equal(2, seller.ScoredGigs);
        Assert.Null(SellerScore.Of([Gig(2, null)]).Score);
    }

    [Fact]
    public void Impacts_are_weight_times_index_minus_peer_mean_and_sorted_by_what_hurts_most()
    {
        // SPEC 5.3: impact = weight × (index − peer-group mean); sorted, they say which areas help and hurt most.
        var gig = Ledger([Completed("a") with { Review = FiveStars }, Bad("b", 1) with { Review = FiveStars }, Completed("c", 2) with { Review = FiveStars }]).Aggregate;
        var q = GigScorer.Quality(gig, Peers, Policy);
        foreach (var a in q.Areas) Assert.Equal(a.Weight * (a.Index - a.PeerMean), a.Impact, 1e-15);
        Assert.True(q.ByImpact[0].Impact <= q.ByImpact[^1].Impact);
        Assert.Contains(q.ByImpact[0].Area, new[] { Area.ConflictFree, Area.OnTimeDelivery, Area.Communication });
        Assert.Equal(q.Quality - q.PeerMeanQuality, q.Areas.Sum(a => a.Impact), 1e-12);
    }

    [Fact]
    public void Ranking_a_whole_group_at_once_gives_every_gig_the_same_percentile_as_asking_one_by_one()
    {
        // SPEC 5.2 percentile: the daily batch ranking and the per-Gig O(log n) query agree, ties included.
        var random = new Random(3);
        var qualities = Enumerable.Range(0, 2000).Select(_ => Math.Round(random.NextDouble(), 2)).ToArray();
        var ranking = PeerRanking.Of(qualities);
        var all = Percentile.OfAll(qualities);
        for (var i = 0; i < qualities.Length; i++) Assert.Equal(Percentile.Of(ranking, qualities[i], qualities[i]), all[i]);
        Assert.Equal([0.5], Percentile.OfAll([0.3]));
    }
}
