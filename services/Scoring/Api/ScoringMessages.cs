using Google.Protobuf.WellKnownTypes;
using Marketplace.Contracts.Common.V1;
using Marketplace.Scoring.Engine;
using Marketplace.Scoring.Store;
using Proto = Marketplace.Contracts.Scoring.V1;

namespace Marketplace.Scoring.Api;

/// <summary>The engine's results as the messages of marketplace.scoring.v1.</summary>
public static class ScoringMessages
{
    public static Proto.Area ToProto(Area area) => (Proto.Area)((int)area + 1);

    private static readonly Comparison<AreaBreakdown> MostHelpfulFirst = (a, b) =>
        b.Impact.CompareTo(a.Impact) is var byImpact and not 0 ? byImpact : ((int)a.Area).CompareTo((int)b.Area);

    public static Proto.SellerLevelKind ToProto(Engine.SellerLevel level) => level switch
    {
        Engine.SellerLevel.NewSeller => Proto.SellerLevelKind.NewSeller,
        Engine.SellerLevel.Level1 => Proto.SellerLevelKind.LevelOne,
        Engine.SellerLevel.Level2 => Proto.SellerLevelKind.LevelTwo,
        Engine.SellerLevel.TopRated => Proto.SellerLevelKind.TopRated,
        _ => Proto.SellerLevelKind.Unspecified,
    };

    /// <summary>A Gig's score with its areas, most helpful first (SPEC 5.3).</summary>
    public static Proto.GigScore ToMessage(ScoredGig gig, ScoringPolicy policy, DateTimeOffset now)
    {
        var score = gig.Score;
        var message = new Proto.GigScore
        {
            GigId = gig.Gig.GigId,
            SellerId = gig.Gig.SellerId,
            HasScore = score.HasScore,
            SuccessScore = score.Score ?? 0,
            Quality = score.Quality.Quality,
            Percentile = score.Percentile ?? 0,
            ScoredOrders = score.ScoredOrders,
            MinScoredOrders = policy.MinScoredOrders,
            EvaluatedAt = Timestamp.FromDateTimeOffset(now),
        };
        if (gig.Group is { } group)
        {
            message.PeerGroup = new Proto.PeerGroup
            {
                PriceRange = PriceRange(group.PriceBand, policy),
                Category = group.Category ?? "",
                GigCount = (int)gig.GroupSize,
            };
        }

        // Most helpful first, ties in area order (a sort of six, not LINQ: every score read builds it).
        var areas = score.Quality.Areas.ToArray();
        Array.Sort(areas, MostHelpfulFirst);
        foreach (var a in areas)
        {
            message.Areas.Add(new Proto.AreaScore
            {
                Area = ToProto(a.Area),
                Index = a.Index,
                PeerMean = a.PeerMean,
                Weight = a.Weight,
                Impact = a.Impact,
            });
        }

        return message;
    }

    public static Proto.SellerScore ToMessage(string sellerId, IReadOnlyList<ScoredGig> gigs, SellerRecord record)
    {
        var seller = SellerScore.Of(gigs.Select(g => g.Score));
        var message = new Proto.SellerScore
        {
            SellerId = sellerId,
            HasScore = seller.Score is not null,
            SuccessScore = seller.Score ?? 0,
            ScoredOrders = seller.ScoredOrders,
            LowPerformance = record.LowPerformance,
        };
        message.Gigs.AddRange(gigs.Select(g => new Proto.GigScoreSummary
        {
            GigId = g.Gig.GigId,
            HasScore = g.Score.HasScore,
            SuccessScore = g.Score.Score ?? 0,
            OrderCount = g.Score.ScoredOrders,
        }));
        return message;
    }

    /// <summary>The seller's level; metrics and unmet criteria only for the seller and privileged callers (SPEC 5.6).</summary>
    public static Proto.SellerLevel ToMessage(string sellerId, SellerRecord record, LevelMetrics? metrics, ScoringPolicy policy)
    {
        var message = new Proto.SellerLevel
        {
            SellerId = sellerId,
            Level = ToProto(record.Level.Level),
            TopRatedPendingApproval = record.Level.TopRatedReview == TopRatedReview.Pending,
        };
        if (record.EvaluatedAt is { } at)
        {
            message.EvaluatedAt = Timestamp.FromDateTimeOffset(at);
        }

        if (metrics is null)
        {
            return message;
        }

        message.Metrics = new Proto.LevelMetrics
        {
            CompletedOrders = metrics.CompletedOrders,
            UniqueClients = metrics.UniqueClients,
            Earnings = new Money { CurrencyCode = "USD", AmountMinor = (long)decimal.Round(metrics.EarningsUsd * 100m) },
        };
        if (metrics.SuccessScore is { } s)
        {
            message.Metrics.SuccessScore = s;
        }

        if (metrics.Rating is { } r)
        {
            message.Metrics.Rating = r;
        }

        if (metrics.ResponseRate is { } rate)
        {
            message.Metrics.ResponseRate = rate;
        }

        if (record.Level.Level != Engine.SellerLevel.TopRated)
        {
            message.UnmetCriteria.AddRange(LevelEvaluator.Failures(record.Level.Level + 1, metrics, policy).Select(f => f.ToString()));
        }

        return message;
    }

    /// <summary>Areas with their impact, the one that hurts most first (the reason of scoring events).</summary>
    public static IEnumerable<Proto.AreaImpact> Reasons(IEnumerable<Engine.AreaImpact> impacts) =>
        impacts.OrderBy(a => a.Impact).ThenBy(a => a.Area).Select(a => new Proto.AreaImpact { Area = ToProto(a.Area), Impact = a.Impact });

    /// <summary>"[25,50)" for band 1 with the default edges; "[500,∞)" for the last.</summary>
    public static string PriceRange(int band, ScoringPolicy policy)
    {
        var edges = policy.PriceBandEdgesUsd;
        string low = band == 0 ? "0" : edges[band - 1].ToString(System.Globalization.CultureInfo.InvariantCulture);
        string high = band < edges.Count ? edges[band].ToString(System.Globalization.CultureInfo.InvariantCulture) : "∞";
        return $"[{low},{high})";
    }
}
