using System.Globalization;
using Marketplace.Hosting;
using Marketplace.Reviews.Domain;
using Microsoft.Extensions.Configuration;

namespace Marketplace.Reviews;

/// <summary>
/// The <see cref="ReviewPolicy"/> and the publication sweep interval, read from the <c>Reviews</c>
/// section (SPEC 4 windows are policy), so operators change them without a code change; a bad
/// value stops start-up with the key's name.
/// </summary>
/// <remarks>
/// Keys: <c>Reviews:BuyerReviewWindowDays</c> (14), <c>Reviews:CategoryReviewWindowDays:&lt;category&gt;</c>,
/// <c>Reviews:CancelledOrderReviewWindowDays</c> (5), <c>Reviews:PastDueThresholdHours</c> (24),
/// <c>Reviews:SweepIntervalMs</c> (10000: how often reviews whose window ended are published).
/// </remarks>
public sealed record ReviewsOptions(ReviewPolicy Policy, TimeSpan SweepInterval)
{
    public const string Section = "Reviews";

    public static ReviewsOptions Read(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var problems = new List<string>();
        var defaults = ReviewPolicy.Default;
        var categories = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        foreach (var child in section.GetSection("CategoryReviewWindowDays").GetChildren())
        {
            categories[child.Key] = Days(problems, $"{Section}:CategoryReviewWindowDays:{child.Key}", child.Value, TimeSpan.Zero);
        }

        var policy = new ReviewPolicy(
            Days(problems, $"{Section}:BuyerReviewWindowDays", section["BuyerReviewWindowDays"], defaults.BuyerReviewWindow),
            categories,
            Days(problems, $"{Section}:CancelledOrderReviewWindowDays", section["CancelledOrderReviewWindowDays"], defaults.CancelledOrderReviewWindow),
            Hours(problems, $"{Section}:PastDueThresholdHours", section["PastDueThresholdHours"], defaults.PastDueThreshold));
        var sweep = Parse(problems, $"{Section}:SweepIntervalMs", section["SweepIntervalMs"], TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds);
        if (sweep <= TimeSpan.Zero)
        {
            problems.Add($"{Section}:SweepIntervalMs must be > 0 (was {sweep.TotalMilliseconds})");
        }

        problems.AddRange(policy.Validate().Select(problem => $"{Section}: {problem}"));
        return problems.Count == 0 ? new ReviewsOptions(policy, sweep) : throw new InvalidConfigurationException(problems);
    }

    private static TimeSpan Days(List<string> problems, string key, string? value, TimeSpan fallback) =>
        Parse(problems, key, value, fallback, TimeSpan.FromDays);

    private static TimeSpan Hours(List<string> problems, string key, string? value, TimeSpan fallback) =>
        Parse(problems, key, value, fallback, TimeSpan.FromHours);

    private static TimeSpan Parse(List<string> problems, string key, string? value, TimeSpan fallback, Func<double, TimeSpan> unit)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
        {
            return unit(number);
        }

        problems.Add($"{key} must be a number (was '{value}')");
        return fallback;
    }
}
