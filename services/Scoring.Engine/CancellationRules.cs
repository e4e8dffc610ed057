namespace Marketplace.Scoring.Engine;

/// <summary>
/// The reason table of SPEC 2: which cancellations count against the seller, and how much by
/// initiator (seller-initiated count more than mutual ones). Part of <see cref="ScoringPolicy"/>
/// so operators can change it without a code change.
/// </summary>
public sealed record CancellationRules
{
    /// <summary>Reasons that never count against the seller; such orders are left out of every area.</summary>
    public IReadOnlySet<CancellationReason> NotCounting { get; init; } = new HashSet<CancellationReason>
    {
        CancellationReason.BuyerUnresponsive,
        CancellationReason.PlacedByMistake,
        CancellationReason.Duplicate,
        CancellationReason.MissingRequirements,
        CancellationReason.SupportInSellerFavour,
        CancellationReason.FraudChargeback,
    };

    /// <summary>Weight in [0,1] of a counting cancellation by initiator; the cancellation index is 1 − weight.</summary>
    public IReadOnlyDictionary<CancellationInitiator, double> InitiatorWeights { get; init; } = new Dictionary<CancellationInitiator, double>
    {
        [CancellationInitiator.Seller] = 1.0,
        [CancellationInitiator.Support] = 1.0,
        [CancellationInitiator.Chargeback] = 1.0,
        [CancellationInitiator.Buyer] = 0.75,
        [CancellationInitiator.Mutual] = 0.5,
    };

    /// <summary>True when the cancellation counts against the seller.</summary>
    public bool Counts(CancellationFacts cancellation) => !NotCounting.Contains(cancellation.Reason);

    /// <summary>How heavily a counting cancellation weighs against the seller, in [0,1].</summary>
    public double Weight(CancellationFacts cancellation) => InitiatorWeights[cancellation.Initiator];

    internal void Validate(string prefix, List<PolicyProblem> problems)
    {
        foreach (var initiator in Enum.GetValues<CancellationInitiator>())
        {
            if (!InitiatorWeights.TryGetValue(initiator, out var w))
                problems.Add(new($"{prefix}:InitiatorWeights:{initiator}", "is missing"));
            else if (!(w is >= 0 and <= 1))
                problems.Add(new($"{prefix}:InitiatorWeights:{initiator}", "must be in [0,1]"));
        }
        if (InitiatorWeights.TryGetValue(CancellationInitiator.Seller, out var seller)
            && InitiatorWeights.TryGetValue(CancellationInitiator.Mutual, out var mutual)
            && !(seller > mutual))
            problems.Add(new($"{prefix}:InitiatorWeights:Seller",
                $"must be greater than {ScoringPolicy.Section}:{prefix}:InitiatorWeights:Mutual (seller-initiated cancellations count more)"));
    }
}
