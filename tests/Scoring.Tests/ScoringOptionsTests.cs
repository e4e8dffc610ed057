using System.Reflection;
using Marketplace.Hosting;
using Marketplace.Platform;
using Marketplace.Scoring.Engine;
using Marketplace.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace Marketplace.Scoring.Tests;

/// <summary>
/// The <c>Scoring</c> section (SPEC preamble: every policy number is configurable and validated at
/// start-up, naming the setting), bound as the service binds it: <c>AddServiceDefaults</c> and
/// <c>AddScoring</c> on a web application builder, then the host's start-up validation.
/// </summary>
public sealed class ScoringOptionsTests
{
    [Fact]
    public void No_settings_give_the_engine_s_defaults_and_USD()
    {
        var options = Bind();
        var policy = options.Policy;
        var defaults = ScoringPolicy.Default;
        Assert.Empty(policy.Validate());
        Assert.Equal(defaults.HalfLifeDays, policy.HalfLifeDays);
        Assert.Equal(defaults.PriceBandEdgesUsd, policy.PriceBandEdgesUsd);
        Assert.Equal(defaults.ValueWeightBands, policy.ValueWeightBands);
        Assert.Equal(defaults.Cancellations.NotCounting.Order(), policy.Cancellations.NotCounting.Order());
        Assert.Equal(defaults.Cancellations.InitiatorWeights.OrderBy(w => w.Key), policy.Cancellations.InitiatorWeights.OrderBy(w => w.Key));
        Assert.Equal((defaults.Level1, defaults.Level2, defaults.TopRated), (policy.Level1, policy.Level2, policy.TopRated));
        Assert.Equal((defaults.AreaWeights, defaults.AreaInputs), (policy.AreaWeights, policy.AreaInputs));
        Assert.Equal(TimeSpan.FromDays(1), options.EvaluationInterval);
        Assert.Equal(25.5m, options.ToUsd("USD", 2550));
        Assert.Null(options.ToUsd("EUR", 100));
    }

    [Fact]
    public void Every_policy_number_has_its_setting()
    {
        // A number added to the engine's policy must be configurable too (SPEC preamble).
        var settings = typeof(ScoringOptions).GetProperties().Where(p => p.SetMethod is not null).Select(p => p.Name).ToHashSet();
        var policyNumbers = typeof(ScoringPolicy).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is not null && p.Name != "EqualityContract")
            .Select(p => p.Name)
            .ToHashSet();
        Assert.Subset(settings, policyNumbers); // (superset, subset)
    }

    [Fact]
    public void Scalars_groups_and_lists_are_bound_and_a_list_replaces_the_default()
    {
        var options = Bind(
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
            ("Scoring:LandmarkEpoch", "2021-01-01T00:00:00Z"),
            ("Scoring:EvaluationIntervalMinutes", "60"),
            ("Scoring:Currencies:JPY:UsdPerUnit", "0.0067"),
            ("Scoring:Currencies:JPY:MinorDigits", "0"));
        var policy = options.Policy;
        Assert.Equal(90, policy.HalfLifeDays);
        Assert.Equal(0.4, policy.AreaWeights.Satisfaction);
        Assert.Equal(ScoringPolicy.Default.AreaWeights.Communication, policy.AreaWeights.Communication);
        Assert.Equal(48, policy.AreaInputs.SlowResponseHours);
        Assert.Equal(6000m, policy.Level2.MinEarningsUsd);
        Assert.Equal(ScoringPolicy.Default.Level2.MinRating, policy.Level2.MinRating);
        Assert.Equal([20m, 200m], policy.PriceBandEdgesUsd);
        Assert.Equal([new ValueWeightBand(0m, 1), new ValueWeightBand(500m, 1.4)], policy.ValueWeightBands);
        Assert.Equal([CancellationReason.Duplicate], policy.Cancellations.NotCounting);
        Assert.Equal(0.6, policy.Cancellations.InitiatorWeights[CancellationInitiator.Buyer]);
        Assert.Equal(1.0, policy.Cancellations.InitiatorWeights[CancellationInitiator.Seller]);
        Assert.Equal(new DateTimeOffset(2021, 1, 1, 0, 0, 0, TimeSpan.Zero), policy.LandmarkEpoch);
        Assert.Equal(TimeSpan.FromHours(1), options.EvaluationInterval);
        Assert.Equal(67m, options.ToUsd("JPY", 10_000));
        Assert.Equal(25.5m, options.ToUsd("USD", 2550));

        // Binding changed copies: the engine's defaults are untouched.
        Assert.Equal(0.25, ScoringPolicy.Default.AreaWeights.Satisfaction);
        Assert.Equal(5_000m, ScoringPolicy.Default.Level2.MinEarningsUsd);
        Assert.Equal(0.75, ScoringPolicy.Default.Cancellations.InitiatorWeights[CancellationInitiator.Buyer]);
    }

    [Theory]
    [InlineData("Scoring:EvaluationIntervalMinutes", "0", "Scoring:EvaluationIntervalMinutes must be a whole number from 1 to 10080 (got '0')")]
    [InlineData("Scoring:SellerEvaluationPollMs", "5", "Scoring:SellerEvaluationPollMs must be a whole number from 10 to 60000 (got '5')")]
    [InlineData("Scoring:HistoryRetentionDays", "0", "Scoring:HistoryRetentionDays must be a whole number from 1 to 3650 (got '0')")]
    [InlineData("Scoring:HistoryRetentionDays", "3651", "Scoring:HistoryRetentionDays must be a whole number from 1 to 3650 (got '3651')")]
    [InlineData("Scoring:Currencies:eur:UsdPerUnit", "1.1", "Scoring:Currencies:eur must be an ISO 4217 code of three upper-case letters")]
    [InlineData("Scoring:Currencies:EUR:UsdPerUnit", "-1", "Scoring:Currencies:EUR:UsdPerUnit must be a number > 0 and at most 1000000 (got '-1')")]
    [InlineData("Scoring:Currencies:XAU:UsdPerUnit", "2000000", "Scoring:Currencies:XAU:UsdPerUnit must be a number > 0 and at most 1000000 (got '2000000')")]
    [InlineData("Scoring:ResponseRateWithoutConversations", "1.5", "Scoring:ResponseRateWithoutConversations must be in [0,1] (got '1.5')")]
    [InlineData("Scoring:ResponseRatePeriodDays", "90", "Scoring:ResponseRatePeriodDays is not a known setting")] // Messaging's setting now
    [InlineData("Scoring:ResponseWindowHours", "24", "Scoring:ResponseWindowHours is not a known setting")]
    [InlineData("Scoring:Currencies:EUR:MinorDigits", "2", "Scoring:Currencies:EUR:UsdPerUnit is required")]
    [InlineData("Scoring:Currencies:EUR:UsdPerUnit", "1,08", "Scoring:Currencies:EUR:UsdPerUnit has an unreadable value '1,08'")]
    [InlineData("Scoring:HalfLifeDays", "0", "Scoring:HalfLifeDays must be > 0 (got '0')")]
    [InlineData("Scoring:HalfLifeDays", "three", "'Scoring:HalfLifeDays'")]
    [InlineData("Scoring:Level2:MinRating", "6", "Scoring:Level2:MinRating must be in [1,5] (got '6')")]
    [InlineData("Scoring:LowPerformanceClearAtOrAbove", "2", "Scoring:LowPerformanceClearAtOrAbove must be greater than Scoring:LowPerformanceFlagAtOrBelow")]
    [InlineData("Scoring:NoSuchSetting", "1", "Scoring:NoSuchSetting is not a known setting")]
    [InlineData("Scoring:Policy:HalfLifeDays", "1", "Scoring:Policy is not a known setting")]
    [InlineData("Scoring:Level1:MinRatin", "4", "Scoring:Level1:MinRatin is not a known setting")]
    [InlineData("Scoring:Cancellations:NotCounting:0", "Boredom", "Scoring:Cancellations:NotCounting:0 has an unreadable value 'Boredom' (expected one of ")]
    [InlineData("Scoring:Cancellations:NotCounting:0", "42", "Scoring:Cancellations:NotCounting:0 has an unreadable value '42'")]
    [InlineData("Scoring:Cancellations:InitiatorWeights:Nobody", "0.5", "Scoring:Cancellations:InitiatorWeights:Nobody is not a known setting")]
    [InlineData("Scoring:PriceBandEdgesUsd:0", "ten", "Scoring:PriceBandEdgesUsd:0 has an unreadable value 'ten'")]
    [InlineData("Scoring:PriceBandEdgesUsd:first", "10", "Scoring:PriceBandEdgesUsd:first is not a known setting")]
    [InlineData("Scoring:ValueWeightBands:0:FromUsd", "0", "Scoring:ValueWeightBands:0:Weight is required")]
    public async Task A_bad_setting_stops_the_service_naming_the_key(string key, string value, string message)
    {
        var problems = await StartupProblemsAsync((key, value));
        Assert.True(problems.Any(p => p.Contains(message, StringComparison.Ordinal)), $"no problem contains \"{message}\"; got: {string.Join(" | ", problems)}");
    }

    [Fact]
    public async Task Every_problem_of_the_section_is_reported_at_once()
    {
        var problems = await StartupProblemsAsync(("Scoring:HalfLifeDays", "0"), ("Scoring:MinScoredOrders", "0"), ("Scoring:HalfLifeDay", "180"));
        Assert.Contains(problems, p => p.StartsWith("Scoring:HalfLifeDays must be > 0", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Scoring:MinScoredOrders must be >= 1", StringComparison.Ordinal));
        Assert.Contains("Scoring:HalfLifeDay is not a known setting", problems);
    }

    private static WebApplicationBuilder Builder(params (string Key, string Value)[] settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Platform:Redis"] = "127.0.0.1:1", // never connected: validation ends start-up first
            ["Identity:SigningKey"] = TestIdentity.SigningKey,
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.Configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        builder.AddServiceDefaults(ScoringHarness.AppId);
        builder.AddScoring();
        return builder;
    }

    /// <summary>The options as the service's container builds them (binding and every validator).</summary>
    private static ScoringOptions Bind(params (string Key, string Value)[] settings)
    {
        using var app = Builder(settings).Build();
        return app.Services.GetRequiredService<IOptions<ScoringOptions>>().Value;
    }

    /// <summary>Starts the service as Program.cs does and returns what <c>RunServiceAsync</c> would print before exiting with 2.</summary>
    private static async Task<IReadOnlyList<string>> StartupProblemsAsync(params (string Key, string Value)[] settings)
    {
        await using var app = Builder(settings).Build();
        var e = await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync());
        var problems = ServiceRunner.ConfigurationProblems(e);
        Assert.True(problems.Count > 0, $"start-up failed for another reason: {e}");
        return problems;
    }
}
