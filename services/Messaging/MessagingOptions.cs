using System.ComponentModel.DataAnnotations;
using Marketplace.Messaging.Domain;

namespace Marketplace.Messaging;

/// <summary>
/// The Messaging service's settings (section <c>Messaging</c>): the SPEC 3 windows, which are
/// policy (hours and days may be fractional), how often due waits are looked for, and the buyer's
/// review window used for review requests. Bound and validated at start-up; a bad value stops the
/// service naming the key. The review-request screening terms keep their defaults.
/// </summary>
public sealed class MessagingOptions : IValidatableObject
{
    public const string Section = "Messaging";

    private const double MaxHours = 365 * 24;
    private const double MaxDays = 3650;

    /// <summary>A waiting party is marked unresponsive after this many hours.</summary>
    public double UnresponsiveAfterHours { get; set; } = MessagingPolicy.Default.UnresponsiveAfter.TotalHours;

    /// <summary>A buyer-opened conversation counts as answered when the seller replies within this many hours.</summary>
    public double ResponseWindowHours { get; set; } = MessagingPolicy.Default.ResponseWindow.TotalHours;

    /// <summary>Conversations started within this many days count for the response rate.</summary>
    public double ResponseRatePeriodDays { get; set; } = MessagingPolicy.Default.ResponseRatePeriod.TotalDays;

    /// <summary>No review requests for orders completed longer ago than this many days.</summary>
    public double ReviewRequestMaxOrderAgeDays { get; set; } = MessagingPolicy.Default.ReviewRequestMaxOrderAge.TotalDays;

    /// <summary>
    /// The buyer's review window after completion, as Reviews' <c>Reviews:BuyerReviewWindowDays</c>;
    /// used for review requests until Reviews reports the order's own window.
    /// </summary>
    public double ReviewWindowDays { get; set; } = 14;

    /// <summary>How often the unresponsive loop looks for due waits.</summary>
    [Range(10, 3_600_000, ErrorMessage = "must be a whole number of milliseconds from {1} to {2}")]
    public int SweepIntervalMs { get; set; } = 10_000;

    public MessagingPolicy Policy => MessagingPolicy.Default with
    {
        UnresponsiveAfter = TimeSpan.FromHours(UnresponsiveAfterHours),
        ResponseWindow = TimeSpan.FromHours(ResponseWindowHours),
        ResponseRatePeriod = TimeSpan.FromDays(ResponseRatePeriodDays),
        ReviewRequestMaxOrderAge = TimeSpan.FromDays(ReviewRequestMaxOrderAgeDays),
    };

    public TimeSpan ReviewWindow => TimeSpan.FromDays(ReviewWindowDays);

    public TimeSpan SweepInterval => TimeSpan.FromMilliseconds(SweepIntervalMs);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var problems = new[]
        {
            Window(nameof(UnresponsiveAfterHours), UnresponsiveAfterHours, MaxHours, "hours"),
            Window(nameof(ResponseWindowHours), ResponseWindowHours, MaxHours, "hours"),
            Window(nameof(ResponseRatePeriodDays), ResponseRatePeriodDays, MaxDays, "days"),
            Window(nameof(ReviewRequestMaxOrderAgeDays), ReviewRequestMaxOrderAgeDays, MaxDays, "days"),
            Window(nameof(ReviewWindowDays), ReviewWindowDays, MaxDays, "days"),
        }.OfType<ValidationResult>().ToList();
        if (problems.Count > 0)
        {
            return problems;
        }

        // The windows are sound; what is left are the policy's own rules (the screening terms).
        return Policy.Validate().Select(problem => new ValidationResult(problem));
    }

    private static ValidationResult? Window(string key, double value, double max, string unit) =>
        double.IsFinite(value) && value > 0 && value <= max
            ? null
            : new ValidationResult($"must be a number of {unit} greater than 0 and at most {max}", [key]);
}
