using System.Text.Json;
using Marketplace.Scoring.Engine;
using Xunit;
using Xunit.Abstractions;

namespace Marketplace.Deploy.Tests;

/// <summary>
/// The policy settings the chart puts in each service's ConfigMap: every SPEC policy number is
/// there with its default, under the key the service reads, and a value set in values reaches it.
/// </summary>
public sealed class SettingsTests(ITestOutputHelper output)
{
    /// <summary>The settings ConfigMap of a service as configuration pairs (Scoring:HalfLifeDays = 180).</summary>
    public static Dictionary<string, string?> Settings(Render render, string app) =>
        render.Single("ConfigMap", $"{Render.Release}-marketplace-{app}-settings")["data"]!.AsObject()
            .ToDictionary(p => p.Key.Replace("__", ":", StringComparison.Ordinal), p => (string?)p.Value);

    [Fact]
    public async Task The_scoring_settings_bind_to_exactly_the_SPEC_defaults()
    {
        var render = await Render.TemplateAsync();
        var settings = Settings(render, "scoring");
        var (policy, problems) = ScoringPolicyBinder.Bind(settings);
        Assert.Empty(problems);
        Assert.Equal(ScoringPolicy.Default.Cancellations.NotCounting.Order(), policy.Cancellations.NotCounting.Order());
        Assert.Equal(Json(ScoringPolicy.Default), Json(policy with { Cancellations = policy.Cancellations with { NotCounting = ScoringPolicy.Default.Cancellations.NotCounting } }));

        // Every number of the policy is written out, not left to the service's defaults.
        Assert.Equal("180", settings["Scoring:HalfLifeDays"]);
        Assert.Equal("0.25", settings["Scoring:AreaWeights:Satisfaction"]);
        Assert.Equal("1.25", settings["Scoring:ValueWeightBands:1:Weight"]);
        Assert.Equal("10000", settings["Scoring:TopRated:MinEarningsUsd"]);
        Assert.Equal("3", settings["Scoring:LowPerformanceFlagAtOrBelow"]);
        Assert.Equal("1440", settings["ScoringService:EvaluationIntervalMinutes"]);
        output.WriteLine($"{settings.Count} scoring settings");
    }

    [Fact]
    public async Task A_policy_number_set_in_values_reaches_the_service()
    {
        var render = await Render.TemplateAsync(
            "--set", "services.scoring.settings.Scoring.HalfLifeDays=90",
            "--set-json", "services.scoring.settings.Scoring.Level1.MinRating=4.5",
            "--set-json", "services.scoring.settings.Scoring.PriceBandEdgesUsd=[20,40,80]",
            "--set", "services.orders.settings.Orders.AutoCompleteAfter=5.00:00:00",
            "--set", "services.reviews.settings.Reviews.CategoryReviewWindowDays.logo-design=30",
            "--set-json", "services.scoring.settings.ScoringService.Currencies.EUR={\"UsdPerUnit\":1.08,\"MinorDigits\":2}");
        var (policy, problems) = ScoringPolicyBinder.Bind(Settings(render, "scoring"));
        Assert.Empty(problems);
        Assert.Equal(90, policy.HalfLifeDays);
        Assert.Equal(4.5, policy.Level1.MinRating);
        Assert.Equal([20m, 40m, 80m], policy.PriceBandEdgesUsd);
        Assert.Equal("5.00:00:00", Settings(render, "orders")["Orders:AutoCompleteAfter"]);
        Assert.Equal("30", Settings(render, "reviews")["Reviews:CategoryReviewWindowDays:logo-design"]);
        Assert.Equal("1.08", Settings(render, "scoring")["ScoringService:Currencies:EUR:UsdPerUnit"]);

        // A changed setting rolls the pods (the ConfigMap's hash is on the pod template).
        var before = (string?)(await Render.TemplateAsync()).Deployment("scoring")["spec"]!["template"]!["metadata"]!["annotations"]!["checksum/settings"];
        var after = (string?)render.Deployment("scoring")["spec"]!["template"]!["metadata"]!["annotations"]!["checksum/settings"];
        Assert.NotEqual(before, after);
    }

    [Fact]
    public async Task The_other_services_get_the_SPEC_policy_numbers_under_their_keys()
    {
        var render = await Render.TemplateAsync();
        Assert.Equal(new Dictionary<string, string?>
        {
            ["Orders:AutoCompleteAfter"] = "3.00:00:00",
            ["Orders:ExtensionAutoAcceptAfter"] = "2.00:00:00",
            ["Orders:TimerSweepIntervalMs"] = "1000",
        }, Settings(render, "orders"));
        Assert.Equal(new Dictionary<string, string?>
        {
            ["Reviews:BuyerReviewWindowDays"] = "14",
            ["Reviews:CancelledOrderReviewWindowDays"] = "5",
            ["Reviews:PastDueThresholdHours"] = "24",
            ["Reviews:SweepIntervalMs"] = "10000",
        }, Settings(render, "reviews"));
        Assert.Equal(new Dictionary<string, string?>
        {
            ["Messaging:UnresponsiveAfterHours"] = "24",
            ["Messaging:ResponseWindowHours"] = "24",
            ["Messaging:ResponseRatePeriodDays"] = "90",
            ["Messaging:ReviewRequestMaxOrderAgeDays"] = "90",
            ["Messaging:SweepIntervalMs"] = "10000",
            ["Messaging:ReviewWindowDays"] = "14",
        }, Settings(render, "messaging"));
    }

    private static string Json(ScoringPolicy policy) => JsonSerializer.Serialize(policy);
}
