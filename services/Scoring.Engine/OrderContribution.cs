namespace Marketplace.Scoring.Engine;

/// <summary>
/// What one order adds to its Gig's sums: per area a fixed-point weight and weight × index.
/// A pure function of (facts, policy, landmark), so the service can recompute the exact value
/// it added before and subtract it when a later event changes the order (SPEC 5.2).
/// </summary>
public readonly struct OrderContribution : IEquatable<OrderContribution>
{
    private readonly PerArea<long> _weight;
    private readonly PerArea<long> _weighted;

    /// <summary>When the order's outcome became final (unix seconds); <see cref="long.MinValue"/> while it runs.</summary>
    public long OutcomeSeconds { get; }

    /// <summary>The landmark the weights were computed against (unix seconds).</summary>
    public long LandmarkSeconds { get; }

    /// <summary>False for orders left out of every area (running, or a cancellation that does not count).</summary>
    public bool Included { get; }

    /// <summary>Bit i set when area i applies to this order.</summary>
    public byte ApplicableMask { get; }

    private OrderContribution(long outcome, long landmark, bool included, byte mask, PerArea<long> weight, PerArea<long> weighted)
    {
        OutcomeSeconds = outcome;
        LandmarkSeconds = landmark;
        Included = included;
        ApplicableMask = mask;
        _weight = weight;
        _weighted = weighted;
    }

    /// <summary>Fixed-point weight of the order in an area (0 when not applicable).</summary>
    public long Weight(Area area) => _weight[(int)area];

    /// <summary>Fixed-point weight × index of the order in an area.</summary>
    public long Weighted(Area area) => _weighted[(int)area];

    /// <summary>True when the area applies to the order.</summary>
    public bool Applies(Area area) => (ApplicableMask & (1 << (int)area)) != 0;

    /// <summary>Computes the contribution of an order at a landmark. Invalid facts throw, naming the field.</summary>
    public static OrderContribution From(OrderFacts facts, ScoringPolicy policy, long landmarkSeconds)
    {
        facts.EnsureValid();
        var outcome = facts.OutcomeAt?.ToUnixTimeSeconds() ?? long.MinValue;
        if (!AreaIndexer.IsIncluded(facts, policy))
            return new OrderContribution(outcome, landmarkSeconds, false, 0, default, default);

        var units = ForwardDecay.WeightUnits(policy.ValueWeight(facts.AmountUsd), outcome, landmarkSeconds, policy);
        var indices = AreaIndexer.Indices(facts, policy);
        var weight = new PerArea<long>();
        var weighted = new PerArea<long>();
        byte mask = 0;
        for (var a = 0; a < Areas.Count; a++)
        {
            var x = indices[a];
            if (double.IsNaN(x)) continue;
            mask |= (byte)(1 << a);
            weight[a] = units;
            weighted[a] = (long)Math.Round(units * x);
        }
        return new OrderContribution(outcome, landmarkSeconds, true, mask, weight, weighted);
    }

    /// <summary>Number of integers in <see cref="ToFields"/>.</summary>
    public const int FieldCount = 4 + 2 * Areas.Count;

    /// <summary>
    /// The contribution as 16 integers (outcome, landmark, included, mask, 6 weights, 6 weighted),
    /// so the service can store what it added next to the order and subtract exactly that later,
    /// even after a policy change.
    /// </summary>
    public long[] ToFields()
    {
        var fields = new long[FieldCount];
        fields[0] = OutcomeSeconds;
        fields[1] = LandmarkSeconds;
        fields[2] = Included ? 1 : 0;
        fields[3] = ApplicableMask;
        for (var a = 0; a < Areas.Count; a++)
        {
            fields[4 + a] = _weight[a];
            fields[4 + Areas.Count + a] = _weighted[a];
        }
        return fields;
    }

    /// <summary>Reads <see cref="ToFields"/>; inconsistent fields throw <see cref="FormatException"/> naming the problem.</summary>
    public static OrderContribution FromFields(IReadOnlyList<long> fields)
    {
        if (fields.Count != FieldCount) throw new FormatException($"an order contribution has {FieldCount} fields, got {fields.Count}");
        if (fields[2] is not (0 or 1)) throw new FormatException("order contribution field 'included' must be 0 or 1");
        if (fields[3] is < 0 or >= 1 << Areas.Count) throw new FormatException("order contribution field 'mask' is out of range");
        var weight = new PerArea<long>();
        var weighted = new PerArea<long>();
        for (var a = 0; a < Areas.Count; a++)
        {
            weight[a] = fields[4 + a];
            weighted[a] = fields[4 + Areas.Count + a];
            var applies = (fields[3] & (1 << a)) != 0;
            if (weight[a] < 0 || weighted[a] < 0 || weighted[a] > weight[a] || (!applies && weight[a] != 0))
                throw new FormatException($"order contribution fields of area {(Area)a} are inconsistent");
        }
        return new OrderContribution(fields[0], fields[1], fields[2] == 1, (byte)fields[3], weight, weighted);
    }

    /// <summary>Exact equality of time, landmark and every fixed-point sum.</summary>
    public bool Equals(OrderContribution other)
    {
        if (OutcomeSeconds != other.OutcomeSeconds || LandmarkSeconds != other.LandmarkSeconds
            || Included != other.Included || ApplicableMask != other.ApplicableMask) return false;
        for (var a = 0; a < Areas.Count; a++)
            if (_weight[a] != other._weight[a] || _weighted[a] != other._weighted[a]) return false;
        return true;
    }

    public override bool Equals(object? obj) => obj is OrderContribution other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(OutcomeSeconds, LandmarkSeconds, ApplicableMask, _weight[0], _weighted[0], _weighted[5]);

    public static bool operator ==(OrderContribution left, OrderContribution right) => left.Equals(right);

    public static bool operator !=(OrderContribution left, OrderContribution right) => !left.Equals(right);
}
