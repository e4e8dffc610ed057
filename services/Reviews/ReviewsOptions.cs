using System.ComponentModel.DataAnnotations;
using Marketplace.Reviews.Domain;

namespace Marketplace.Reviews;

/// <summary>
/// The Reviews service's settings (section <c>Reviews</c>): the review windows of SPEC 4
/// (operator-tunable <see cref="ReviewPolicy"/>, in days and hours) and how often the publication
/// and window-end loops look for reviews and windows whose time ended. Bound and validated at
/// start-up; a bad value stops the service naming the key.
/// </summary>
/// <remarks>
/// Keys: <c>Reviews:BuyerReviewWindowDays</c> (14), <c>Reviews:CategoryReviewWindowDays:&lt;category&gt;</c>
/// (none; a category's own window), <c>Reviews:CancelledOrderReviewWindowDays</c> (5),
/// <c>Reviews:PastDueThresholdHours</c> (24), <c>Reviews:SweepIntervalMs</c> (10000).
/// </remarks>
public sealed class ReviewsOptions : IValidatableObject
{
    public const string Section = "Reviews";

    /// <summary>The longest past-due threshold accepted (a year).</summary>
    public const double MaxPastDueThresholdHours = 365 * 24;

    /// <summary>Days after completion the buyer may review, where the category has no window of its own.</summary>
    public double BuyerReviewWindowDays { get; set; } = ReviewPolicy.Default.BuyerReviewWindow.TotalDays;

    /// <summary>Categories with their own buyer review window, in days (e.g. <c>video-editing: 30</c>).</summary>
    public Dictionary<string, double> CategoryReviewWindowDays { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Days after a cancellation the buyer may review an eligible cancelled order.</summary>
    public double CancelledOrderReviewWindowDays { get; set; } = ReviewPolicy.Default.CancelledOrderReviewWindow.TotalDays;

    /// <summary>How far past its due time (hours) a cancelled order must have been to be reviewable.</summary>
    public double PastDueThresholdHours { get; set; } = ReviewPolicy.Default.PastDueThreshold.TotalHours;

    /// <summary>Pause between two passes of the publication loop, and of the window-end loop.</summary>
    [Range(1, 3_600_000, ErrorMessage = "must be a whole number of milliseconds from {1} to {2}")]
    public int SweepIntervalMs { get; set; } = 10_000;

    public TimeSpan SweepInterval => TimeSpan.FromMilliseconds(SweepIntervalMs);

    /// <summary>The windows as the domain takes them (valid once the options passed validation).</summary>
    public ReviewPolicy Policy => new(
        TimeSpan.FromDays(BuyerReviewWindowDays),
        CategoryReviewWindowDays.ToDictionary(c => c.Key, c => TimeSpan.FromDays(c.Value), StringComparer.Ordinal),
        TimeSpan.FromDays(CancelledOrderReviewWindowDays),
        TimeSpan.FromHours(PastDueThresholdHours));

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var windows = new List<(string Key, double Days)>
        {
            (nameof(BuyerReviewWindowDays), BuyerReviewWindowDays),
            (nameof(CancelledOrderReviewWindowDays), CancelledOrderReviewWindowDays),
        };
        windows.AddRange(CategoryReviewWindowDays.Select(c => ($"{nameof(CategoryReviewWindowDays)}:{c.Key}", c.Value)));
        foreach (var (key, days) in windows)
        {
            // Checked as numbers (NaN, infinities and huge values make no TimeSpan), by the domain's rule.
            if (!double.IsFinite(days) || days <= 0 || days > ReviewPolicy.MaxReviewWindow.TotalDays)
            {
                yield return new ValidationResult(ReviewPolicy.WindowRule, [key]);
            }
        }

        if (CategoryReviewWindowDays.Keys.Any(string.IsNullOrWhiteSpace))
        {
            yield return new ValidationResult("has an empty category name", [nameof(CategoryReviewWindowDays)]);
        }

        if (!double.IsFinite(PastDueThresholdHours) || PastDueThresholdHours < 0 || PastDueThresholdHours > MaxPastDueThresholdHours)
        {
            yield return new ValidationResult($"must be a number of hours from 0 to {MaxPastDueThresholdHours}", [nameof(PastDueThresholdHours)]);
        }
    }
}
