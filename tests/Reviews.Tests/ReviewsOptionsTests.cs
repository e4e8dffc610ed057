using Marketplace.Hosting;
using Marketplace.Reviews.Domain;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Xunit;

namespace Marketplace.Reviews.Tests;

/// <summary>
/// The <c>Reviews</c> section as <see cref="ServiceParts.AddReviews"/> binds it: today's keys and
/// defaults, category windows from configuration, and every bad value refused at start naming its
/// key (the problems <see cref="ServiceRunner.RunServiceAsync"/> prints before exiting with code 2).
/// </summary>
public sealed class ReviewsOptionsTests
{
    [Fact]
    public void Without_settings_the_policy_defaults_apply()
    {
        var options = Bind();

        Assert.Equal(ReviewPolicy.Default.BuyerReviewWindow, options.Policy.BuyerReviewWindow);
        Assert.Empty(options.Policy.CategoryReviewWindows);
        Assert.Equal(ReviewPolicy.Default.CancelledOrderReviewWindow, options.Policy.CancelledOrderReviewWindow);
        Assert.Equal(ReviewPolicy.Default.PastDueThreshold, options.Policy.PastDueThreshold);
        Assert.Equal(TimeSpan.FromSeconds(10), options.SweepInterval);
    }

    [Fact]
    public void Windows_and_category_windows_are_read_from_the_section()
    {
        var options = Bind(
            ("Reviews:BuyerReviewWindowDays", "21"),
            ("Reviews:CategoryReviewWindowDays:video-editing", "30"),
            ("Reviews:CategoryReviewWindowDays:translation", "7.5"),
            ("Reviews:CancelledOrderReviewWindowDays", "4"),
            ("Reviews:PastDueThresholdHours", "36"),
            ("Reviews:SweepIntervalMs", "250"));

        Assert.Equal(TimeSpan.FromDays(21), options.Policy.WindowFor("logo-design"));
        Assert.Equal(TimeSpan.FromDays(30), options.Policy.WindowFor("video-editing"));
        Assert.Equal(TimeSpan.FromDays(7.5), options.Policy.WindowFor("translation"));
        Assert.Equal(TimeSpan.FromDays(4), options.Policy.CancelledOrderReviewWindow);
        Assert.Equal(TimeSpan.FromHours(36), options.Policy.PastDueThreshold);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.SweepInterval);
    }

    [Theory]
    [InlineData("Reviews:BuyerReviewWindowDays", "0", "Reviews:BuyerReviewWindowDays must be > 0 and <= 90 days (got '0')")]
    [InlineData("Reviews:BuyerReviewWindowDays", "NaN", "Reviews:BuyerReviewWindowDays must be > 0 and <= 90 days (got 'NaN')")]
    [InlineData("Reviews:CategoryReviewWindowDays:video-editing", "91", "Reviews:CategoryReviewWindowDays:video-editing must be > 0 and <= 90 days (got '91')")]
    [InlineData("Reviews:CancelledOrderReviewWindowDays", "-5", "Reviews:CancelledOrderReviewWindowDays must be > 0 and <= 90 days (got '-5')")]
    [InlineData("Reviews:PastDueThresholdHours", "-1", "Reviews:PastDueThresholdHours must be a number of hours from 0 to 8760 (got '-1')")]
    [InlineData("Reviews:SweepIntervalMs", "0", "Reviews:SweepIntervalMs must be a whole number of milliseconds from 1 to 3600000 (got '0')")]
    [InlineData("Reviews:BuyerReviewWindowDays", "two weeks", "'Reviews:BuyerReviewWindowDays'")]
    [InlineData("Reviews:SweepIntervalMs", "fast", "'Reviews:SweepIntervalMs'")]
    public void A_bad_value_is_refused_at_start_naming_its_key(string key, string value, string expected)
    {
        var problems = Problems((key, value));

        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_bad_value_is_reported_at_once()
    {
        var problems = Problems(("Reviews:BuyerReviewWindowDays", "0"), ("Reviews:PastDueThresholdHours", "-1"));

        Assert.Equal(2, problems.Count);
    }

    private static ReviewsOptions Bind(params (string Key, string Value)[] settings)
    {
        using var app = Build(settings);
        return app.Services.GetRequiredService<IOptions<ReviewsOptions>>().Value;
    }

    /// <summary>What start-up reports: the options are validated when first read, as ValidateOnStart does before the service runs.</summary>
    private static IReadOnlyList<string> Problems(params (string Key, string Value)[] settings)
    {
        using var app = Build(settings);
        var error = Assert.ThrowsAny<Exception>(() => app.Services.GetRequiredService<IOptions<ReviewsOptions>>().Value);
        return ServiceRunner.ConfigurationProblems(error);
    }

    /// <summary>The service's own parts on a bare host (nothing is started or connected).</summary>
    private static WebApplication Build((string Key, string Value)[] settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        builder.AddReviews();
        return builder.Build();
    }
}
