using System.Globalization;
using Marketplace.Hosting;
using Marketplace.Scoring.Engine;
using Microsoft.Extensions.Configuration;

namespace Marketplace.Scoring;

/// <summary>How Scoring turns an order amount into USD: the value of one major unit and its minor digits.</summary>
public sealed record CurrencyRate(decimal UsdPerUnit, int MinorDigits);

/// <summary>
/// The Scoring service's settings: the scoring policy (section <c>Scoring</c>, every number of
/// SPEC 5, bound and validated by <see cref="ScoringPolicyBinder"/>) and the service's own
/// section <c>ScoringService</c>. A bad value stops start-up with the key's name.
/// </summary>
/// <remarks>
/// <c>ScoringService</c> keys: <c>EvaluationIntervalMinutes</c> (1440: the daily evaluation of every
/// peer group and seller), <c>SellerEvaluationPollMs</c> (200: how often sellers whose own events
/// changed are re-evaluated), <c>ResponseRatePeriodDays</c> (90) and <c>ResponseWindowHours</c> (24) of the
/// level's response rate (SPEC 3; the same as Messaging's), <c>Currencies:&lt;ISO code&gt;:UsdPerUnit</c> and
/// <c>Currencies:&lt;ISO code&gt;:MinorDigits</c> (USD = 1 / 2 built in).
/// </remarks>
public sealed record ScoringOptions(
    ScoringPolicy Policy,
    TimeSpan EvaluationInterval,
    TimeSpan SellerEvaluationPoll,
    TimeSpan ResponseRatePeriod,
    TimeSpan ResponseWindow,
    IReadOnlyDictionary<string, CurrencyRate> Currencies)
{
    public const string Section = "ScoringService";

    public static ScoringOptions Read(IConfiguration configuration)
    {
        var (policy, problems) = ScoringPolicyBinder.Bind(configuration.AsEnumerable());
        var all = new List<string>(problems);
        var section = configuration.GetSection(Section);

        var interval = Number(all, "EvaluationIntervalMinutes", section, 1440, 1, 7 * 1440);
        var poll = Number(all, "SellerEvaluationPollMs", section, 200, 10, 60_000);
        var period = Number(all, "ResponseRatePeriodDays", section, 90, 1, 3650);
        var window = Number(all, "ResponseWindowHours", section, 24, 1, 720);

        var currencies = new Dictionary<string, CurrencyRate>(StringComparer.Ordinal) { ["USD"] = new(1m, 2) };
        foreach (var child in section.GetSection("Currencies").GetChildren())
        {
            var key = $"{Section}:Currencies:{child.Key}";
            if (child.Key.Length != 3 || !child.Key.All(char.IsAsciiLetterUpper))
            {
                all.Add($"{key}: the currency must be an ISO 4217 code of three upper-case letters");
                continue;
            }

            var known = currencies.GetValueOrDefault(child.Key);
            decimal? rate = known?.UsdPerUnit;
            if (child["UsdPerUnit"] is { Length: > 0 } rateText)
            {
                rate = decimal.TryParse(rateText, NumberStyles.Number, CultureInfo.InvariantCulture, out var r) && r > 0 ? r : null;
                if (rate is null)
                {
                    all.Add($"{key}:UsdPerUnit must be a number > 0 (was '{rateText}')");
                }
            }
            else if (rate is null)
            {
                all.Add($"{key}:UsdPerUnit is required");
            }

            var digits = known?.MinorDigits ?? 2;
            if (child["MinorDigits"] is { Length: > 0 } digitsText)
            {
                if (!int.TryParse(digitsText, NumberStyles.None, CultureInfo.InvariantCulture, out digits) || digits > 4)
                {
                    all.Add($"{key}:MinorDigits must be a whole number from 0 to 4 (was '{digitsText}')");
                }
            }

            if (rate is { } usd)
            {
                currencies[child.Key] = new CurrencyRate(usd, digits);
            }
        }

        return all.Count == 0
            ? new ScoringOptions(policy, TimeSpan.FromMinutes(interval), TimeSpan.FromMilliseconds(poll),
                TimeSpan.FromDays(period), TimeSpan.FromHours(window), currencies)
            : throw new InvalidConfigurationException(all);
    }

    /// <summary>An amount in minor units of <paramref name="currency"/>, in USD; null when the currency has no rate.</summary>
    public decimal? ToUsd(string currency, long amountMinor) =>
        Currencies.TryGetValue(currency, out var rate)
            ? amountMinor * rate.UsdPerUnit / Pow10(rate.MinorDigits)
            : null;

    private static decimal Pow10(int digits)
    {
        decimal result = 1;
        for (int i = 0; i < digits; i++)
        {
            result *= 10;
        }

        return result;
    }

    private static int Number(List<string> problems, string name, IConfigurationSection section, int fallback, int min, int max)
    {
        if (section[name] is not { Length: > 0 } text)
        {
            return fallback;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        problems.Add($"{Section}:{name} must be a whole number from {min} to {max} (was '{text}')");
        return fallback;
    }
}
