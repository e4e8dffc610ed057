using Marketplace.Contracts.Scoring.V1;
using Marketplace.EventBus.Redis;
using Marketplace.Hosting.Identity;
using Marketplace.Platform;
using Marketplace.Scenario;
using StackExchange.Redis;
using static Marketplace.Scenario.PlatformClient;

namespace Marketplace.Simulation;

/// <param name="PeerGroup">Scoring's peer group of the Gig (price range, and category when it has enough Gigs), empty without a score.</param>
public sealed record GigResult(Gig Gig, bool HasScore, double Score, int Orders, string PeerGroup = "");

public sealed record SellerResult(Seller Seller, bool HasScore, double Score, int ScoredOrders, SellerLevelKind Level, bool TopRatedPending,
    bool LowPerformance, IReadOnlyList<string> UnmetCriteria);

/// <summary>An event search ranking received (topic <c>scoring</c>): a level change or a low-performance flag set or cleared.</summary>
public sealed record RankingEvent(string Type, string SellerId, DateTimeOffset At, SellerLevelKind OldLevel, SellerLevelKind NewLevel,
    bool? Flagged, double Score, IReadOnlyList<string> Reasons);

/// <summary>
/// What the platform says after a run, read through its APIs as an internal caller (ranking,
/// support tools) and from the event bus: every seller's score, level and flag, every Gig's score,
/// the events published for search ranking, and the events per topic.
/// </summary>
public sealed class Findings
{
    public required Plan Plan { get; init; }

    public required RunRecord Record { get; init; }

    public required IReadOnlyList<SellerResult> Sellers { get; init; }

    public required IReadOnlyList<GigResult> Gigs { get; init; }

    public required IReadOnlyList<RankingEvent> RankingEvents { get; init; }

    /// <summary>Events per topic (stream entries).</summary>
    public required IReadOnlyDictionary<string, long> EventsByTopic { get; init; }

    /// <summary>Events search ranking received, by type.</summary>
    public required IReadOnlyDictionary<string, int> RankingEventTypes { get; init; }

    public static async Task<Findings> ReadAsync(Plan plan, RunRecord record, PlatformClient client, IConnectionMultiplexer redis, CancellationToken cancellationToken = default)
    {
        var ops = As(client.Bearer("report-sim", CallerRole.Internal));
        var sellers = new SellerResult[plan.World.Sellers.Count];
        var gigScores = new System.Collections.Concurrent.ConcurrentDictionary<string, (bool, double, int)>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(Enumerable.Range(0, sellers.Length), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                var seller = plan.World.Sellers[i];
                SellerScore? score = null;
                SellerLevel? level = null;
                try
                {
                    score = await client.Scoring.GetSellerScoreAsync(new GetSellerScoreRequest { SellerId = seller.Id }, ops, cancellationToken: ct);
                    level = await client.Scoring.GetSellerLevelAsync(new GetSellerLevelRequest { SellerId = seller.Id }, ops, cancellationToken: ct);
                }
                catch (Grpc.Core.RpcException e) when (e.StatusCode == Grpc.Core.StatusCode.NotFound)
                {
                    // A seller without a single order: Scoring never heard of them.
                }

                foreach (var gig in score?.Gigs ?? [])
                {
                    gigScores[gig.GigId] = (gig.HasScore, gig.SuccessScore, gig.OrderCount);
                }

                sellers[i] = new SellerResult(seller, score?.HasScore ?? false, score?.SuccessScore ?? 0, score?.ScoredOrders ?? 0,
                    level?.Level ?? SellerLevelKind.NewSeller, level?.TopRatedPendingApproval ?? false, score?.LowPerformance ?? false,
                    [.. level?.UnmetCriteria ?? []]);
            });

        var gigs = new GigResult[plan.World.Gigs.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, gigs.Length), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                var g = plan.World.Gigs[i];
                if (!gigScores.TryGetValue(g.Id, out var s))
                {
                    gigs[i] = new GigResult(g, false, 0, 0);
                    return;
                }

                string group = "";
                if (s.Item1)
                {
                    // The peer group the score was ranked in, as Scoring says (the band, and the category when it has enough Gigs).
                    var detail = await client.Scoring.GetGigScoreAsync(new GetGigScoreRequest { GigId = g.Id }, ops, cancellationToken: ct);
                    group = detail.PeerGroup is { } peer ? $"{peer.PriceRange} {peer.Category}".Trim() : "";
                }

                gigs[i] = new GigResult(g, s.Item1, s.Item2, s.Item3, group);
            });

        var db = redis.GetDatabase();
        var events = new List<RankingEvent>();
        var types = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (_, e) in await TopicHistory.ReadAsync(db, PlatformEvents.Topics.Scoring))
        {
            types[e.Type] = types.GetValueOrDefault(e.Type) + 1;
            object? payload = PlatformEvents.Catalogue.TryGet(e.Type, out var type) ? e.ReadPayload(type) : null;
            switch (payload)
            {
                case SellerLevelChanged l:
                    events.Add(new RankingEvent(e.Type, l.SellerId, l.ChangedAt.ToDateTimeOffset(), l.OldLevel, l.NewLevel, null, 0,
                        [.. l.Reasons.Select(r => AreaName(r.Area))]));
                    break;
                case LowPerformanceChanged f:
                    events.Add(new RankingEvent(e.Type, f.SellerId, f.ChangedAt.ToDateTimeOffset(), SellerLevelKind.Unspecified, SellerLevelKind.Unspecified,
                        f.NewFlagged, f.SuccessScore, [.. f.Reasons.Select(r => AreaName(r.Area))]));
                    break;
            }
        }

        var topics = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var topic in Runner.Topics)
        {
            topics[topic] = await db.KeyExistsAsync(topic) ? await db.StreamLengthAsync(topic) : 0;
        }

        return new Findings
        {
            Plan = plan,
            Record = record,
            Sellers = sellers,
            Gigs = gigs,
            RankingEvents = [.. events.OrderBy(e => e.At)],
            EventsByTopic = topics,
            RankingEventTypes = types,
        };
    }

    public static string AreaName(Area area) => area switch
    {
        Area.Satisfaction => "satisfaction",
        Area.Communication => "communication",
        Area.ConflictFree => "conflict-free",
        Area.Cancellations => "cancellations",
        Area.OnTimeDelivery => "on-time delivery",
        Area.ValueForMoney => "value for money",
        _ => "?",
    };

    public static string LevelName(SellerLevelKind level) => level switch
    {
        SellerLevelKind.NewSeller => "New Seller",
        SellerLevelKind.LevelOne => "Level 1",
        SellerLevelKind.LevelTwo => "Level 2",
        SellerLevelKind.TopRated => "Top Rated",
        _ => "?",
    };
}
