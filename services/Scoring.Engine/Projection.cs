namespace Marketplace.Scoring.Engine;

/// <summary>What one Gig looks like to the engine at one evaluation: its orders, the peer means and the peer ranking.</summary>
/// <param name="Ranking">The peer group's qualities; holds this Gig's quality when the Gig is scored.</param>
public sealed record GigSnapshot(GigLedger Gig, PeerMeans Peers, IPeerRanking Ranking)
{
    /// <summary>The Gig's score in this snapshot.</summary>
    public GigScore Score(ScoringPolicy policy)
    {
        var quality = GigScorer.QualityOf(Gig.Aggregate, Peers, policy);
        var inRanking = Gig.Aggregate.ScoredOrders >= policy.MinScoredOrders ? quality : (double?)null;
        return GigScorer.Score(Gig.Aggregate, Peers, Ranking, inRanking, policy);
    }
}

/// <summary>The result of a what-if: the Gig's and the seller's scores now and as projected.</summary>
public sealed record WhatIfResult(GigScore CurrentGig, GigScore ProjectedGig, SellerScore CurrentSeller, SellerScore ProjectedSeller);

/// <summary>SPEC 5.3 what-if: hypothetical future orders give projected scores, and nothing is changed.</summary>
public static class WhatIf
{
    /// <summary>
    /// Projects the Gig's and seller's scores after <paramref name="hypotheticalOrders"/> (facts of
    /// new orders of this Gig). Peer means and the other Gigs' qualities are held at the snapshot;
    /// <paramref name="otherGigsOfSeller"/> are the seller's other Gig scores, unchanged.
    /// </summary>
    public static WhatIfResult Project(GigSnapshot current, IEnumerable<OrderFacts> hypotheticalOrders,
        IReadOnlyList<GigScore> otherGigsOfSeller, ScoringPolicy policy)
    {
        var now = current.Score(policy);
        var projectedLedger = current.Gig.Clone();
        foreach (var order in hypotheticalOrders)
        {
            if (current.Gig.Facts.ContainsKey(order.OrderId))
                throw new ArgumentException($"Hypothetical order '{order.OrderId}' already exists on the Gig; use a new order id", nameof(hypotheticalOrders));
            projectedLedger.Upsert(order);
        }
        var inRanking = now.HasScore ? now.Quality.Quality : (double?)null;
        var projected = GigScorer.Score(projectedLedger.Aggregate, current.Peers, current.Ranking, inRanking, policy);
        return new WhatIfResult(now, projected,
            SellerScore.Of([.. otherGigsOfSeller, now]),
            SellerScore.Of([.. otherGigsOfSeller, projected]));
    }
}

/// <summary>One order's share of a score change in one area, in quality units (negative pulled it down).</summary>
public sealed record OrderMovement(string OrderId, Area Area, double QualityEffect);

/// <summary>
/// SPEC 5.3 "why did it move": the change of a Gig's score between two evaluations, split into the
/// Gig's own change (its orders, at the earlier peers) and peer movement (the rest), with the
/// orders and areas that moved it most. Own + peer = after − before (unrounded scores).
/// </summary>
public sealed record ScoreChange(
    double? Before,
    double? After,
    double? OwnChange,
    double? PeerMovement,
    double QualityBefore,
    double QualityAfter,
    IReadOnlyList<OrderMovement> TopOrders);

/// <summary>Explains the change of a Gig's score between two snapshots. Pure.</summary>
public static class ScoreChangeExplainer
{
    /// <summary>
    /// Own change = score(own orders after, peers before) − score(before); peer movement =
    /// score(after) − score(own orders after, peers before). The orders are ranked by the size of
    /// their effect on the Gig's quality at the earlier peers, per area; at most <paramref name="top"/>.
    /// The split is null when either evaluation has no score (not enough orders).
    /// </summary>
    public static ScoreChange Explain(GigSnapshot before, GigSnapshot after, ScoringPolicy policy, int top = 5)
    {
        if (!string.Equals(before.Gig.GigId, after.Gig.GigId, StringComparison.Ordinal))
            throw new ArgumentException("before and after must describe the same Gig", nameof(after));
        ArgumentOutOfRangeException.ThrowIfNegative(top);

        var b = before.Score(policy);
        var a = after.Score(policy);
        var beforeInRanking = b.HasScore ? b.Quality.Quality : (double?)null;
        var mid = GigScorer.Score(after.Gig.Aggregate, before.Peers, before.Ranking, beforeInRanking, policy);

        double? own = null, peer = null;
        if (b.UnroundedScore is { } sb && a.UnroundedScore is { } sa && mid.UnroundedScore is { } sm)
        {
            own = sm - sb;
            peer = sa - sm;
        }
        return new ScoreChange(b.UnroundedScore, a.UnroundedScore, own, peer, b.Quality.Quality, a.Quality.Quality,
            OrderMovements(before, after, b.Quality, policy).Take(top).ToList());
    }

    private static IEnumerable<OrderMovement> OrderMovements(GigSnapshot before, GigSnapshot after, GigQuality baseQuality, ScoringPolicy policy)
    {
        var landmark = before.Gig.Aggregate.HasOrders ? before.Gig.Aggregate.LandmarkSeconds : after.Gig.Aggregate.LandmarkSeconds;
        var ids = before.Gig.Counted.Keys.Union(after.Gig.Counted.Keys, StringComparer.Ordinal);
        var movements = new List<OrderMovement>();
        foreach (var id in ids)
        {
            before.Gig.Counted.TryGetValue(id, out var was);
            var now = after.Gig.Counted.ContainsKey(id)
                ? OrderContribution.From(after.Gig.Facts[id], policy, landmark) // same scale as "before"
                : default;
            if (was == now) continue;

            var probe = before.Gig.Aggregate.Clone();
            if (!probe.HasOrders) probe.StartAt(landmark);
            if (was.Included) probe.Subtract(was);
            if (now.Included) probe.Add(now);
            var changed = GigScorer.Quality(probe, before.Peers, policy);
            foreach (var area in Areas.All)
            {
                var effect = changed[area].Weight * (changed[area].Index - baseQuality[area].Index);
                if (effect != 0) movements.Add(new OrderMovement(id, area, effect));
            }
        }
        return movements.OrderByDescending(m => Math.Abs(m.QualityEffect)).ThenBy(m => m.OrderId, StringComparer.Ordinal).ThenBy(m => m.Area);
    }
}
