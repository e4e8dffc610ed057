namespace Marketplace.Scoring.Engine.Tests;

/// <summary>SPEC preamble: every policy number is configurable and validated at start-up, naming the setting.</summary>
public sealed class PolicyTests
{
    [Fact]
    public void The_defaults_are_the_numbers_of_the_spec_and_valid()
    {
        var p = ScoringPolicy.Default;
        Assert.Empty(p.Validate());
        Assert.Equal(180, p.HalfLifeDays);
        Assert.Equal(730, p.EvaluationPeriodDays);
        Assert.Equal(5, p.ShrinkagePseudoOrders);
        Assert.Equal(3, p.MinScoredOrders);
        Assert.Equal(2, p.DemotionGraceEvaluations);
        Assert.Equal(6, p.TopRatedRetryMonths);
        Assert.Equal((3.0, 4.0, 5), (p.LowPerformanceFlagAtOrBelow, p.LowPerformanceClearAtOrAbove, p.LowPerformanceMinScoredOrders));
        Assert.Equal(new LevelCriteria(9, 4.7, 0.90, 40, 20, 10_000m), p.TopRated);
    }

    public static TheoryData<string, ScoringPolicy> BadPolicies => new()
    {
        { "Scoring:HalfLifeDays must be > 0", ScoringPolicy.Default with { HalfLifeDays = 0 } },
        { "Scoring:EvaluationPeriodDays must be > 0", ScoringPolicy.Default with { EvaluationPeriodDays = -1 } },
        { "Scoring:AreaWeights must sum to 1", ScoringPolicy.Default with { AreaWeights = new AreaWeights(Satisfaction: 0.5) } },
        { "Scoring:AreaWeights:Communication must be >= 0", ScoringPolicy.Default with { AreaWeights = new AreaWeights(Satisfaction: 0.55, Communication: -0.15) } },
        { "Scoring:ShrinkagePseudoOrders must be >= 0", ScoringPolicy.Default with { ShrinkagePseudoOrders = -1 } },
        { "Scoring:PriceBandEdgesUsd", ScoringPolicy.Default with { PriceBandEdgesUsd = [25m, 10m] } },
        { "Scoring:ValueWeightBands:1", ScoringPolicy.Default with { ValueWeightBands = [new(0m, 1.0), new(250m, 0.5)] } },
        { "Scoring:LowPerformanceClearAtOrAbove must be greater than Scoring:LowPerformanceFlagAtOrBelow", ScoringPolicy.Default with { LowPerformanceClearAtOrAbove = 3.0 } },
        { "Scoring:DemotionGraceEvaluations must be >= 1", ScoringPolicy.Default with { DemotionGraceEvaluations = 0 } },
        { "Scoring:Level2:MinRating must be in [1,5]", ScoringPolicy.Default with { Level2 = ScoringPolicy.Default.Level2 with { MinRating = 6 } } },
        { "Scoring:AreaInputs:SlowResponseHours", ScoringPolicy.Default with { AreaInputs = new AreaInputWeights { SlowResponseHours = 0.5 } } },
        { "Scoring:Cancellations:InitiatorWeights:Seller must be greater than", ScoringPolicy.Default with
            {
                Cancellations = new CancellationRules
                {
                    InitiatorWeights = Enum.GetValues<CancellationInitiator>().ToDictionary(i => i, _ => 0.5),
                },
            } },
        { "Scoring:Cancellations:InitiatorWeights:Mutual is missing", ScoringPolicy.Default with
            {
                Cancellations = new CancellationRules
                {
                    InitiatorWeights = new Dictionary<CancellationInitiator, double> { [CancellationInitiator.Seller] = 1 },
                },
            } },
    };

    [Theory]
    [MemberData(nameof(BadPolicies))]
    public void A_bad_setting_is_reported_by_its_configuration_key(string expected, ScoringPolicy policy)
    {
        var problems = policy.Validate();
        Assert.Contains(problems, p => p.StartsWith(expected, StringComparison.Ordinal));
        var ex = Assert.Throws<ArgumentException>(() => policy.EnsureValid());
        Assert.Contains(expected, ex.Message);
    }
}

/// <summary>Binding the policy from configuration section "Scoring" (flat key/value pairs).</summary>
public sealed class PolicyBinderTests
{
    private static (ScoringPolicy Policy, IReadOnlyList<string> Problems) Bind(params (string Key, string Value)[] settings) =>
        ScoringPolicyBinder.Bind(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));

    [Fact]
    public void No_settings_give_the_defaults()
    {
        var (policy, problems) = Bind(("Platform:AppId", "scoring"));
        Assert.Empty(problems);
        Assert.Equal(ScoringPolicy.Default.HalfLifeDays, policy.HalfLifeDays);
        Assert.Equal(ScoringPolicy.Default.PriceBandEdgesUsd, policy.PriceBandEdgesUsd);
    }

    [Fact]
    public void Scalars_nested_settings_and_lists_are_bound_and_a_list_replaces_the_default()
    {
        var (policy, problems) = Bind(
            ("Scoring:HalfLifeDays", "90"),
            ("scoring:areaweights:satisfaction", "0.4"),
            ("Scoring:AreaWeights:ValueForMoney", "0"),
            ("Scoring:AreaInputs:SlowResponseHours", "48"),
            ("Scoring:Level2:MinEarningsUsd", "6000"),
            ("Scoring:PriceBandEdgesUsd:0", "20"),
            ("Scoring:PriceBandEdgesUsd:1", "200"),
            ("Scoring:ValueWeightBands:0:FromUsd", "0"),
            ("Scoring:ValueWeightBands:0:Weight", "1"),
            ("Scoring:ValueWeightBands:1:FromUsd", "500"),
            ("Scoring:ValueWeightBands:1:Weight", "1.4"),
            ("Scoring:Cancellations:NotCounting:0", "Duplicate"),
            ("Scoring:Cancellations:InitiatorWeights:Buyer", "0.6"),
            ("Scoring:LandmarkEpoch", "2021-01-01T00:00:00Z"));
        Assert.Empty(problems);
        Assert.Equal(90, policy.HalfLifeDays);
        Assert.Equal(0.4, policy.AreaWeights.Satisfaction);
        Assert.Equal(48, policy.AreaInputs.SlowResponseHours);
        Assert.Equal(6000m, policy.Level2.MinEarningsUsd);
        Assert.Equal([20m, 200m], policy.PriceBandEdgesUsd);
        Assert.Equal([new ValueWeightBand(0m, 1), new ValueWeightBand(500m, 1.4)], policy.ValueWeightBands);
        Assert.Equal([CancellationReason.Duplicate], policy.Cancellations.NotCounting);
        Assert.Equal(0.6, policy.Cancellations.InitiatorWeights[CancellationInitiator.Buyer]);
        Assert.Equal(1.0, policy.Cancellations.InitiatorWeights[CancellationInitiator.Seller]);
        Assert.Equal(new DateTimeOffset(2021, 1, 1, 0, 0, 0, TimeSpan.Zero), policy.LandmarkEpoch);
    }

    [Fact]
    public void Unknown_keys_unreadable_values_and_invalid_values_are_reported_by_key()
    {
        var (_, problems) = Bind(
            ("Scoring:HalfLifeDay", "180"),
            ("Scoring:MinScoredOrders", "three"),
            ("Scoring:Cancellations:NotCounting:0", "Boredom"),
            ("Scoring:LowPerformanceClearAtOrAbove", "2"));
        Assert.Contains("Scoring:HalfLifeDay is not a known setting", problems);
        Assert.Contains("Scoring:MinScoredOrders has an unreadable value 'three'", problems);
        Assert.Contains("Scoring:Cancellations:NotCounting has an unknown reason 'Boredom'", problems);
        Assert.Contains(problems, p => p.StartsWith("Scoring:LowPerformanceClearAtOrAbove must be greater than", StringComparison.Ordinal));
    }
}
