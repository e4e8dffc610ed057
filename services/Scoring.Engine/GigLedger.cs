namespace Marketplace.Scoring.Engine;

/// <summary>
/// One Gig's orders and aggregate in memory: the reference driver of <see cref="GigAggregate"/>
/// for tests, what-if projections and replay tools. It does what the Scoring service does
/// against Redis: keep each order's latest facts and the contribution currently counted, replace
/// that contribution when facts change, drop orders that leave the evaluation window, and
/// rebuild the sums when the landmark moves. The result depends only on the set of latest facts,
/// never on the order in which they arrived (see docs/scoring.md).
/// </summary>
public sealed class GigLedger
{
    private readonly ScoringPolicy _policy;
    private readonly Dictionary<string, OrderFacts> _facts;
    private readonly Dictionary<string, OrderContribution> _counted;
    private readonly SortedSet<(long Time, string OrderId)> _countedByTime;
    private readonly SortedSet<(long Time, string OrderId)> _includedByTime;

    /// <summary>Creates an empty ledger for a Gig.</summary>
    public GigLedger(string gigId, ScoringPolicy policy)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(gigId);
        GigId = gigId;
        _policy = policy;
        _facts = new(StringComparer.Ordinal);
        _counted = new(StringComparer.Ordinal);
        _countedByTime = [];
        _includedByTime = [];
        Aggregate = new GigAggregate();
    }

    private GigLedger(GigLedger source)
    {
        GigId = source.GigId;
        _policy = source._policy;
        _facts = new(source._facts, StringComparer.Ordinal);
        _counted = new(source._counted, StringComparer.Ordinal);
        _countedByTime = new(source._countedByTime);
        _includedByTime = new(source._includedByTime);
        Aggregate = source.Aggregate.Clone();
    }

    public string GigId { get; }

    /// <summary>The Gig's sums; the service persists exactly this.</summary>
    public GigAggregate Aggregate { get; }

    /// <summary>The contribution each counted order currently adds (for "why did it move").</summary>
    public IReadOnlyDictionary<string, OrderContribution> Counted => _counted;

    /// <summary>The latest known facts of every order of the Gig.</summary>
    public IReadOnlyDictionary<string, OrderFacts> Facts => _facts;

    /// <summary>A deep copy; changing it leaves this ledger as it is.</summary>
    public GigLedger Clone() => new(this);

    /// <summary>
    /// Records the latest facts of an order and updates the sums: O(1) for the order itself, plus
    /// one subtraction per order that leaves the evaluation window, plus an O(n) rebuild in the
    /// rare cases the landmark moves (once per landmark step) or the most recent counted order
    /// stops counting. Invalid facts throw and change nothing.
    /// </summary>
    public void Upsert(OrderFacts facts)
    {
        facts.EnsureValid();
        if (!string.Equals(facts.GigId, GigId, StringComparison.Ordinal))
            throw new ArgumentException($"GigId '{facts.GigId}' does not match the ledger's Gig '{GigId}'", nameof(facts));

        if (_facts.TryGetValue(facts.OrderId, out var previous) && Included(previous) is { } oldTime)
            _includedByTime.Remove((oldTime, facts.OrderId));
        _facts[facts.OrderId] = facts;
        var time = Included(facts);
        if (time is { } t) _includedByTime.Add((t, facts.OrderId));

        var oldMax = Aggregate.MaxOutcomeSeconds;
        var newMax = _includedByTime.Count > 0 ? _includedByTime.Max.Time : long.MinValue;
        if (newMax < oldMax || (Aggregate.HasOrders && Aggregate.RequiresRebuild(newMax, _policy)))
        {
            RebuildAll(newMax);
            return;
        }

        Uncount(facts.OrderId);
        if (time is not { } at) return;
        if (!Aggregate.HasOrders) Aggregate.StartAt(ForwardDecay.LandmarkFor(at, _policy));
        if (Aggregate.WindowDropAfter(newMax, _policy) is { } drop) DropRange(drop.From, drop.To);
        if (at < ForwardDecay.WindowStart(newMax, _policy)) return; // arrived already outside the window
        var contribution = OrderContribution.From(facts, _policy, Aggregate.LandmarkSeconds);
        Aggregate.Add(contribution);
        _counted[facts.OrderId] = contribution;
        _countedByTime.Add((at, facts.OrderId));
    }

    private long? Included(OrderFacts facts) =>
        AreaIndexer.IsIncluded(facts, _policy) ? facts.OutcomeAt!.Value.ToUnixTimeSeconds() : null;

    private void Uncount(string orderId)
    {
        if (!_counted.Remove(orderId, out var previous)) return;
        Aggregate.Subtract(previous);
        _countedByTime.Remove((previous.OutcomeSeconds, orderId));
    }

    private void DropRange(long from, long to)
    {
        // Upper bound (to, "") sorts before every real order ending at `to`, so the view is [from, to).
        var leaving = _countedByTime.GetViewBetween((from, string.Empty), (to, string.Empty)).ToList();
        foreach (var (_, orderId) in leaving) Uncount(orderId);
    }

    private void RebuildAll(long maxOutcomeSeconds)
    {
        _counted.Clear();
        _countedByTime.Clear();
        if (maxOutcomeSeconds == long.MinValue)
        {
            Aggregate.Rebuild(long.MinValue, long.MinValue, []);
            return;
        }
        var landmark = ForwardDecay.LandmarkFor(maxOutcomeSeconds, _policy);
        var windowStart = ForwardDecay.WindowStart(maxOutcomeSeconds, _policy);
        foreach (var (time, orderId) in _includedByTime.GetViewBetween((windowStart, string.Empty), (long.MaxValue, string.Empty)))
        {
            var c = OrderContribution.From(_facts[orderId], _policy, landmark);
            _counted[orderId] = c;
            _countedByTime.Add((time, orderId));
        }
        Aggregate.Rebuild(landmark, maxOutcomeSeconds, _counted.Values);
    }
}
