using Google.Protobuf.WellKnownTypes;
using Marketplace.Scoring.Engine;
using Marketplace.Scoring.Store;
using Microsoft.Extensions.Options;
using Proto = Marketplace.Contracts.Scoring.V1;

namespace Marketplace.Scoring.Api;

/// <summary>
/// SPEC 5.3 "why did it move", from the evaluation history (issue 13). For two evaluations B
/// (earlier) and A (later) of a Gig, with S(own sums, group means and ranking, policy):
/// <list type="bullet">
/// <item>policy effect = S(own B, group B, policy A) − S(B): what the later policy's scoring numbers
/// alone do to the earlier state (0 when the version did not change);</item>
/// <item>own change = S(own A, group B, policy A) − S(own B, group B, policy A): the Gig's own orders,
/// measured at the earlier peers (the engine's <see cref="ScoreChangeExplainer"/> split);</item>
/// <item>peer movement = the rest of S(A) − S(B): the group's means and the other Gigs' qualities,
/// and a change of group.</item>
/// </list>
/// S(own, group B) counts the earlier group's stored qualities with the Gig's own replaced
/// (<see cref="Percentile.Of"/>). The areas' parts of the quality change are
/// weight × index at A − weight × index at B, so they sum to the quality change. Each order of the
/// change log between B and A is put on B's sums alone (its deltas brought to B's landmark) and
/// scored at B's peers: its effect per area and in all; the largest effects are named.
/// </summary>
public sealed class ChangeExplainer(HistoryReads reads, IOptions<ScoringOptions> options)
{
    /// <summary>Orders named by default, and at most.</summary>
    public const int DefaultOrders = 5;
    public const int MaxOrders = 50;

    private ScoringPolicy Policy => options.Value.Policy;

    /// <summary>The explanation of one Gig from <paramref name="read"/>.</summary>
    public async Task<Proto.ScoreChangeExplanation> GigAsync(string gigId, HistoryRead read, int maxOrders)
    {
        var message = new Proto.ScoreChangeExplanation { GigId = gigId };
        if (read.After is not { } after)
        {
            message.NothingToCompare = true;
            message.Note = read.Evaluations == 0
                ? "no evaluation of this Gig yet: a Gig enters the history at the first evaluation after it has a score"
                : "no evaluation of this Gig at or before `to`";
            return message;
        }

        message.After = Point(after);
        message.ScoreAfter = after.Entry.UnroundedScore ?? 0;
        message.QualityAfter = after.Entry.Quality;
        if (read.Before is not { } before || before.Entry.EvaluatedMs == after.Entry.EvaluatedMs)
        {
            message.NothingToCompare = true;
            message.Note = read.Before is null
                ? read.Evaluations <= 1
                    ? "first evaluation of this Gig: there is nothing earlier to compare with"
                    : "no evaluation of this Gig at or before `from`"
                : "`from` and `to` pick the same evaluation of this Gig";
            return message;
        }

        if (before.Means is not { } meansB || after.Means is not { } meansA)
        {
            message.NothingToCompare = true;
            message.Note = "the peer group's snapshot of one of the two evaluations is no longer kept";
            return message;
        }

        var policyB = PolicyOf(before);
        var policyA = PolicyOf(after);
        var aggB = before.Entry.Aggregate;
        var aggA = after.Entry.Aggregate;
        double sB = before.Entry.UnroundedScore ?? 0, sA = after.Entry.UnroundedScore ?? 0;
        double qB = before.Entry.Quality;
        bool policyChanged = before.PolicyVersion != after.PolicyVersion;

        // The earlier group, counted at the qualities the split asks about.
        double qPolicy = policyChanged ? GigScorer.QualityOf(aggB, meansB, policyA) : qB;
        double qMid = GigScorer.QualityOf(aggA, meansB, policyA);
        var counts = await reads.CountsAsync(before.Entry.Group, before.Entry.EvaluatedMs, [qPolicy, qMid]);
        if (counts is null)
        {
            message.NothingToCompare = true;
            message.Note = "the peer group's snapshot of the earlier evaluation is no longer kept";
            return message;
        }

        double ScoreAt(GigAggregate agg, double quality, double fallback) =>
            agg.ScoredOrders >= policyA.MinScoredOrders ? 1 + 9 * Percentile.Of(counts, quality, qB) : fallback;
        double sPolicy, sMid;
        try
        {
            sPolicy = policyChanged ? ScoreAt(aggB, qPolicy, sB) : sB;
            sMid = ScoreAt(aggA, qMid, sPolicy);
        }
        catch (ArgumentOutOfRangeException)
        {
            // The snapshot does not hold the Gig's earlier quality (it was replaced by an evaluation repeated at that time).
            message.NothingToCompare = true;
            message.Note = "the peer group's snapshot of the earlier evaluation does not hold this Gig";
            return message;
        }

        message.Before = Point(before);
        message.ScoreBefore = sB;
        message.QualityBefore = qB;
        message.TotalChange = sA - sB;
        message.PolicyChanged = policyChanged;
        message.PolicyEffect = sPolicy - sB;
        message.OwnChange = sMid - sPolicy;
        message.PeerMovement = message.TotalChange - message.OwnChange - message.PolicyEffect;
        message.PeerGroupChanged = before.Entry.Group != after.Entry.Group;

        var breakdownB = GigScorer.Quality(aggB, meansB, policyB);
        var breakdownA = GigScorer.Quality(aggA, meansA, policyA);
        message.AreaChanges.AddRange(Areas.All
            .Select(a => (Area: a, Impact: breakdownA[a].Weight * breakdownA[a].Index - breakdownB[a].Weight * breakdownB[a].Index))
            .OrderByDescending(x => Math.Abs(x.Impact)).ThenBy(x => x.Area)
            .Select(x => new Proto.AreaImpact { Area = ScoringMessages.ToProto(x.Area), Impact = x.Impact }));

        var orders = Orders(read.Changes, aggB, meansB, policyA);
        message.OrdersChanged = orders.Count;
        message.TopOrders.AddRange(orders.Take(maxOrders));
        message.Note = Note(message, read.ChangesCut);
        return message;
    }

    /// <summary>
    /// A seller's explanation from their Gigs' (each compared on its own evaluations): the seller's
    /// score at each side is the mean of the Gigs' scores there weighted by their scored orders;
    /// peer movement and policy effect are the Gigs' parts weighted as at the later evaluation, and
    /// own change the rest (the Gigs' own changes and the shift of the weights, both the seller's orders).
    /// </summary>
    public static Proto.ScoreChangeExplanation Seller(string sellerId, IReadOnlyList<(Proto.ScoreChangeExplanation Gig, int OrdersBefore, int OrdersAfter)> gigs)
    {
        var message = new Proto.ScoreChangeExplanation { SellerId = sellerId };
        message.Gigs.AddRange(gigs.Select(g => g.Gig));
        var withBefore = gigs.Where(g => g.Gig.Before is not null && !g.Gig.NothingToCompare).ToList();
        var withAfter = gigs.Where(g => g.Gig.After is not null).ToList();
        if (withBefore.Count == 0 || withAfter.Sum(g => g.OrdersAfter) == 0)
        {
            message.NothingToCompare = true;
            message.Note = "none of the seller's Gigs has two evaluations to compare";
            if (withAfter.Sum(g => g.OrdersAfter) is > 0 and var n)
            {
                message.ScoreAfter = withAfter.Sum(g => g.Gig.ScoreAfter * g.OrdersAfter) / n;
            }

            return message;
        }

        double ordersBefore = withBefore.Sum(g => g.OrdersBefore);
        double ordersAfter = withAfter.Sum(g => g.OrdersAfter);
        message.ScoreBefore = withBefore.Sum(g => g.Gig.ScoreBefore * g.OrdersBefore) / ordersBefore;
        message.ScoreAfter = withAfter.Sum(g => g.Gig.ScoreAfter * g.OrdersAfter) / ordersAfter;
        message.TotalChange = message.ScoreAfter - message.ScoreBefore;
        message.PeerMovement = withBefore.Sum(g => g.Gig.PeerMovement * g.OrdersAfter) / ordersAfter;
        message.PolicyEffect = withBefore.Sum(g => g.Gig.PolicyEffect * g.OrdersAfter) / ordersAfter;
        message.OwnChange = message.TotalChange - message.PeerMovement - message.PolicyEffect;
        message.PolicyChanged = withBefore.Any(g => g.Gig.PolicyChanged);
        message.OrdersChanged = withBefore.Sum(g => g.Gig.OrdersChanged);
        message.Note = $"{withBefore.Count} of the seller's {gigs.Count} Gigs compared";
        return message;
    }

    private ScoringPolicy PolicyOf(HistoryPoint point) => point.Numbers?.Apply(Policy) ?? Policy;

    /// <summary>Each changed order's effect on B's quality at B's peers under <paramref name="policy"/>, the largest first.</summary>
    private static List<Proto.OrderInfluence> Orders(IReadOnlyList<ChangeLogEntry> changes, GigAggregate baseline, PeerMeans means, ScoringPolicy policy)
    {
        var byOrder = changes.GroupBy(c => c.OrderId, StringComparer.Ordinal);
        var result = new List<(Proto.OrderInfluence Message, double Impact)>();
        foreach (var order in byOrder)
        {
            var count = new double[Areas.Count];
            var weight = new double[Areas.Count];
            var weighted = new double[Areas.Count];
            foreach (var entry in order)
            {
                // Weights at landmark L are w·exp(λ(t − L)): at B's landmark they are exp(λ(L − L_B)) times those.
                double scale = Math.Exp(policy.DecayPerSecond * (entry.LandmarkSeconds - baseline.LandmarkSeconds));
                for (int a = 0; a < Areas.Count; a++)
                {
                    count[a] += entry.CountDelta[a];
                    weight[a] += entry.WeightDelta[a] * scale;
                    weighted[a] += entry.WeightedDelta[a] * scale;
                }
            }

            var effects = new List<Proto.AreaImpact>();
            double total = 0;
            foreach (var area in Areas.All)
            {
                int a = (int)area;
                double n = baseline.Count(area), w = baseline.WeightSum(area), x = baseline.WeightedSum(area);
                double was = Index(n, w, x, means[area], policy.ShrinkagePseudoOrders);
                double now = Index(n + count[a], w + weight[a], x + weighted[a], means[area], policy.ShrinkagePseudoOrders);
                double effect = policy.AreaWeights[area] * (now - was);
                if (effect != 0)
                {
                    effects.Add(new Proto.AreaImpact { Area = ScoringMessages.ToProto(area), Impact = effect });
                    total += effect;
                }
            }

            effects.Sort((p, q) => Math.Abs(q.Impact).CompareTo(Math.Abs(p.Impact)));
            var reasons = order.Select(e => (Proto.OrderChangeReason)(int)e.Reason).ToList();
            var message = new Proto.OrderInfluence
            {
                OrderId = order.Key,
                Area = effects.Count > 0 ? effects[0].Area : Proto.Area.Unspecified,
                Impact = total,
                Reason = reasons[0],
            };
            message.Reasons.AddRange(reasons.Where((r, i) => i == 0 || r != reasons[i - 1]));
            message.AreaImpacts.AddRange(effects);
            result.Add((message, total));
        }

        return result.OrderByDescending(r => Math.Abs(r.Impact)).ThenBy(r => r.Message.OrderId, StringComparer.Ordinal).Select(r => r.Message).ToList();
    }

    /// <summary>An area's shrunk index from its count and sums (the engine's formula, <see cref="GigScorer.Quality"/>).</summary>
    private static double Index(double n, double weight, double weighted, double mean, double k) =>
        weight > 0 && n + k > 0 ? (n * (weighted / weight) + k * mean) / (n + k) : mean;

    private static string Note(Proto.ScoreChangeExplanation m, bool cut)
    {
        var parts = new List<string>();
        if (m.PolicyChanged)
        {
            parts.Add($"the policy changed ({m.Before.PolicyVersion} → {m.After.PolicyVersion}); on its own it moved the score by {m.PolicyEffect:+0.00;-0.00;0.00}");
        }

        if (m.PeerGroupChanged)
        {
            parts.Add($"the Gig moved from peer group {m.Before.PeerGroup.PriceRange} {m.Before.PeerGroup.Category} to {m.After.PeerGroup.PriceRange} {m.After.PeerGroup.Category}; the move is part of the peer movement");
        }

        if (cut)
        {
            parts.Add($"only the first {HistoryReads.MaxChanges} changes of the change log were read");
        }

        return string.Join("; ", parts);
    }

    private Proto.EvaluationPoint Point(HistoryPoint point)
    {
        var policy = PolicyOf(point);
        var entry = point.Entry;
        var message = new Proto.EvaluationPoint
        {
            EvaluatedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(entry.EvaluatedMs)),
            SuccessScore = entry.UnroundedScore ?? 0,
            Quality = entry.Quality,
            Percentile = entry.Percentile ?? 0,
            ScoredOrders = entry.Aggregate.ScoredOrders,
            PolicyVersion = point.PolicyVersion,
        };
        if (ParseGroup(entry.Group) is { } group)
        {
            message.PeerGroup = new Proto.PeerGroup
            {
                PriceRange = ScoringMessages.PriceRange(group.PriceBand, policy),
                Category = group.Category ?? "",
                GigCount = (int)Math.Min(point.GroupSize ?? 0, int.MaxValue),
            };
        }

        if (point.Means is { } means)
        {
            var breakdown = GigScorer.Quality(entry.Aggregate, means, policy);
            message.PeerMeans.AddRange(Areas.All.Select(a => new Proto.AreaImpact { Area = ScoringMessages.ToProto(a), Impact = means[a] }));
            message.AreaIndices.AddRange(Areas.All.Select(a => new Proto.AreaImpact { Area = ScoringMessages.ToProto(a), Impact = breakdown[a].Index }));
        }

        return message;
    }

    /// <summary>"b3" or "b3:c:logo-design" (<see cref="PeerGroupKey.RedisKeySuffix"/>) as a key; null for anything else.</summary>
    private static PeerGroupKey? ParseGroup(string suffix)
    {
        if (suffix.Length < 2 || suffix[0] != 'b')
        {
            return null;
        }

        int colon = suffix.IndexOf(":c:", StringComparison.Ordinal);
        string band = colon < 0 ? suffix[1..] : suffix[1..colon];
        return int.TryParse(band, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int b)
            ? new PeerGroupKey(b, colon < 0 ? null : suffix[(colon + 3)..])
            : null;
    }
}
