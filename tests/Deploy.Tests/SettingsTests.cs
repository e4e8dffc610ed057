using Marketplace.Hosting;
using Marketplace.Messaging;
using Marketplace.Orders;
using Marketplace.Platform;
using Marketplace.Reviews;
using Marketplace.Scoring;
using Marketplace.Scoring.Engine;
using Marketplace.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;
using Xunit.Abstractions;

namespace Marketplace.Deploy.Tests;

/// <summary>
/// The settings the chart puts in each service's ConfigMap are read by the service itself: bound
/// and validated by the service's own options (every key known, every value valid), so the chart
/// and the services cannot drift apart; every SPEC policy number is written out with its default,
/// and a value set in values reaches the service.
/// </summary>
public sealed class SettingsTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, Action<WebApplicationBuilder>> Parts = new(StringComparer.Ordinal)
    {
        ["orders"] = b => b.AddOrders(),
        ["reviews"] = b => b.AddReviews(),
        ["messaging"] = b => b.AddMessaging(),
        ["scoring"] = b => b.AddScoring(),
    };

    /// <summary>The settings ConfigMap of a service as configuration pairs (Scoring:HalfLifeDays = 180).</summary>
    public static Dictionary<string, string?> Settings(Render render, string app) =>
        render.Single("ConfigMap", $"{Render.Release}-marketplace-{app}-settings")["data"]!.AsObject()
            .ToDictionary(p => p.Key.Replace("__", ":", StringComparison.Ordinal), p => (string?)p.Value);

    /// <summary>The service put together as its Program.cs does with these settings (plus what a pod gets from elsewhere), validated as at start.</summary>
    private static Task ValidatedAsync(string app, IReadOnlyDictionary<string, string?> settings) => ValidatedAsync<object>(app, settings);

    /// <summary>As above, and the service's bound options of type <typeparamref name="T"/>.</summary>
    internal static async Task<T?> ValidatedAsync<T>(string app, IReadOnlyDictionary<string, string?> settings)
        where T : class
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Platform:Redis"] = "redis:6379",                 // from the chart's Redis settings
            ["Identity:SigningKey"] = TestIdentity.SigningKey, // from the chart's Secret
        });
        builder.AddServiceDefaults(app);
        Parts[app](builder);
        var built = builder.Build();
        var problems = new List<string>();
        try
        {
            built.ValidateSettings();
        }
        catch (Exception e) when (ServiceRunner.ConfigurationProblems(e).Count > 0)
        {
            problems.AddRange(ServiceRunner.ConfigurationProblems(e));
        }

        Assert.True(problems.Count == 0, $"{app} refuses the chart's settings:\n" + string.Join("\n", problems));
        var options = typeof(T) == typeof(object) ? null : built.Services.GetRequiredService<IOptions<T>>().Value;
        await built.DisposeAsync();
        return options;
    }

    [Theory]
    [InlineData("orders")]
    [InlineData("reviews")]
    [InlineData("messaging")]
    [InlineData("scoring")]
    public async Task Every_setting_the_chart_renders_is_one_the_service_reads_and_accepts(string app)
    {
        var render = await Render.TemplateAsync();
        var settings = Settings(render, app);
        var deployment = render.Deployment(app);
        foreach (var env in deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray())
        {
            if (env!["value"] is { } value && ((string)env["name"]!).Contains("__", StringComparison.Ordinal))
            {
                settings[((string)env["name"]!).Replace("__", ":", StringComparison.Ordinal)] = (string?)value;
            }
        }

        await ValidatedAsync(app, settings);
        output.WriteLine($"{app}: {settings.Count} settings accepted");
    }

    [Fact]
    public async Task The_scoring_settings_bind_to_exactly_the_SPEC_defaults()
    {
        var render = await Render.TemplateAsync();
        var settings = Settings(render, "scoring");
        var policy = (await ValidatedAsync<ScoringOptions>("scoring", settings))!.Policy;
        Assert.Equal(ScoringPolicy.Default.Cancellations.NotCounting.Order(), policy.Cancellations.NotCounting.Order());
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(ScoringPolicy.Default),
            System.Text.Json.JsonSerializer.Serialize(policy with { Cancellations = policy.Cancellations with { NotCounting = ScoringPolicy.Default.Cancellations.NotCounting } }));

        // Every number of the policy is written out, not left to the service's defaults.
        Assert.Equal("180", settings["Scoring:HalfLifeDays"]);
        Assert.Equal("0.25", settings["Scoring:AreaWeights:Satisfaction"]);
        Assert.Equal("1.25", settings["Scoring:ValueWeightBands:1:Weight"]);
        Assert.Equal("10000", settings["Scoring:TopRated:MinEarningsUsd"]);
        Assert.Equal("3", settings["Scoring:LowPerformanceFlagAtOrBelow"]);
        Assert.Equal("1440", settings["Scoring:EvaluationIntervalMinutes"]);
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
            "--set-json", "services.scoring.settings.Scoring.Currencies.EUR={\"UsdPerUnit\":1.08,\"MinorDigits\":2}");
        var scoring = (await ValidatedAsync<ScoringOptions>("scoring", Settings(render, "scoring")))!;
        Assert.Equal(90, scoring.Policy.HalfLifeDays);
        Assert.Equal(4.5, scoring.Policy.Level1.MinRating);
        Assert.Equal([20m, 40m, 80m], scoring.Policy.PriceBandEdgesUsd);
        Assert.Equal(1.08m, scoring.Currencies["EUR"].UsdPerUnit);
        var orders = (await ValidatedAsync<OrdersOptions>("orders", Settings(render, "orders")))!;
        Assert.Equal(TimeSpan.FromDays(5), orders.AutoCompleteAfter);
        Assert.Equal("30", Settings(render, "reviews")["Reviews:CategoryReviewWindowDays:logo-design"]);

        // A changed setting rolls the pods (the ConfigMap's hash is on the pod template).
        var before = (string?)(await Render.TemplateAsync()).Deployment("scoring")["spec"]!["template"]!["metadata"]!["annotations"]!["checksum/settings"];
        var after = (string?)render.Deployment("scoring")["spec"]!["template"]!["metadata"]!["annotations"]!["checksum/settings"];
        Assert.NotEqual(before, after);
    }

    [Fact]
    public async Task A_misspelt_setting_is_refused_by_the_service_it_reaches()
    {
        var render = await Render.TemplateAsync();
        var settings = Settings(render, "orders");
        settings["Orders:AutoCompletAfter"] = "5.00:00:00";
        var error = await Assert.ThrowsAsync<Xunit.Sdk.TrueException>(() => ValidatedAsync("orders", settings));
        Assert.Contains("Orders:AutoCompletAfter is not a known setting", error.Message, StringComparison.Ordinal);
    }
}
