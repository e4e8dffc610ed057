namespace Marketplace.Reviews.Domain;

/// <summary>
/// Operator-tunable review windows (SPEC 4), validated at start-up so a bad value fails fast
/// with the setting's name.
/// </summary>
/// <param name="BuyerReviewWindow">Days after completion the buyer may review (default 14).</param>
/// <param name="CategoryReviewWindows">Categories with their own window (e.g. 30 days); at most <see cref="MaxReviewWindow"/>.</param>
/// <param name="CancelledOrderReviewWindow">Days after a cancellation the buyer may review an eligible order (default 5).</param>
/// <param name="PastDueThreshold">How far past due a cancelled order must have been to be reviewable (default 24 h).</param>
public sealed record ReviewPolicy(
    TimeSpan BuyerReviewWindow,
    IReadOnlyDictionary<string, TimeSpan> CategoryReviewWindows,
    TimeSpan CancelledOrderReviewWindow,
    TimeSpan PastDueThreshold)
{
    /// <summary>The longest window any marketplace allows (SPEC 4: up to 90 days).</summary>
    public static readonly TimeSpan MaxReviewWindow = TimeSpan.FromDays(90);

    public static ReviewPolicy Default { get; } = new(
        TimeSpan.FromDays(14),
        new Dictionary<string, TimeSpan>(),
        TimeSpan.FromDays(5),
        TimeSpan.FromHours(24));

    /// <summary>The buyer's review window after completion for a category.</summary>
    public TimeSpan WindowFor(string category) =>
        CategoryReviewWindows.TryGetValue(category, out var window) ? window : BuyerReviewWindow;

    /// <summary>Problems, each naming the setting; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        CheckWindow(problems, nameof(BuyerReviewWindow), BuyerReviewWindow);
        foreach (var (category, window) in CategoryReviewWindows)
        {
            if (string.IsNullOrWhiteSpace(category))
            {
                problems.Add($"{nameof(CategoryReviewWindows)} has an empty category name");
            }

            CheckWindow(problems, $"{nameof(CategoryReviewWindows)}:{category}", window);
        }

        CheckWindow(problems, nameof(CancelledOrderReviewWindow), CancelledOrderReviewWindow);
        if (PastDueThreshold < TimeSpan.Zero)
        {
            problems.Add($"{nameof(PastDueThreshold)} must be >= 0 (was {PastDueThreshold})");
        }

        return problems;
    }

    /// <summary>The rule every review window obeys (longer than zero, at most <see cref="MaxReviewWindow"/>), as it reads after the setting's name.</summary>
    public static string WindowRule => $"must be > 0 and <= {MaxReviewWindow.TotalDays} days";

    private static void CheckWindow(List<string> problems, string name, TimeSpan window)
    {
        if (window <= TimeSpan.Zero || window > MaxReviewWindow)
        {
            problems.Add($"{name} {WindowRule} (was {window})");
        }
    }
}
