namespace Marketplace.Scoring.Engine;

/// <summary>
/// The running sums of one Gig: per area the count of applicable orders, the fixed-point sum
/// of weights and of weight × index, plus the landmark and the time of the most recent order.
/// Applying an order is O(1); sums are integers, so additions commute and a subtraction undoes
/// an addition exactly (SPEC 5.2). The area mean sum(w·x)/sum(w) does not depend on the
/// landmark or on "now", so the score does not change with time alone.
/// Mutable by design: the service loads it from a Redis hash, applies a change and stores it.
/// </summary>
public sealed class GigAggregate : IEquatable<GigAggregate>
{
    private const int FormatVersion = 1;
    private PerArea<int> _count;
    private PerArea<long> _weight;
    private PerArea<long> _weighted;

    /// <summary>An aggregate with no orders; the first order fixes the landmark.</summary>
    public GigAggregate()
    {
        LandmarkSeconds = long.MinValue;
        MaxOutcomeSeconds = long.MinValue;
    }

    /// <summary>Forward-decay landmark of the sums (unix seconds); <see cref="long.MinValue"/> before any order.</summary>
    public long LandmarkSeconds { get; private set; }

    /// <summary>
    /// Outcome time of the Gig's most recent counted order (unix seconds). Excluded orders
    /// (non-counting cancellations) do not move it: they change nothing.
    /// </summary>
    public long MaxOutcomeSeconds { get; private set; }

    /// <summary>Orders currently counted (included and inside the evaluation window): the "scored orders".</summary>
    public int ScoredOrders { get; private set; }

    /// <summary>True once an order has been counted.</summary>
    public bool HasOrders => MaxOutcomeSeconds != long.MinValue;

    /// <summary>Number of counted orders to which an area applies.</summary>
    public int Count(Area area) => _count[(int)area];

    /// <summary>Fixed-point sum of weights in an area.</summary>
    public long WeightSum(Area area) => _weight[(int)area];

    /// <summary>Fixed-point sum of weight × index in an area.</summary>
    public long WeightedSum(Area area) => _weighted[(int)area];

    /// <summary>The Gig's own (unshrunk) weighted mean index of an area; null when no order applies.</summary>
    public double? RawIndex(Area area) =>
        _weight[(int)area] > 0 ? (double)_weighted[(int)area] / _weight[(int)area] : null;

    /// <summary>
    /// The landmark the aggregate must use once an order ending at <paramref name="outcomeSeconds"/>
    /// is known. When it differs from <see cref="LandmarkSeconds"/> on a non-empty aggregate, the
    /// Gig's counted orders must be recomputed at the new landmark (<see cref="Rebuild"/>).
    /// </summary>
    public long LandmarkAfter(long outcomeSeconds, ScoringPolicy policy) =>
        ForwardDecay.LandmarkFor(Math.Max(MaxOutcomeSeconds, outcomeSeconds), policy);

    /// <summary>True when learning of an order at this time moves the landmark of a non-empty aggregate.</summary>
    public bool RequiresRebuild(long outcomeSeconds, ScoringPolicy policy) =>
        HasOrders && LandmarkAfter(outcomeSeconds, policy) != LandmarkSeconds;

    /// <summary>
    /// SPEC 5.2 evaluation period: when an order newer than every known one arrives, the window
    /// start moves forward, and counted orders ending in [From, To) must be subtracted. Null when
    /// nothing leaves the window. The service finds those orders in its per-Gig time index.
    /// </summary>
    public (long From, long To)? WindowDropAfter(long outcomeSeconds, ScoringPolicy policy)
    {
        if (!HasOrders || outcomeSeconds <= MaxOutcomeSeconds) return null;
        return (ForwardDecay.WindowStart(MaxOutcomeSeconds, policy), ForwardDecay.WindowStart(outcomeSeconds, policy));
    }

    /// <summary>Fixes the landmark of an empty aggregate (the first order's landmark).</summary>
    public void StartAt(long landmarkSeconds)
    {
        if (HasOrders) throw new InvalidOperationException("The landmark of an aggregate with orders moves only by Rebuild.");
        LandmarkSeconds = landmarkSeconds;
    }

    /// <summary>Adds an order's contribution in O(1); an excluded contribution changes nothing.</summary>
    public void Add(OrderContribution c) => Apply(c, +1);

    /// <summary>Subtracts a contribution added before; exact inverse of <see cref="Add"/> on the sums.</summary>
    public void Subtract(OrderContribution c) => Apply(c, -1);

    /// <summary>Replaces an order's earlier contribution by its new one (a review arrived, was removed, a dispute opened).</summary>
    public void Replace(OrderContribution previous, OrderContribution next)
    {
        Subtract(previous);
        Add(next);
    }

    /// <summary>
    /// Clears the sums and re-adds the given contributions, all computed at <paramref name="landmarkSeconds"/>
    /// (after a landmark move, or when the most recent counted order stopped counting). With no
    /// contributions the aggregate is empty again.
    /// </summary>
    public void Rebuild(long landmarkSeconds, long maxOutcomeSeconds, IEnumerable<OrderContribution> counted)
    {
        _count = default;
        _weight = default;
        _weighted = default;
        ScoredOrders = 0;
        LandmarkSeconds = landmarkSeconds;
        MaxOutcomeSeconds = maxOutcomeSeconds;
        foreach (var c in counted) Add(c);
        if (ScoredOrders == 0)
        {
            LandmarkSeconds = long.MinValue;
            MaxOutcomeSeconds = long.MinValue;
        }
    }

    /// <summary>A deep copy (used by what-if projections, which must not change their input).</summary>
    public GigAggregate Clone() => (GigAggregate)MemberwiseClone();

    private void Apply(OrderContribution c, int sign)
    {
        if (!c.Included) return;
        if (c.LandmarkSeconds != LandmarkSeconds)
            throw new ArgumentException(
                $"Contribution computed at landmark {c.LandmarkSeconds} cannot be applied to an aggregate at landmark {LandmarkSeconds}.",
                nameof(c));
        if (sign < 0 && ScoredOrders == 0) throw new InvalidOperationException("Subtracted a contribution that was never added.");
        if (sign > 0 && c.OutcomeSeconds > MaxOutcomeSeconds) MaxOutcomeSeconds = c.OutcomeSeconds;
        // Compute into copies first: if a sum would overflow, the aggregate stays as it was.
        var count = _count;
        var weight = _weight;
        var weighted = _weighted;
        checked
        {
            for (var a = 0; a < Areas.Count; a++)
            {
                if ((c.ApplicableMask & (1 << a)) == 0) continue;
                count[a] += sign;
                weight[a] += sign * c.Weight((Area)a);
                weighted[a] += sign * c.Weighted((Area)a);
            }
        }
        _count = count;
        _weight = weight;
        _weighted = weighted;
        ScoredOrders += sign;
    }

    /// <summary>
    /// The aggregate as Redis hash fields (22 integers). Every field is a 64-bit integer, so the
    /// service may also apply a contribution with HINCRBY in a script.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, long>> ToHashEntries()
    {
        var entries = new List<KeyValuePair<string, long>>(4 + 3 * Areas.Count)
        {
            new("v", FormatVersion),
            new("L", LandmarkSeconds),
            new("T", MaxOutcomeSeconds),
            new("n", ScoredOrders),
        };
        for (var a = 0; a < Areas.Count; a++)
        {
            entries.Add(new(AreaFields[a].Count, _count[a]));
            entries.Add(new(AreaFields[a].Weight, _weight[a]));
            entries.Add(new(AreaFields[a].Weighted, _weighted[a]));
        }
        return entries;
    }

    /// <summary>Reads an aggregate written by <see cref="ToHashEntries"/>; an unknown version or missing field throws, naming it.</summary>
    public static GigAggregate FromHashEntries(IEnumerable<KeyValuePair<string, long>> entries)
    {
        var map = entries.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        return FromFields(field => map.TryGetValue(field, out var v) ? v : throw new FormatException($"Gig aggregate field '{field}' is missing"));
    }

    /// <summary>
    /// Reads an aggregate written by <see cref="ToHashEntries"/> field by field from <paramref name="field"/>
    /// (which throws for a missing one), without building a map first: the score read's path.
    /// </summary>
    public static GigAggregate FromFields(Func<string, long> field)
    {
        long version = field("v");
        if (version != FormatVersion) throw new FormatException($"Gig aggregate field 'v' is {version}, expected {FormatVersion}");
        var g = new GigAggregate
        {
            LandmarkSeconds = field("L"),
            MaxOutcomeSeconds = field("T"),
            ScoredOrders = checked((int)field("n")),
        };
        for (var a = 0; a < Areas.Count; a++)
        {
            g._count[a] = checked((int)field(AreaFields[a].Count));
            g._weight[a] = field(AreaFields[a].Weight);
            g._weighted[a] = field(AreaFields[a].Weighted);
            if (g._count[a] < 0 || g._weight[a] < 0 || g._weighted[a] < 0 || g._weighted[a] > g._weight[a])
                throw new FormatException($"Gig aggregate fields c{a}/w{a}/x{a} are inconsistent");
        }
        return g;
    }

    /// <summary>Each area's three field names (count, weight, weighted sum), made once.</summary>
    private static readonly (string Count, string Weight, string Weighted)[] AreaFields =
        [.. Enumerable.Range(0, Areas.Count).Select(a => ($"c{a}", $"w{a}", $"x{a}"))];

    public bool Equals(GigAggregate? other)
    {
        if (other is null) return false;
        if (LandmarkSeconds != other.LandmarkSeconds || MaxOutcomeSeconds != other.MaxOutcomeSeconds || ScoredOrders != other.ScoredOrders)
            return false;
        for (var a = 0; a < Areas.Count; a++)
            if (_count[a] != other._count[a] || _weight[a] != other._weight[a] || _weighted[a] != other._weighted[a]) return false;
        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as GigAggregate);

    public override int GetHashCode() => HashCode.Combine(LandmarkSeconds, MaxOutcomeSeconds, ScoredOrders, _weight[0], _weighted[0]);

    public override string ToString() =>
        $"GigAggregate(L={LandmarkSeconds}, T={MaxOutcomeSeconds}, n={ScoredOrders}, " +
        string.Join(", ", Areas.All.Select(a => $"{a}={RawIndex(a)?.ToString("0.####") ?? "-"}/{Count(a)}")) + ")";
}
