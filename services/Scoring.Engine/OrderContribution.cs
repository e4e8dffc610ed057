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

    /// <summary>False for orders left out of every area (running, buyer unresponsive, non-counting cancellation).</summary>
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
