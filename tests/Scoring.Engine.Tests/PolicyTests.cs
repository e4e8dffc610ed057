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

    [Fact]
    public void A_problem_carries_the_key_below_the_section_so_the_service_can_name_it()
    {
        var policy = ScoringPolicy.Default with
        {
            Level2 = ScoringPolicy.Default.Level2 with { MinRating = 6, MinSuccessScore = 9.5 },
            ValueWeightBands = [new(0m, 1.0), new(250m, 3.0)],
        };
        var problems = policy.Problems();
        Assert.Contains(new PolicyProblem("Level2:MinRating", "must be in [1,5]"), problems);
        Assert.Contains(new PolicyProblem("ValueWeightBands:1:Weight", "must be in [0.01, 2]"), problems);
        Assert.Contains(problems, p => p.Key == "TopRated:MinSuccessScore" && p.Message.Contains("Scoring:Level2:MinSuccessScore", StringComparison.Ordinal));
        Assert.Equal(problems.Select(p => p.ToString()), policy.Validate());
    }
}
