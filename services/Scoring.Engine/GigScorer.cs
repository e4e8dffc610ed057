namespace Marketplace.Scoring.Engine;

/// <summary>One area of a Gig's breakdown (SPEC 5.3): the Gig's own index, shrunk index, peer mean and impact.</summary>
/// <param name="RawIndex">Weighted mean of the Gig's own orders, null when no order applies.</param>
/// <param name="Orders">Counted orders to which the area applies.</param>
/// <param name="Index">The index after shrinkage toward the peer mean (what the quality uses).</param>
/// <param name="Impact">Weight × (Index − PeerMean): positive helps, negative hurts.</param>
public sealed record AreaBreakdown(Area Area, double? RawIndex, int Orders, double Index, double PeerMean, double Weight, double Impact);

/// <summary>
/// A Gig's quality and its breakdown. The impacts sum to <see cref="Quality"/> − <see cref="PeerMeanQuality"/>
/// (up to floating-point rounding), since both are linear in the same indices.
/// </summary>
public sealed record GigQuality(double Quality, double PeerMeanQuality, int ScoredOrders, IReadOnlyList<AreaBreakdown> Areas)
{
    /// <summary>Areas from the one that hurts most to the one that helps most.</summary>
    public IReadOnlyList<AreaBreakdown> ByImpact => [.. Areas.OrderBy(a => a.Impact).ThenBy(a => a.Area)];

    /// <summary>The breakdown of one area.</summary>
    public AreaBreakdown this[Area area] => Areas[(int)area];
}

/// <summary>A Gig's evaluation: quality and, once it has enough scored orders, percentile and success score.</summary>
/// <param name="Score">1 + 9 × percentile, one decimal; null means "not enough orders".</param>
/// <param name="UnroundedScore">1 + 9 × percentile before rounding (used for the seller mean).</param>
public sealed record GigScore(GigQuality Quality, double? Percentile, double? Score, double? UnroundedScore)
{
    public bool HasScore => Score is not null;
    public int ScoredOrders => Quality.ScoredOrders;
}

/// <summary>The SPEC 5.2 / 5.3 computations from a Gig's aggregate to its score. Pure.</summary>
public static class GigScorer
{
    /// <summary>
    /// Shrinks each area index toward the peer mean with k pseudo-orders,
    /// index = (n·x̄ + k·m) / (n + k), and combines the six with the policy weights.
    /// </summary>
    public static GigQuality Quality(GigAggregate gig, PeerMeans peers, ScoringPolicy policy)
    {
        var areas = new AreaBreakdown[Areas.Count];
        var quality = 0.0;
        for (int a = 0; a < Areas.Count; a++)
        {
            var area = (Area)a;
            var index = ShrunkIndex(gig, peers, policy, area, out var raw, out var n);
            var m = peers[area];
            var w = policy.AreaWeights[area];
            areas[a] = new AreaBreakdown(area, raw, n, index, m, w, w * (index - m));
            quality += w * index;
        }
        return new GigQuality(quality, peers.Quality(policy.AreaWeights), gig.ScoredOrders, areas);
    }

    /// <summary>
    /// <see cref="Quality(GigAggregate, PeerMeans, ScoringPolicy)"/>'s quality alone, the same
    /// arithmetic in the same order (so the same double), without the breakdown: what rankings hold
    /// and score reads check, for every Gig of a group at each evaluation.
    /// </summary>
    public static double QualityOf(GigAggregate gig, PeerMeans peers, ScoringPolicy policy)
    {
        var quality = 0.0;
        for (int a = 0; a < Areas.Count; a++)
        {
            var area = (Area)a;
            quality += policy.AreaWeights[area] * ShrunkIndex(gig, peers, policy, area, out _, out _);
        }
        return quality;
    }

    /// <summary>One area's index shrunk toward the peer mean; <paramref name="raw"/> and <paramref name="n"/> are the Gig's own.</summary>
    private static double ShrunkIndex(GigAggregate gig, PeerMeans peers, ScoringPolicy policy, Area area, out double? raw, out int n)
    {
        var k = policy.ShrinkagePseudoOrders;
        n = gig.Count(area);
        raw = gig.RawIndex(area);
        var m = peers[area];
        return raw is { } x && n + k > 0 ? (n * x + k * m) / (n + k) : m;
    }

    /// <summary>
    /// Quality, percentile and success score of a Gig. <paramref name="qualityInRanking"/> is the
    /// quality the ranking currently holds for this Gig (null when absent), so the same call
    /// serves a stored Gig, a newly scored one and a what-if.
    /// </summary>
    public static GigScore Score(GigAggregate gig, PeerMeans peers, IPeerRanking ranking, double? qualityInRanking, ScoringPolicy policy)
    {
        var quality = Quality(gig, peers, policy);
        if (gig.ScoredOrders < policy.MinScoredOrders) return new GigScore(quality, null, null, null);
        var p = Percentile.Of(ranking, quality.Quality, qualityInRanking);
        var unrounded = 1 + 9 * p;
        return new GigScore(quality, p, Percentile.Round1(unrounded), unrounded);
    }
}

/// <summary>A seller's success score (SPEC 5.2): the mean of Gig scores weighted by each Gig's scored orders.</summary>
/// <param name="Score">One decimal; null when no Gig has a score yet.</param>
/// <param name="ScoredOrders">Scored orders over all the seller's Gigs (the low-performance minimum uses this).</param>
public sealed record SellerScore(double? Score, int ScoredOrders, int ScoredGigs)
{
    /// <summary>Combines the seller's Gig scores; Gigs without a score add their orders to the count only.</summary>
    public static SellerScore Of(IEnumerable<GigScore> gigs)
    {
        double weighted = 0;
        long weights = 0;
        int orders = 0, scoredGigs = 0;
        foreach (var g in gigs)
        {
            orders += g.ScoredOrders;
            if (g.UnroundedScore is not { } s) continue;
            weighted += s * g.ScoredOrders;
            weights += g.ScoredOrders;
            scoredGigs++;
        }
        return new SellerScore(weights > 0 ? Percentile.Round1(weighted / weights) : null, orders, scoredGigs);
    }
}
