using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Scoring.V1;

namespace Marketplace.Simulation;

/// <summary>Gig scores of one group (a price band or a category): how many, quartiles, and a histogram over 1-10 (bins of 1).</summary>
public sealed record Distribution(string Group, int Gigs, int Scored, double Mean, double P25, double Median, double P75, int[] Histogram);

/// <summary>How the sellers of one profile fared.</summary>
public sealed record ProfileRow(SellerProfile Profile, int Sellers, int Scored, double Mean, double Median, int Flagged, int LevelOneOrAbove, int Orders);

/// <summary>Reliable against unreliable sellers' Gigs in the same peer groups (as Scoring ranked them).</summary>
public sealed record PeerComparison(int Groups, int ReliableAhead, double MeanGap, double ReliableMean, double UnreliableMean);

/// <summary>Sellers at each level at one time.</summary>
public sealed record LevelPoint(DateTimeOffset At, int NewSeller, int LevelOne, int LevelTwo, int TopRated);

/// <summary>A low-performance flag set or cleared.</summary>
public sealed record FlagRow(DateTimeOffset At, string SellerId, SellerProfile? Profile, bool Set, double Score, string Reasons);

/// <summary>Everything the terminal summary and the HTML report show, computed once from the <see cref="Findings"/>.</summary>
public sealed class Summary
{
    public required Findings Findings { get; init; }

    public SimulationOptions Options => Findings.Plan.Options;

    public RunRecord Record => Findings.Record;

    public required IReadOnlyList<Distribution> ByBand { get; init; }

    public required IReadOnlyList<Distribution> ByCategory { get; init; }

    public required IReadOnlyList<LevelPoint> Levels { get; init; }

    public required int Promotions { get; init; }

    public required int Demotions { get; init; }

    public required IReadOnlyList<FlagRow> Flags { get; init; }

    public required IReadOnlyList<ProfileRow> Profiles { get; init; }

    public required PeerComparison Comparison { get; init; }

    /// <summary>The stories the plan told, by kind, with how many orders each.</summary>
    public required IReadOnlyList<(string Story, int Orders)> Stories { get; init; }

    public required long Events { get; init; }

    public required int OrdersPlaced { get; init; }

    public double OrdersPerSecond => OrdersPlaced / Math.Max(0.001, Record.Wall.TotalSeconds);

    public double EventsPerSecond => Events / Math.Max(0.001, Record.Wall.TotalSeconds);

    public double CallsPerSecond => Record.Calls / Math.Max(0.001, Record.Wall.TotalSeconds);

    /// <summary>Exempting reasons the facts supported, accepted by the platform (the other side of the refused attempts).</summary>
    public IReadOnlyList<(string Claim, int Accepted)> SupportedExemptions =>
    [
        .. new[] { CancellationReason.PlacedByMistake, CancellationReason.BuyerUnresponsive, CancellationReason.MissingRequirements, CancellationReason.ChargebackFraud }
            .Select(c => (c.ToString(), Record.Counts.GetValueOrDefault($"Cancel {c}"))),
    ];

    public static Summary Of(Findings findings)
    {
        var plan = findings.Plan;
        var options = plan.Options;
        var scored = findings.Gigs.Where(g => g.HasScore).ToList();
        var byBand = PriceBand.All.Select(b => Distribute(b.Name, findings.Gigs.Where(g => g.Gig.Band == b).ToList())).ToList();
        var byCategory = World.Categories.Select(c => Distribute(c, findings.Gigs.Where(g => g.Gig.Category == c).ToList())).ToList();

        // Levels over time: every seller starts as a New Seller; the level events say when each moved.
        var levelOf = plan.World.Sellers.ToDictionary(s => s.Id, _ => SellerLevelKind.NewSeller, StringComparer.Ordinal);
        var levelEvents = findings.RankingEvents.Where(e => e.Flagged is null).OrderBy(e => e.At).ToList();
        var points = new List<LevelPoint>();
        int next = 0;
        for (var at = options.Start.AddMonths(1); at <= options.End; at = at.AddMonths(1))
        {
            while (next < levelEvents.Count && levelEvents[next].At <= at)
            {
                levelOf[levelEvents[next].SellerId] = levelEvents[next].NewLevel;
                next++;
            }

            points.Add(new LevelPoint(at, levelOf.Values.Count(l => l == SellerLevelKind.NewSeller), levelOf.Values.Count(l => l == SellerLevelKind.LevelOne),
                levelOf.Values.Count(l => l == SellerLevelKind.LevelTwo), levelOf.Values.Count(l => l == SellerLevelKind.TopRated)));
        }

        var profileOf = plan.World.Sellers.ToDictionary(s => s.Id, s => s.Profile, StringComparer.Ordinal);
        var flags = findings.RankingEvents.Where(e => e.Flagged is not null)
            .Select(e => new FlagRow(e.At, e.SellerId, profileOf.TryGetValue(e.SellerId, out var p) ? p : null, e.Flagged!.Value, e.Score,
                string.Join(", ", e.Reasons.Take(2))))
            .ToList();

        var ordersBySeller = plan.Orders.GroupBy(o => o.Gig.Seller.Id).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var profiles = Enum.GetValues<SellerProfile>().Select(profile =>
        {
            var sellers = findings.Sellers.Where(s => s.Seller.Profile == profile).ToList();
            var scores = sellers.Where(s => s.HasScore).Select(s => s.Score).OrderBy(s => s).ToArray();
            return new ProfileRow(profile, sellers.Count, scores.Length, scores.Length > 0 ? scores.Average() : 0, Quantile(scores, 0.5),
                sellers.Count(s => s.LowPerformance), sellers.Count(s => s.Level is SellerLevelKind.LevelOne or SellerLevelKind.LevelTwo or SellerLevelKind.TopRated),
                sellers.Sum(s => ordersBySeller.GetValueOrDefault(s.Seller.Id)));
        }).ToList();

        // Same peer group: the one Scoring ranked each Gig in (its price band, and its category where that has enough Gigs).
        var gaps = new List<(double Reliable, double Unreliable)>();
        foreach (var group in scored.GroupBy(g => g.PeerGroup, StringComparer.Ordinal))
        {
            var reliable = group.Where(g => g.Gig.Seller.Profile == SellerProfile.Reliable).Select(g => g.Score).ToList();
            var unreliable = group.Where(g => SellerTraits.IsUnreliable(g.Gig.Seller.Profile)).Select(g => g.Score).ToList();
            if (reliable.Count > 0 && unreliable.Count > 0)
            {
                gaps.Add((reliable.Average(), unreliable.Average()));
            }
        }

        var comparison = gaps.Count == 0
            ? new PeerComparison(0, 0, 0, 0, 0)
            : new PeerComparison(gaps.Count, gaps.Count(g => g.Reliable > g.Unreliable), gaps.Average(g => g.Reliable - g.Unreliable),
                gaps.Average(g => g.Reliable), gaps.Average(g => g.Unreliable));

        var stories = plan.Orders
            .GroupBy(o => o.Story.Split(", reviewed")[0].Split(", removed")[0])
            .Select(g => (g.Key, g.Count()))
            .OrderByDescending(s => s.Item2)
            .ToList();

        return new Summary
        {
            Findings = findings,
            ByBand = byBand,
            ByCategory = byCategory,
            Levels = points,
            Promotions = levelEvents.Count(e => e.NewLevel > e.OldLevel),
            Demotions = levelEvents.Count(e => e.NewLevel < e.OldLevel),
            Flags = flags,
            Profiles = profiles,
            Comparison = comparison,
            Stories = stories,
            Events = findings.EventsByTopic.Values.Sum(),
            OrdersPlaced = findings.Record.Counts.GetValueOrDefault(nameof(Act.Place)),
        };
    }

    private static Distribution Distribute(string group, IReadOnlyList<GigResult> gigs)
    {
        var scores = gigs.Where(g => g.HasScore).Select(g => g.Score).OrderBy(s => s).ToArray();
        var histogram = new int[9];
        foreach (double s in scores)
        {
            histogram[Math.Clamp((int)Math.Floor(s) - 1, 0, 8)]++;
        }

        return new Distribution(group, gigs.Count, scores.Length, scores.Length > 0 ? scores.Average() : 0,
            Quantile(scores, 0.25), Quantile(scores, 0.5), Quantile(scores, 0.75), histogram);
    }

    internal static double Quantile(double[] sorted, double q)
    {
        if (sorted.Length == 0)
        {
            return 0;
        }

        double position = q * (sorted.Length - 1);
        int low = (int)Math.Floor(position);
        int high = Math.Min(sorted.Length - 1, low + 1);
        return sorted[low] + ((sorted[high] - sorted[low]) * (position - low));
    }
}
