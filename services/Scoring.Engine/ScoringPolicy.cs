namespace Marketplace.Scoring.Engine;

/// <summary>Weights of the six areas in the Gig quality (SPEC 5.2). They must sum to 1.</summary>
public sealed record AreaWeights(
    double Satisfaction = 0.25,
    double Communication = 0.15,
    double ConflictFree = 0.15,
    double Cancellations = 0.15,
    double OnTimeDelivery = 0.15,
    double ValueForMoney = 0.15)
{
    /// <summary>The weight of one area.</summary>
    public double this[Area area] => area switch
    {
        Area.Satisfaction => Satisfaction,
        Area.Communication => Communication,
        Area.ConflictFree => ConflictFree,
        Area.Cancellations => Cancellations,
        Area.OnTimeDelivery => OnTimeDelivery,
        Area.ValueForMoney => ValueForMoney,
        _ => throw new ArgumentOutOfRangeException(nameof(area)),
    };
}

/// <summary>
/// How an order's inputs combine into each area index (SPEC 5.1 "weighted mean"). Each group of
/// sub-weights is normalised over the inputs actually present on the order.
/// </summary>
public sealed record AreaInputWeights
{
    public double SatisfactionOverallRating { get; init; } = 0.5;
    public double SatisfactionPrivateRating { get; init; } = 0.3;
    public double SatisfactionNoNegativeEvents { get; init; } = 0.2;
    public double CommunicationRating { get; init; } = 0.6;
    public double CommunicationResponsiveness { get; init; } = 0.4;
    public double ValueRating { get; init; } = 0.7;
    public double ValueWouldRecommend { get; init; } = 0.3;

    /// <summary>Mean response time at or below which responsiveness earns full credit.</summary>
    public double FastResponseHours { get; init; } = 1;

    /// <summary>Mean response time at or above which responsiveness earns nothing (the unresponsive mark also earns nothing).</summary>
    public double SlowResponseHours { get; init; } = 24;

    /// <summary>Lateness, as a fraction of the order's duration (created → due), at which on-time credit reaches 0.</summary>
    public double LateZeroCreditFraction { get; init; } = 0.5;
}

/// <summary>A value-weight step: orders of at least <paramref name="FromUsd"/> weigh <paramref name="Weight"/>.</summary>
public sealed record ValueWeightBand(decimal FromUsd, double Weight);

/// <summary>The criteria of one level (SPEC 5.4). Every one must hold.</summary>
public sealed record LevelCriteria(
    double MinSuccessScore,
    double MinRating,
    double MinResponseRate,
    int MinCompletedOrders,
    int MinUniqueClients,
    decimal MinEarningsUsd);

/// <summary>
/// A policy setting out of its range: its configuration key below section "Scoring"
/// (<c>HalfLifeDays</c>, <c>Level2:MinRating</c>, <c>ValueWeightBands:1:Weight</c>) and what is wrong.
/// </summary>
public sealed record PolicyProblem(string Key, string Message)
{
    public override string ToString() => $"{ScoringPolicy.Section}:{Key} {Message}";
}

/// <summary>
/// Every policy number of SPEC section 5 with its default, in one immutable object. The service
/// binds it from configuration section "Scoring"; <see cref="Problems"/> names the setting
/// ("Scoring:HalfLifeDays must be > 0") so a bad deployment fails at start-up.
/// </summary>
public sealed record ScoringPolicy
{
    /// <summary>Configuration section the service binds this policy from.</summary>
    public const string Section = "Scoring";

    /// <summary>The defaults of SPEC.md.</summary>
    public static ScoringPolicy Default { get; } = new();

    /// <summary>Upper edges of the USD price bands; default bands [0,25) [25,50) [50,100) [100,250) [250,500) [500,∞).</summary>
    public IReadOnlyList<decimal> PriceBandEdgesUsd { get; init; } = [25m, 50m, 100m, 250m, 500m];

    /// <summary>Recency half-life of an order's weight.</summary>
    public double HalfLifeDays { get; init; } = 180;

    /// <summary>Orders this much older than the Gig's most recent order drop out.</summary>
    public int EvaluationPeriodDays { get; init; } = 730;

    /// <summary>Origin of the landmark grid of forward decay; landmarks are this epoch plus whole steps.</summary>
    public DateTimeOffset LandmarkEpoch { get; init; } = new(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Landmark step in half-lives. An order's decay factor 2^((t − L)/half-life) stays below
    /// 2^step, so the fixed-point sums cannot overflow; crossing a step moves the landmark.
    /// </summary>
    public int LandmarkStepHalfLives { get; init; } = 8;

    /// <summary>Pseudo-orders of the peer mean added to each area index (Bayesian average).</summary>
    public double ShrinkagePseudoOrders { get; init; } = 5;

    public AreaWeights AreaWeights { get; init; } = new();
    public AreaInputWeights AreaInputs { get; init; } = new();

    /// <summary>Value weight steps by amount; default 1 / 1.25 / 1.5 from 0 / 250 / 1000 USD.</summary>
    public IReadOnlyList<ValueWeightBand> ValueWeightBands { get; init; } =
        [new(0m, 1.0), new(250m, 1.25), new(1000m, 1.5)];

    /// <summary>Scored orders a Gig needs before it has a success score.</summary>
    public int MinScoredOrders { get; init; } = 3;

    /// <summary>Scored Gigs a (band, category) group needs to be used; below it the band alone is the peer group.</summary>
    public int CategoryMinGigs { get; init; } = 20;

    /// <summary>Area mean assumed for a peer group with no data in that area yet.</summary>
    public double PriorAreaMean { get; init; } = 0.8;

    public CancellationRules Cancellations { get; init; } = new();

    public LevelCriteria Level1 { get; init; } = new(7, 4.4, 0.90, 5, 3, 400m);
    public LevelCriteria Level2 { get; init; } = new(8, 4.6, 0.90, 25, 10, 5_000m);
    public LevelCriteria TopRated { get; init; } = new(9, 4.7, 0.90, 40, 20, 10_000m);

    /// <summary>Consecutive failing (daily) evaluations before a demotion.</summary>
    public int DemotionGraceEvaluations { get; init; } = 2;

    /// <summary>Months after a Top Rated rejection before the seller can be proposed again.</summary>
    public int TopRatedRetryMonths { get; init; } = 6;

    /// <summary>Window of public ratings for the level "rating" metric (computed by the service).</summary>
    public int RatingWindowDays { get; init; } = 730;

    /// <summary>
    /// The response rate a level criterion uses for a seller with no buyer-opened conversation in
    /// Messaging's window (Messaging then publishes no rate): nothing was left unanswered, 1 (100 %).
    /// </summary>
    public double ResponseRateWithoutConversations { get; init; } = 1.0;

    public double LowPerformanceFlagAtOrBelow { get; init; } = 3.0;
    public double LowPerformanceClearAtOrAbove { get; init; } = 4.0;
    public int LowPerformanceMinScoredOrders { get; init; } = 5;

    /// <summary>Half-life expressed as a decay rate per second (ln 2 / half-life).</summary>
    public double DecayPerSecond => Math.Log(2) / (HalfLifeDays * 86_400.0);

    /// <summary>Every problem with this policy as text naming its configuration key ("Scoring:HalfLifeDays must be > 0"); empty when valid.</summary>
    public IReadOnlyList<string> Validate() => [.. Problems().Select(problem => problem.ToString())];

    /// <summary>Every problem with this policy, each with its configuration key below section "Scoring"; empty when valid.</summary>
    public IReadOnlyList<PolicyProblem> Problems()
    {
        var p = new List<PolicyProblem>();
        const string s = Section;
        void Add(string key, string message) => p.Add(new PolicyProblem(key, message));
        if (PriceBandEdgesUsd.Count == 0 || PriceBandEdgesUsd[0] <= 0 || !StrictlyIncreasing(PriceBandEdgesUsd))
            Add(nameof(PriceBandEdgesUsd), "must be a non-empty, strictly increasing list of amounts > 0");
        if (!(HalfLifeDays > 0)) Add(nameof(HalfLifeDays), "must be > 0");
        if (EvaluationPeriodDays <= 0) Add(nameof(EvaluationPeriodDays), "must be > 0");
        if (HalfLifeDays > 0 && EvaluationPeriodDays / HalfLifeDays > 16)
            Add(nameof(EvaluationPeriodDays), $"must be at most 16 half-lives ({s}:HalfLifeDays), or the oldest orders lose fixed-point precision");
        if (LandmarkStepHalfLives is < 1 or > 12) Add(nameof(LandmarkStepHalfLives), "must be in 1..12 (fixed-point headroom)");
        if (!(ShrinkagePseudoOrders >= 0)) Add(nameof(ShrinkagePseudoOrders), "must be >= 0");
        CheckWeights(p);
        CheckInputs(p);
        if (ValueWeightBands.Count == 0 || ValueWeightBands[0].FromUsd != 0m)
            Add(nameof(ValueWeightBands), "must start with a band from 0 USD");
        for (var i = 0; i < ValueWeightBands.Count; i++)
        {
            var band = ValueWeightBands[i];
            if (!(band.Weight is >= 0.01 and <= 2)) Add($"{nameof(ValueWeightBands)}:{i}:Weight", "must be in [0.01, 2]");
            if (i > 0 && !(band.FromUsd > ValueWeightBands[i - 1].FromUsd && band.Weight >= ValueWeightBands[i - 1].Weight))
                Add($"{nameof(ValueWeightBands)}:{i}", "must start above the previous band and not weigh less");
        }
        if (MinScoredOrders < 1) Add(nameof(MinScoredOrders), "must be >= 1");
        if (CategoryMinGigs < 1) Add(nameof(CategoryMinGigs), "must be >= 1");
        if (!(PriorAreaMean is >= 0 and <= 1)) Add(nameof(PriorAreaMean), "must be in [0,1]");
        Cancellations.Validate(nameof(Cancellations), p);
        CheckLevel(p, nameof(Level1), Level1);
        CheckLevel(p, nameof(Level2), Level2);
        CheckLevel(p, nameof(TopRated), TopRated);
        if (!(Level1.MinSuccessScore <= Level2.MinSuccessScore))
            Add($"{nameof(Level2)}:MinSuccessScore", $"must be at least {s}:{nameof(Level1)}:MinSuccessScore (levels never ask for less)");
        if (!(Level2.MinSuccessScore <= TopRated.MinSuccessScore))
            Add($"{nameof(TopRated)}:MinSuccessScore", $"must be at least {s}:{nameof(Level2)}:MinSuccessScore (levels never ask for less)");
        if (DemotionGraceEvaluations < 1) Add(nameof(DemotionGraceEvaluations), "must be >= 1");
        if (TopRatedRetryMonths < 0) Add(nameof(TopRatedRetryMonths), "must be >= 0");
        if (RatingWindowDays <= 0) Add(nameof(RatingWindowDays), "must be > 0");
        if (!(ResponseRateWithoutConversations is >= 0 and <= 1)) Add(nameof(ResponseRateWithoutConversations), "must be in [0,1]");
        if (!(LowPerformanceFlagAtOrBelow is >= 1 and <= 10)) Add(nameof(LowPerformanceFlagAtOrBelow), "must be in [1,10]");
        if (!(LowPerformanceClearAtOrAbove > LowPerformanceFlagAtOrBelow && LowPerformanceClearAtOrAbove <= 10))
            Add(nameof(LowPerformanceClearAtOrAbove), $"must be greater than {s}:{nameof(LowPerformanceFlagAtOrBelow)} and <= 10 (hysteresis)");
        if (LowPerformanceMinScoredOrders < 0) Add(nameof(LowPerformanceMinScoredOrders), "must be >= 0");
        return p;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming every bad setting.</summary>
    public ScoringPolicy EnsureValid()
    {
        var problems = Validate();
        if (problems.Count > 0) throw new ArgumentException("Invalid scoring policy: " + string.Join("; ", problems));
        return this;
    }

    /// <summary>Price band index of an amount: 0 for [0, first edge), and so on.</summary>
    public int PriceBand(decimal amountUsd)
    {
        if (amountUsd < 0) throw new ArgumentOutOfRangeException(nameof(amountUsd), "price must be >= 0");
        var band = 0;
        while (band < PriceBandEdgesUsd.Count && amountUsd >= PriceBandEdgesUsd[band]) band++;
        return band;
    }

    /// <summary>Value weight of an order amount (SPEC 5.2: grows with diminishing returns).</summary>
    public double ValueWeight(decimal amountUsd)
    {
        var weight = ValueWeightBands[0].Weight;
        for (var i = 1; i < ValueWeightBands.Count && amountUsd >= ValueWeightBands[i].FromUsd; i++)
            weight = ValueWeightBands[i].Weight;
        return weight;
    }

    private void CheckWeights(List<PolicyProblem> p)
    {
        var sum = 0.0;
        foreach (var area in Areas.All)
        {
            var w = AreaWeights[area];
            if (!(w >= 0)) p.Add(new($"{nameof(AreaWeights)}:{area}", "must be >= 0"));
            sum += w;
        }
        if (Math.Abs(sum - 1) > 1e-9) p.Add(new(nameof(AreaWeights), $"must sum to 1 (they sum to {sum:0.######})"));
    }

    private void CheckInputs(List<PolicyProblem> p)
    {
        const string k = nameof(AreaInputs);
        var a = AreaInputs;
        (string Name, double Value)[] weights =
        [
            (nameof(a.SatisfactionOverallRating), a.SatisfactionOverallRating),
            (nameof(a.SatisfactionPrivateRating), a.SatisfactionPrivateRating),
            (nameof(a.SatisfactionNoNegativeEvents), a.SatisfactionNoNegativeEvents),
            (nameof(a.CommunicationRating), a.CommunicationRating),
            (nameof(a.CommunicationResponsiveness), a.CommunicationResponsiveness),
            (nameof(a.ValueRating), a.ValueRating),
            (nameof(a.ValueWouldRecommend), a.ValueWouldRecommend),
        ];
        foreach (var (name, value) in weights)
            if (!(value > 0)) p.Add(new($"{k}:{name}", "must be > 0"));
        if (!(a.FastResponseHours >= 0)) p.Add(new($"{k}:FastResponseHours", "must be >= 0"));
        if (!(a.SlowResponseHours > a.FastResponseHours)) p.Add(new($"{k}:SlowResponseHours", $"must be greater than {Section}:{k}:FastResponseHours"));
        if (!(a.LateZeroCreditFraction > 0)) p.Add(new($"{k}:LateZeroCreditFraction", "must be > 0"));
    }

    private static void CheckLevel(List<PolicyProblem> p, string k, LevelCriteria c)
    {
        if (!(c.MinSuccessScore is >= 1 and <= 10)) p.Add(new($"{k}:MinSuccessScore", "must be in [1,10]"));
        if (!(c.MinRating is >= 1 and <= 5)) p.Add(new($"{k}:MinRating", "must be in [1,5]"));
        if (!(c.MinResponseRate is >= 0 and <= 1)) p.Add(new($"{k}:MinResponseRate", "must be in [0,1]"));
        if (c.MinCompletedOrders < 0) p.Add(new($"{k}:MinCompletedOrders", "must be >= 0"));
        if (c.MinUniqueClients < 0) p.Add(new($"{k}:MinUniqueClients", "must be >= 0"));
        if (c.MinEarningsUsd < 0) p.Add(new($"{k}:MinEarningsUsd", "must be >= 0"));
    }

    private static bool StrictlyIncreasing(IReadOnlyList<decimal> xs)
    {
        for (var i = 1; i < xs.Count; i++)
            if (xs[i] <= xs[i - 1]) return false;
        return true;
    }
}
