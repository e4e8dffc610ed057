namespace Marketplace.Scoring.Engine;

/// <summary>An area's mean impact over a seller's scored Gigs, weighted by their scored orders.</summary>
public sealed record AreaImpact(Area Area, double Impact);

/// <summary>The outcome of a low-performance evaluation; the service publishes an event when <see cref="Changed"/>.</summary>
/// <param name="HurtingAreas">The seller's areas with negative impact, the one that hurts most first (the event's reason).</param>
public sealed record LowPerformanceDecision(bool Before, bool After, double? Score, int ScoredOrders, string Reason, IReadOnlyList<AreaImpact> HurtingAreas)
{
    public bool Changed => Before != After;
}

/// <summary>
/// SPEC 5.5: flag a seller whose success score is at or below the flag threshold with enough
/// scored orders; clear only at or above the (higher) clear threshold. Between the two the flag
/// keeps its value, so a score oscillating inside the band never flaps.
/// </summary>
public static class LowPerformance
{
    /// <summary>Decides the flag from its current value and the seller's Gig scores.</summary>
    public static LowPerformanceDecision Decide(bool flagged, IReadOnlyList<GigScore> gigs, ScoringPolicy policy)
    {
        var seller = SellerScore.Of(gigs);
        var hurting = SellerImpacts(gigs).Where(a => a.Impact < 0).OrderBy(a => a.Impact).ToList();
        var areas = hurting.Count == 0 ? "none" : string.Join(", ", hurting.Select(a => $"{a.Area} ({a.Impact:+0.000;-0.000})"));
        if (seller.Score is not { } score)
            return new(flagged, flagged, null, seller.ScoredOrders, "no success score yet: flag unchanged", hurting);

        if (!flagged && score <= policy.LowPerformanceFlagAtOrBelow && seller.ScoredOrders >= policy.LowPerformanceMinScoredOrders)
            return new(false, true, score, seller.ScoredOrders,
                $"success score {score:0.0} ≤ {policy.LowPerformanceFlagAtOrBelow:0.0} with {seller.ScoredOrders} scored orders; areas hurting most: {areas}", hurting);
        if (flagged && score >= policy.LowPerformanceClearAtOrAbove)
            return new(true, false, score, seller.ScoredOrders,
                $"success score {score:0.0} ≥ {policy.LowPerformanceClearAtOrAbove:0.0}: flag cleared", hurting);
        return new(flagged, flagged, score, seller.ScoredOrders,
            $"success score {score:0.0}: flag stays {(flagged ? "set" : "clear")} (set at ≤ {policy.LowPerformanceFlagAtOrBelow:0.0} with ≥ {policy.LowPerformanceMinScoredOrders} orders, cleared at ≥ {policy.LowPerformanceClearAtOrAbove:0.0})", hurting);
    }

    /// <summary>Per-area impact over the seller's scored Gigs, weighted by each Gig's scored orders.</summary>
    public static IReadOnlyList<AreaImpact> SellerImpacts(IEnumerable<GigScore> gigs)
    {
        var sums = new double[Areas.Count];
        long weights = 0;
        foreach (var g in gigs.Where(g => g.HasScore))
        {
            weights += g.ScoredOrders;
            foreach (var a in g.Quality.Areas) sums[(int)a.Area] += a.Impact * g.ScoredOrders;
        }
        return [.. Areas.All.Select(a => new AreaImpact(a, weights > 0 ? sums[(int)a] / weights : 0))];
    }
}
