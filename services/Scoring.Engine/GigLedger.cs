namespace Marketplace.Scoring.Engine;

/// <summary>
/// One Gig's orders and aggregate in memory: the reference driver of <see cref="GigAggregate"/>
/// for tests, what-if projections and replay tools. It does what the Scoring service does
/// against Redis: keep each order's latest facts and the contribution currently counted, replace
/// that contribution when facts change, drop orders that leave the evaluation window, and
/// rebuild the sums when the landmark moves. The result depends only on the set of latest facts,
/// never on the order in which they arrived.
/// </summary>
public sealed class GigLedger
{
    private readonly ScoringPolicy _policy;
    private readonly Dictionary<string, OrderFacts> _facts;
    private readonly Dictionary<string, OrderContribution> _counted;
    private readonly SortedSet<(long Time, string OrderId)> _countedByTime;

    /// <summary>Creates an empty ledger for a Gig.</summary>
    public GigLedger(string gigId, ScoringPolicy policy)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(gigId);
        GigId = gigId;
        _policy = policy;
        _facts = new(StringComparer.Ordinal);
        _counted = new(StringComparer.Ordinal);
        _countedByTime = [];
        Aggregate = new GigAggregate();
    }

    private GigLedger(GigLedger source)
    {
        GigId = source.GigId;
        _policy = source._policy;
        _facts = new(source._facts, StringComparer.Ordinal);
        _counted = new(source._counted, StringComparer.Ordinal);
        _countedByTime = new(source._countedByTime);
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
    /// rare case the landmark moves (once per landmark step). Invalid facts throw and change nothing.
    /// </summary>
    public void Upsert(OrderFacts facts)
    {
        facts.EnsureValid();
        if (!string.Equals(facts.GigId, GigId, StringComparison.Ordinal))
            throw new ArgumentException($"GigId '{facts.GigId}' does not match the ledger's Gig '{GigId}'", nameof(facts));

        _facts[facts.OrderId] = facts;
        Uncount(facts.OrderId);
        if (facts.OutcomeAt is not { } outcomeAt) return; // a running order counts nowhere yet
        var t = outcomeAt.ToUnixTimeSeconds();

        if (!Aggregate.HasOrders) Aggregate.StartAt(ForwardDecay.LandmarkFor(t, _policy));
        else if (Aggregate.RequiresRebuild(t, _policy))
        {
            RebuildAll(Math.Max(t, Aggregate.MaxOutcomeSeconds));
            return;
        }

        var drop = Aggregate.WindowDropAfter(t, _policy);
        var contribution = OrderContribution.From(facts, _policy, Aggregate.LandmarkSeconds);
        if (t < ForwardDecay.WindowStart(Math.Max(t, Aggregate.MaxOutcomeSeconds), _policy))
            contribution = contribution.AsExcluded();
        Aggregate.Add(contribution);
        if (contribution.Included) Count(facts.OrderId, contribution);
        if (drop is { } range) DropRange(range.From, range.To);
    }

    private void Uncount(string orderId)
    {
        if (!_counted.Remove(orderId, out var previous)) return;
        Aggregate.Subtract(previous);
        _countedByTime.Remove((previous.OutcomeSeconds, orderId));
    }

    private void Count(string orderId, OrderContribution contribution)
    {
        _counted[orderId] = contribution;
        _countedByTime.Add((contribution.OutcomeSeconds, orderId));
    }

    private void DropRange(long from, long to)
    {
        // Upper bound (to, "") sorts before every real order ending at `to`, so the view is [from, to).
        var leaving = _countedByTime.GetViewBetween((from, string.Empty), (to, string.Empty)).ToList();
        foreach (var (_, orderId) in leaving) Uncount(orderId);
    }

    private void RebuildAll(long maxOutcomeSeconds)
    {
        var landmark = ForwardDecay.LandmarkFor(maxOutcomeSeconds, _policy);
        var windowStart = ForwardDecay.WindowStart(maxOutcomeSeconds, _policy);
        _counted.Clear();
        _countedByTime.Clear();
        foreach (var facts in _facts.Values)
        {
            if (facts.OutcomeAt is not { } at || at.ToUnixTimeSeconds() < windowStart) continue;
            var c = OrderContribution.From(facts, _policy, landmark);
            if (c.Included) Count(facts.OrderId, c);
        }
        Aggregate.Rebuild(landmark, maxOutcomeSeconds, _counted.Values);
    }
}
