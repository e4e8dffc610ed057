using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Marketplace.Messaging.Domain;

namespace Marketplace.Messaging;

/// <summary>
/// The Messaging service's settings (section <c>Messaging</c>): the SPEC 3 windows, which are
/// policy (hours and days may be fractional), how often the loops look for due work, and the
/// review-request screen's terms per language. Bound and validated at start-up; a bad value stops
/// the service naming the key. An order's review window is not a setting here: Reviews reports it.
/// </summary>
public sealed partial class MessagingOptions : IValidatableObject
{
    public const string Section = "Messaging";

    private const double MaxHours = 365 * 24;
    private const double MaxDays = 3650;
    private const int MaxTermsPerList = 500;

    /// <summary>A waiting party is marked unresponsive after this many hours.</summary>
    public double UnresponsiveAfterHours { get; set; } = MessagingPolicy.Default.UnresponsiveAfter.TotalHours;

    /// <summary>A buyer-opened conversation counts as answered when the seller replies within this many hours.</summary>
    public double ResponseWindowHours { get; set; } = MessagingPolicy.Default.ResponseWindow.TotalHours;

    /// <summary>Conversations started within this many days count for the response rate.</summary>
    public double ResponseRatePeriodDays { get; set; } = MessagingPolicy.Default.ResponseRatePeriod.TotalDays;

    /// <summary>No review requests for orders completed longer ago than this many days.</summary>
    public double ReviewRequestMaxOrderAgeDays { get; set; } = MessagingPolicy.Default.ReviewRequestMaxOrderAge.TotalDays;

    /// <summary>How often the loops (unresponsive marks, response statistics) look for due work.</summary>
    [Range(10, 3_600_000, ErrorMessage = "must be a whole number of milliseconds from {1} to {2}")]
    public int SweepIntervalMs { get; set; } = 10_000;

    /// <summary>
    /// The review-request screen's terms by language code (<c>Messaging:ReviewRequestScreen:nl:Offers:0</c>, ...).
    /// A list given here replaces that language's default list; lists not given keep their defaults
    /// (<see cref="ScreenTerms.Defaults"/>: en, nl, fr, ar); a new language code adds a language.
    /// </summary>
    public Dictionary<string, ScreenTermsOptions> ReviewRequestScreen { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public MessagingPolicy Policy => MessagingPolicy.Default with
    {
        UnresponsiveAfter = TimeSpan.FromHours(UnresponsiveAfterHours),
        ResponseWindow = TimeSpan.FromHours(ResponseWindowHours),
        ResponseRatePeriod = TimeSpan.FromDays(ResponseRatePeriodDays),
        ReviewRequestMaxOrderAge = TimeSpan.FromDays(ReviewRequestMaxOrderAgeDays),
    };

    public TimeSpan SweepInterval => TimeSpan.FromMilliseconds(SweepIntervalMs);

    /// <summary>Every language's terms: the defaults with the configured lists in their place.</summary>
    public IReadOnlyDictionary<string, ScreenTerms> ScreenLanguages()
    {
        var languages = new Dictionary<string, ScreenTerms>(ScreenTerms.Defaults, StringComparer.OrdinalIgnoreCase);
        foreach (var (code, configured) in ReviewRequestScreen)
        {
            var defaults = languages.GetValueOrDefault(code) ?? new ScreenTerms([], [], []);
            languages[code] = new ScreenTerms(
                configured.Offers ?? defaults.Offers,
                configured.RatingRequests ?? defaults.RatingRequests,
                configured.HarmlessPhrases ?? defaults.HarmlessPhrases);
        }

        return languages;
    }

    /// <summary>The screen built from <see cref="ScreenLanguages"/> (once per service: a singleton).</summary>
    public ReviewRequestScreen BuildScreen() => new(ScreenLanguages());

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var problems = new[]
        {
            Window(nameof(UnresponsiveAfterHours), UnresponsiveAfterHours, MaxHours, "hours"),
            Window(nameof(ResponseWindowHours), ResponseWindowHours, MaxHours, "hours"),
            Window(nameof(ResponseRatePeriodDays), ResponseRatePeriodDays, MaxDays, "days"),
            Window(nameof(ReviewRequestMaxOrderAgeDays), ReviewRequestMaxOrderAgeDays, MaxDays, "days"),
        }.OfType<ValidationResult>().ToList();
        problems.AddRange(ScreenProblems());
        if (problems.Count > 0)
        {
            return problems;
        }

        // The windows are sound; what is left are the policy's own rules.
        return Policy.Validate().Select(problem => new ValidationResult(problem));
    }

    private IEnumerable<ValidationResult> ScreenProblems()
    {
        foreach (var (code, terms) in ReviewRequestScreen.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            var key = $"{nameof(ReviewRequestScreen)}:{code}";
            if (!LanguageCode().IsMatch(code))
            {
                yield return new ValidationResult("must be a language code (e.g. 'nl', 'pt-BR')", [key]);
                continue;
            }

            foreach (var (name, list) in new[] { ("Offers", terms.Offers), ("RatingRequests", terms.RatingRequests), ("HarmlessPhrases", terms.HarmlessPhrases) })
            {
                if (list is null)
                {
                    continue;
                }

                if (list.Count > MaxTermsPerList)
                {
                    yield return new ValidationResult($"must list at most {MaxTermsPerList} terms (has {list.Count})", [$"{key}:{name}"]);
                }

                for (var i = 0; i < list.Count; i++)
                {
                    if (Domain.ReviewRequestScreen.ProblemWith(list[i]) is { } problem)
                    {
                        yield return new ValidationResult(problem, [$"{key}:{name}:{i}"]);
                    }
                }
            }
        }
    }

    private static ValidationResult? Window(string key, double value, double max, string unit) =>
        double.IsFinite(value) && value > 0 && value <= max
            ? null
            : new ValidationResult($"must be a number of {unit} greater than 0 and at most {max}", [key]);

    [GeneratedRegex("^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?$")]
    private static partial Regex LanguageCode();
}

/// <summary>One language's review-request screen terms as configured; a list left out keeps its default.</summary>
public sealed class ScreenTermsOptions
{
    /// <summary>Words or phrases that offer something in exchange for a review.</summary>
    public List<string>? Offers { get; set; }

    /// <summary>Phrases that ask for a particular rating.</summary>
    public List<string>? RatingRequests { get; set; }

    /// <summary>Phrases that contain a term but offer nothing ("feel free"); taken out of the text before screening.</summary>
    public List<string>? HarmlessPhrases { get; set; }
}
