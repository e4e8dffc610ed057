using System.ComponentModel.DataAnnotations;
using Marketplace.Scoring.Engine;

namespace Marketplace.Scoring;

/// <summary>How Scoring turns an order amount into USD: the value of one major unit and its minor digits.</summary>
public sealed record CurrencyRate(decimal UsdPerUnit, int MinorDigits);

/// <summary>
/// The Scoring service's settings, all in section <c>Scoring</c>: the scoring policy (every number
/// of SPEC 5, see docs/scoring.md "Policy settings"; an unset key keeps the engine's default from
/// <see cref="ScoringPolicy.Default"/>) and the service's own timings and currency rates. Bound with
/// the options pattern and validated at start-up; a bad value stops the service naming the key.
/// </summary>
/// <remarks>
/// The three lists (<see cref="PriceBandEdgesUsd"/>, <see cref="ValueWeightBands"/>,
/// <see cref="CancellationOptions.NotCounting"/>) stay null unless configured and take the default
/// only after binding, so a list given in configuration replaces the default list instead of being
/// appended to it. The nested groups (<see cref="AreaWeights"/>, <see cref="Level1"/>, ...) are copies
/// of the defaults that the binder changes key by key.
/// </remarks>
public sealed class ScoringOptions : IValidatableObject
{
    public const string Section = "Scoring";

    private const string WholeNumber = "must be a whole number from {1} to {2}";
    private static readonly ScoringPolicy Defaults = ScoringPolicy.Default;

    /// <summary>The largest USD value of one major unit accepted (no currency comes near; it bounds every conversion).</summary>
    public const decimal MaxUsdPerUnit = 1_000_000m;

    private ScoringPolicy? _policy;

    // ---- the service ----

    /// <summary>How often the daily evaluation of every peer group and seller runs.</summary>
    [Range(1, 7 * 1440, ErrorMessage = WholeNumber)]
    public int EvaluationIntervalMinutes { get; set; } = 1440;

    /// <summary>How often sellers whose own events changed are re-evaluated.</summary>
    [Range(10, 60_000, ErrorMessage = WholeNumber)]
    public int SellerEvaluationPollMs { get; set; } = 200;

    /// <summary>Dirty sellers evaluated together in one unit of work (one read script, one commit; 1: each on its own).</summary>
    [Range(1, 256, ErrorMessage = WholeNumber)]
    public int SellerEvaluationBatch { get; set; } = 32;

    /// <summary>Units of dirty sellers (each up to <see cref="SellerEvaluationBatch"/>) evaluated at once by one replica; their Redis round trips overlap.</summary>
    [Range(1, 64, ErrorMessage = WholeNumber)]
    public int SellerEvaluationConcurrency { get; set; } = 8;

    /// <summary>
    /// How long the evaluation history (each evaluation's Gig states, the groups' snapshots and the
    /// change log) is kept for ExplainScoreChange; older entries are trimmed when an evaluation writes.
    /// </summary>
    [Range(1, 3650, ErrorMessage = WholeNumber)]
    public int HistoryRetentionDays { get; set; } = 400;

    /// <summary>
    /// A peer group with more Gigs than this is refreshed by the daily evaluation in chunks of this
    /// many Gigs, each its own commit (docs/scale.md), instead of one commit over the whole group.
    /// </summary>
    [Range(1, 100_000, ErrorMessage = WholeNumber)]
    public int EvaluationChunkGigs { get; set; } = 2_000;

    /// <summary>Gigs a rebuild reads, computes and writes per batch (one checkpoint each; issue 13).</summary>
    [Range(1, 10_000, ErrorMessage = WholeNumber)]
    public int RebuildBatchGigs { get; set; } = 256;

    /// <summary>Rebuild batches in flight at once, a sliding window (their Redis round trips overlap, their computation uses the cores).</summary>
    [Range(1, 64, ErrorMessage = WholeNumber)]
    public int RebuildParallelBatches { get; set; } = 4;

    /// <summary>
    /// A rebuild of at most this many Gigs holds the new generation's Gig records in memory (about
    /// 460 bytes each, bench/rebuild <c>cpu</c>: 115 MB at the default) for its peers phase and
    /// comparison instead of reading them back from Redis (<see cref="Rebuild.HeldGeneration"/>);
    /// 0 always reads them back.
    /// </summary>
    [Range(0, 10_000_000, ErrorMessage = WholeNumber)]
    public int RebuildHoldGigs { get; set; } = 250_000;

    /// <summary>A pause after each rebuild batch, to leave Redis room for live traffic (0: none).</summary>
    [Range(0, 60_000, ErrorMessage = WholeNumber)]
    public int RebuildBatchPauseMs { get; set; }

    /// <summary>USD rates by ISO 4217 code (<c>Currencies:JPY:UsdPerUnit</c>); USD is built in (1, 2 minor digits).</summary>
    public Dictionary<string, CurrencyOptions> Currencies { get; set; } = new(StringComparer.Ordinal);

    // ---- the scoring policy (SPEC 5) ----

    public List<decimal>? PriceBandEdgesUsd { get; set; }

    public double HalfLifeDays { get; set; } = Defaults.HalfLifeDays;

    public int EvaluationPeriodDays { get; set; } = Defaults.EvaluationPeriodDays;

    public DateTimeOffset LandmarkEpoch { get; set; } = Defaults.LandmarkEpoch;

    public int LandmarkStepHalfLives { get; set; } = Defaults.LandmarkStepHalfLives;

    public double ShrinkagePseudoOrders { get; set; } = Defaults.ShrinkagePseudoOrders;

    public AreaWeights AreaWeights { get; set; } = Defaults.AreaWeights with { };

    public AreaInputWeights AreaInputs { get; set; } = Defaults.AreaInputs with { };

    public List<ValueWeightBandOptions>? ValueWeightBands { get; set; }

    public int MinScoredOrders { get; set; } = Defaults.MinScoredOrders;

    public int CategoryMinGigs { get; set; } = Defaults.CategoryMinGigs;

    public double PriorAreaMean { get; set; } = Defaults.PriorAreaMean;

    public CancellationOptions Cancellations { get; set; } = new();

    public LevelCriteria Level1 { get; set; } = Defaults.Level1 with { };

    public LevelCriteria Level2 { get; set; } = Defaults.Level2 with { };

    public LevelCriteria TopRated { get; set; } = Defaults.TopRated with { };

    public int DemotionGraceEvaluations { get; set; } = Defaults.DemotionGraceEvaluations;

    public int TopRatedRetryMonths { get; set; } = Defaults.TopRatedRetryMonths;

    public int RatingWindowDays { get; set; } = Defaults.RatingWindowDays;

    public double ResponseRateWithoutConversations { get; set; } = Defaults.ResponseRateWithoutConversations;

    public double LowPerformanceFlagAtOrBelow { get; set; } = Defaults.LowPerformanceFlagAtOrBelow;

    public double LowPerformanceClearAtOrAbove { get; set; } = Defaults.LowPerformanceClearAtOrAbove;

    public int LowPerformanceMinScoredOrders { get; set; } = Defaults.LowPerformanceMinScoredOrders;

    // ---- what the service reads ----

    /// <summary>The policy the engine scores with (built once, after binding and validation).</summary>
    public ScoringPolicy Policy => _policy ??= ToPolicy();

    public TimeSpan EvaluationInterval => TimeSpan.FromMinutes(EvaluationIntervalMinutes);

    public TimeSpan HistoryRetention => TimeSpan.FromDays(HistoryRetentionDays);

    public TimeSpan SellerEvaluationPoll => TimeSpan.FromMilliseconds(SellerEvaluationPollMs);

    /// <summary>The rate of a currency: as configured, USD = 1 with 2 minor digits unless configured; null when it has none.</summary>
    public CurrencyRate? RateOf(string currency)
    {
        var configured = Currencies.GetValueOrDefault(currency);
        if (currency == "USD")
        {
            return new CurrencyRate(configured?.UsdPerUnit ?? 1m, configured?.MinorDigits ?? 2);
        }

        return configured?.UsdPerUnit is { } usd ? new CurrencyRate(usd, configured.MinorDigits ?? 2) : null;
    }

    /// <summary>
    /// An amount in minor units of <paramref name="currency"/>, in USD; null when the currency has no rate.
    /// Cannot overflow: |amount| ≤ 2^64 minor units times a rate of at most <see cref="MaxUsdPerUnit"/> stays
    /// far inside decimal's range.
    /// </summary>
    public decimal? ToUsd(string currency, decimal amountMinor) =>
        RateOf(currency) is { } rate ? amountMinor * rate.UsdPerUnit / Pow10(rate.MinorDigits) : null;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var problems = new List<ValidationResult>();
        void Add(string key, string message) => problems.Add(new ValidationResult(message, [key]));

        foreach (var (code, currency) in Currencies)
        {
            string key = $"{nameof(Currencies)}:{code}";
            if (code.Length != 3 || !code.All(char.IsAsciiLetterUpper))
            {
                Add(key, "must be an ISO 4217 code of three upper-case letters");
                continue;
            }

            if (currency.UsdPerUnit is null && code != "USD")
            {
                Add($"{key}:{nameof(CurrencyOptions.UsdPerUnit)}", "is required");
            }
            else if (currency.UsdPerUnit is <= 0 or > MaxUsdPerUnit)
            {
                Add($"{key}:{nameof(CurrencyOptions.UsdPerUnit)}", $"must be a number > 0 and at most {MaxUsdPerUnit}");
            }

            if (currency.MinorDigits is < 0 or > 4)
            {
                Add($"{key}:{nameof(CurrencyOptions.MinorDigits)}", "must be a whole number from 0 to 4");
            }
        }

        for (int i = 0; i < ValueWeightBands?.Count; i++)
        {
            if (ValueWeightBands[i].FromUsd is null)
            {
                Add($"{nameof(ValueWeightBands)}:{i}:{nameof(ValueWeightBandOptions.FromUsd)}", "is required (each band has FromUsd and Weight)");
            }

            if (ValueWeightBands[i].Weight is null)
            {
                Add($"{nameof(ValueWeightBands)}:{i}:{nameof(ValueWeightBandOptions.Weight)}", "is required (each band has FromUsd and Weight)");
            }
        }

        if (problems.Count == 0)
        {
            problems.AddRange(ToPolicy().Problems().Select(p => new ValidationResult(p.Message, [p.Key])));
        }

        return problems;
    }

    private ScoringPolicy ToPolicy() => new()
    {
        PriceBandEdgesUsd = PriceBandEdgesUsd is { } edges ? [.. edges] : Defaults.PriceBandEdgesUsd,
        HalfLifeDays = HalfLifeDays,
        EvaluationPeriodDays = EvaluationPeriodDays,
        LandmarkEpoch = LandmarkEpoch,
        LandmarkStepHalfLives = LandmarkStepHalfLives,
        ShrinkagePseudoOrders = ShrinkagePseudoOrders,
        AreaWeights = AreaWeights with { },
        AreaInputs = AreaInputs with { },
        ValueWeightBands = ValueWeightBands is { } bands
            ? [.. bands.Select(b => new ValueWeightBand(b.FromUsd ?? 0m, b.Weight ?? 0))]
            : Defaults.ValueWeightBands,
        MinScoredOrders = MinScoredOrders,
        CategoryMinGigs = CategoryMinGigs,
        PriorAreaMean = PriorAreaMean,
        Cancellations = new CancellationRules
        {
            NotCounting = Cancellations.NotCounting is { } reasons ? reasons.ToHashSet() : Defaults.Cancellations.NotCounting,
            InitiatorWeights = new Dictionary<CancellationInitiator, double>(Cancellations.InitiatorWeights),
        },
        Level1 = Level1 with { },
        Level2 = Level2 with { },
        TopRated = TopRated with { },
        DemotionGraceEvaluations = DemotionGraceEvaluations,
        TopRatedRetryMonths = TopRatedRetryMonths,
        RatingWindowDays = RatingWindowDays,
        ResponseRateWithoutConversations = ResponseRateWithoutConversations,
        LowPerformanceFlagAtOrBelow = LowPerformanceFlagAtOrBelow,
        LowPerformanceClearAtOrAbove = LowPerformanceClearAtOrAbove,
        LowPerformanceMinScoredOrders = LowPerformanceMinScoredOrders,
    };

    private static decimal Pow10(int digits)
    {
        decimal result = 1;
        for (int i = 0; i < digits; i++)
        {
            result *= 10;
        }

        return result;
    }
}

/// <summary>A currency's USD rate (<c>Scoring:Currencies:&lt;ISO code&gt;</c>).</summary>
public sealed class CurrencyOptions
{
    /// <summary>The value of one major unit in USD; required except for USD (1).</summary>
    public decimal? UsdPerUnit { get; set; }

    /// <summary>Digits of the minor unit (2 when not set; 0 for JPY).</summary>
    public int? MinorDigits { get; set; }
}

/// <summary>A value-weight step (<c>Scoring:ValueWeightBands:&lt;i&gt;</c>): orders of at least FromUsd weigh Weight.</summary>
public sealed class ValueWeightBandOptions
{
    public decimal? FromUsd { get; set; }

    public double? Weight { get; set; }
}

/// <summary>The reason table of SPEC 2 (<c>Scoring:Cancellations</c>).</summary>
public sealed class CancellationOptions
{
    /// <summary>Reasons that never count against the seller; null keeps the default list.</summary>
    public List<CancellationReason>? NotCounting { get; set; }

    /// <summary>Weight of a counting cancellation by initiator; a configured initiator replaces only its own weight.</summary>
    public Dictionary<CancellationInitiator, double> InitiatorWeights { get; set; } = new(ScoringPolicy.Default.Cancellations.InitiatorWeights);
}
