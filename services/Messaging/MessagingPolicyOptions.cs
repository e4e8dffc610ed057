using System.Globalization;
using Marketplace.Hosting;
using Marketplace.Messaging.Domain;
using Microsoft.Extensions.Configuration;

namespace Marketplace.Messaging;

/// <summary>
/// Reads the <see cref="MessagingPolicy"/> and the sweep interval from the <c>Messaging</c>
/// section (SPEC 3 windows are policy); a bad value stops start-up with the key's name.
/// </summary>
/// <remarks>
/// Keys: <c>UnresponsiveAfterHours</c> (24), <c>ResponseWindowHours</c> (24), <c>ResponseRatePeriodDays</c> (90),
/// <c>ReviewRequestMaxOrderAgeDays</c> (90), <c>SweepIntervalMs</c> (10000: how often due waits are checked),
/// <c>ReviewWindowDays</c> (14: the buyer's review window after completion, as Reviews'
/// <c>Reviews:BuyerReviewWindowDays</c>; used for review requests until Reviews reports the order's own window).
/// The screening terms keep their defaults.
/// </remarks>
public sealed record MessagingPolicyOptions(MessagingPolicy Policy, TimeSpan SweepInterval, TimeSpan ReviewWindow)
{
    public const string Section = "Messaging";

    public static MessagingPolicyOptions Read(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var problems = new List<string>();
        var d = MessagingPolicy.Default;
        var policy = d with
        {
            UnresponsiveAfter = Read(problems, section, "UnresponsiveAfterHours", d.UnresponsiveAfter, TimeSpan.FromHours),
            ResponseWindow = Read(problems, section, "ResponseWindowHours", d.ResponseWindow, TimeSpan.FromHours),
            ResponseRatePeriod = Read(problems, section, "ResponseRatePeriodDays", d.ResponseRatePeriod, TimeSpan.FromDays),
            ReviewRequestMaxOrderAge = Read(problems, section, "ReviewRequestMaxOrderAgeDays", d.ReviewRequestMaxOrderAge, TimeSpan.FromDays),
        };
        var sweep = Read(problems, section, "SweepIntervalMs", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds);
        if (sweep <= TimeSpan.Zero)
        {
            problems.Add($"{Section}:SweepIntervalMs must be > 0 (was {sweep.TotalMilliseconds})");
        }

        var reviewWindow = Read(problems, section, "ReviewWindowDays", TimeSpan.FromDays(14), TimeSpan.FromDays);
        if (reviewWindow <= TimeSpan.Zero)
        {
            problems.Add($"{Section}:ReviewWindowDays must be > 0 (was {reviewWindow.TotalDays})");
        }

        problems.AddRange(policy.Validate().Select(problem => $"{Section}: {problem}"));
        return problems.Count == 0 ? new MessagingPolicyOptions(policy, sweep, reviewWindow) : throw new InvalidConfigurationException(problems);
    }

    private static TimeSpan Read(List<string> problems, IConfigurationSection section, string name, TimeSpan fallback, Func<double, TimeSpan> unit)
    {
        var value = section[name];
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
        {
            return unit(number);
        }

        problems.Add($"{Section}:{name} must be a number (was '{value}')");
        return fallback;
    }
}
