using System.Globalization;
using Marketplace.Hosting;
using Marketplace.Orders.Domain;
using Microsoft.Extensions.Configuration;

namespace Marketplace.Orders;

/// <summary>
/// The Orders service's settings (section <c>Orders</c>): the lifecycle policy timings
/// (SPEC 2, operator-tunable) and how often the timer sweeper looks for due orders. Read and
/// validated once at start-up so a bad value stops the service with the key's name.
/// </summary>
public sealed record OrdersOptions(OrderPolicy Policy, TimeSpan TimerSweepInterval)
{
    public const string Section = "Orders";

    /// <summary>Reads the section; throws <see cref="InvalidConfigurationException"/> naming each bad key.</summary>
    public static OrdersOptions Read(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var problems = new List<string>();
        var autoComplete = ReadTimeSpan(section, "AutoCompleteAfter", OrderPolicy.Default.AutoCompleteAfter, problems);
        var autoAccept = ReadTimeSpan(section, "ExtensionAutoAcceptAfter", OrderPolicy.Default.ExtensionAutoAcceptAfter, problems);
        var sweep = TimeSpan.FromMilliseconds(1000);
        if (section["TimerSweepIntervalMs"] is { Length: > 0 } sweepText)
        {
            if (int.TryParse(sweepText, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms is >= 10 and <= 3_600_000)
            {
                sweep = TimeSpan.FromMilliseconds(ms);
            }
            else
            {
                problems.Add($"{Section}:TimerSweepIntervalMs must be a whole number of milliseconds from 10 to 3600000 (got '{sweepText}').");
            }
        }

        var policy = new OrderPolicy(autoComplete, autoAccept);
        problems.AddRange(policy.Validate().Select(p => $"{Section}:{p}"));
        if (problems.Count > 0)
        {
            throw new InvalidConfigurationException(problems);
        }

        return new OrdersOptions(policy, sweep);
    }

    private static TimeSpan ReadTimeSpan(IConfigurationSection section, string key, TimeSpan fallback, List<string> problems)
    {
        if (section[key] is not { Length: > 0 } text)
        {
            return fallback;
        }

        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        problems.Add($"{Section}:{key} must be a time span such as 3.00:00:00 (got '{text}').");
        return fallback;
    }
}
