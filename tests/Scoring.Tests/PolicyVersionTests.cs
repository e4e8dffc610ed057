using Marketplace.Scoring.Engine;
using Marketplace.Scoring.Store;
using Xunit;

namespace Marketplace.Scoring.Tests;

/// <summary>The policy version each evaluation records (issue 13): a function of the policy's numbers only.</summary>
public sealed class PolicyVersionTests
{
    [Fact]
    public void Equal_numbers_give_the_same_version_and_any_changed_number_another()
    {
        var policy = ScoringPolicy.Default;
        var same = policy with
        {
            AreaWeights = policy.AreaWeights with { },
            Cancellations = policy.Cancellations with { NotCounting = policy.Cancellations.NotCounting.Reverse().ToHashSet() },
        };
        Assert.Equal(16, PolicyVersion.Of(policy).Length);
        Assert.Equal(PolicyVersion.Of(policy), PolicyVersion.Of(same));

        var changed = new[]
        {
            policy with { HalfLifeDays = 181 },
            policy with { AreaWeights = policy.AreaWeights with { Satisfaction = 0.3, Communication = 0.1 } },
            policy with { MinScoredOrders = 4 },
            policy with { Level1 = policy.Level1 with { MinRating = 4.5 } },
            policy with { Cancellations = policy.Cancellations with { NotCounting = policy.Cancellations.NotCounting.Skip(1).ToHashSet() } },
        };
        Assert.Equal(changed.Length + 1, changed.Select(PolicyVersion.Of).Append(PolicyVersion.Of(policy)).Distinct().Count());
    }

    [Fact]
    public void The_scoring_numbers_survive_their_json()
    {
        var numbers = ScoringNumbers.Of(ScoringPolicy.Default with { ShrinkagePseudoOrders = 7, AreaWeights = new AreaWeights(0.3, 0.1, 0.15, 0.15, 0.15, 0.15) });
        Assert.Equal(numbers, ScoringNumbers.FromJson(numbers.ToJson()));
        Assert.Null(ScoringNumbers.FromJson("not json"));
        Assert.Null(ScoringNumbers.FromJson(""));
    }
}
