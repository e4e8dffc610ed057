namespace Marketplace.Scoring.Engine;

/// <summary>
/// A peer group: Gigs in the same price band, and the same category when that (band, category)
/// group has enough scored Gigs; otherwise the band alone (SPEC 1, 5.2). <see cref="Category"/>
/// is null for a band-only group. <see cref="RedisKeySuffix"/> gives the service a stable name.
/// </summary>
public sealed record PeerGroupKey(int PriceBand, string? Category)
{
    /// <summary>Stable key suffix, e.g. "b3:c:logo-design" or "b3".</summary>
    public string RedisKeySuffix => Category is null ? $"b{PriceBand}" : $"b{PriceBand}:c:{Category}";

    /// <summary>
    /// The group a Gig is ranked in: (band, category) when that group holds at least
    /// <see cref="ScoringPolicy.CategoryMinGigs"/> scored Gigs, else the band alone. The service
    /// keeps every scored Gig in both groups and asks for the category group's size (ZCARD).
    /// </summary>
    public static PeerGroupKey Resolve(decimal gigPriceUsd, string category, long scoredGigsInCategoryGroup, ScoringPolicy policy)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(category);
        var band = policy.PriceBand(gigPriceUsd);
        return scoredGigsInCategoryGroup >= policy.CategoryMinGigs ? new(band, category) : new(band, null);
    }
}

/// <summary>
/// Running sums of a peer group's area indices: per area the number of scored Gigs with data and
/// the fixed-point sum of their raw indices. Integers, so the service can keep them in a Redis
/// hash and apply a Gig's change with HINCRBY (<see cref="Delta"/>); the means are a snapshot
/// taken at each evaluation (see docs/scoring.md).
/// </summary>
public sealed class PeerStats
{
    private PerArea<long> _count;
    private PerArea<long> _sum;

    /// <summary>Number of scored Gigs in the group with data in an area.</summary>
    public long Count(Area area) => _count[(int)area];

    /// <summary>Fixed-point (2^32) sum of those Gigs' raw indices.</summary>
    public long Sum(Area area) => _sum[(int)area];

    /// <summary>
    /// Sums as the service stores them (per area: count, fixed-point sum), e.g. read back from a
    /// Redis hash; negative counts, or a sum without a count, throw <see cref="FormatException"/>.
    /// </summary>
    public static PeerStats FromSums(IReadOnlyList<long> counts, IReadOnlyList<long> sums)
    {
        if (counts.Count != Areas.Count || sums.Count != Areas.Count)
            throw new FormatException($"peer stats need {Areas.Count} counts and sums, got {counts.Count} and {sums.Count}");
        var s = new PeerStats();
        for (var a = 0; a < Areas.Count; a++)
        {
            if (counts[a] < 0 || sums[a] < 0 || (counts[a] == 0 && sums[a] != 0))
                throw new FormatException($"peer stats of area {(Area)a} are inconsistent (count {counts[a]}, sum {sums[a]})");
            s._count[a] = counts[a];
            s._sum[a] = sums[a];
        }
        return s;
    }

    /// <summary>A Gig counts in its peer group once it has the minimum of scored orders.</summary>
    public static bool Counts(GigAggregate? gig, ScoringPolicy policy) => gig is not null && gig.ScoredOrders >= policy.MinScoredOrders;

    /// <summary>
    /// What to add to the group's sums when a Gig goes from <paramref name="before"/> to
    /// <paramref name="after"/> (either may be null for "absent"): per area (count delta, sum delta).
    /// </summary>
    public static PeerStats Delta(GigAggregate? before, GigAggregate? after, ScoringPolicy policy)
    {
        var d = new PeerStats();
        d.AddGig(after, policy, +1);
        d.AddGig(before, policy, -1);
        return d;
    }

    /// <summary>Adds a delta (or another group's sums) to these sums.</summary>
    public void Add(PeerStats delta)
    {
        checked
        {
            for (var a = 0; a < Areas.Count; a++)
            {
                _count[a] += delta._count[a];
                _sum[a] += delta._sum[a];
            }
        }
    }

    /// <summary>Sums of a set of Gigs (the reference the incremental sums must equal).</summary>
    public static PeerStats Of(IEnumerable<GigAggregate> gigs, ScoringPolicy policy)
    {
        var s = new PeerStats();
        foreach (var g in gigs) s.AddGig(g, policy, +1);
        return s;
    }

    /// <summary>The snapshot of area means used for shrinkage and impacts; an area without data uses the policy prior.</summary>
    public PeerMeans Means(ScoringPolicy policy)
    {
        var means = new double[Areas.Count];
        for (var a = 0; a < Areas.Count; a++)
            means[a] = _count[a] > 0 ? _sum[a] / ForwardDecay.Scale / _count[a] : policy.PriorAreaMean;
        return new PeerMeans(means);
    }

    private void AddGig(GigAggregate? gig, ScoringPolicy policy, int sign)
    {
        if (!Counts(gig, policy)) return;
        checked
        {
            for (var a = 0; a < Areas.Count; a++)
            {
                if (gig!.RawIndex((Area)a) is not { } x) continue;
                _count[a] += sign;
                _sum[a] += sign * (long)Math.Round(x * ForwardDecay.Scale);
            }
        }
    }
}

/// <summary>The peer-group mean of each area index, in [0,1]: the prior of shrinkage and the baseline of impacts.</summary>
public sealed class PeerMeans
{
    private readonly double[] _means;

    /// <summary>Means in area order; each must be in [0,1].</summary>
    public PeerMeans(IReadOnlyList<double> means)
    {
        if (means.Count != Areas.Count) throw new ArgumentException($"PeerMeans needs {Areas.Count} values, got {means.Count}", nameof(means));
        for (var a = 0; a < Areas.Count; a++)
            if (!(means[a] is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(means), $"PeerMeans[{(Area)a}] must be in [0,1]");
        _means = [.. means];
    }

    /// <summary>Every area at the same mean (e.g. the policy prior for a brand-new group).</summary>
    public static PeerMeans Uniform(double mean) => new(Enumerable.Repeat(mean, Areas.Count).ToArray());

    public double this[Area area] => _means[(int)area];

    /// <summary>The quality of a Gig exactly at the peer mean in every area: Σ weight × mean.</summary>
    public double Quality(AreaWeights weights)
    {
        // A loop, not LINQ: every score and ranking computes it (the same order of additions as a sum in area order).
        double quality = 0;
        for (int a = 0; a < Areas.Count; a++)
        {
            quality += weights[(Area)a] * _means[a];
        }

        return quality;
    }
}
