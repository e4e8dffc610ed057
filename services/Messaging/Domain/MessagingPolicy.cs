namespace Marketplace.Messaging.Domain;

/// <summary>
/// Operator-tunable messaging windows (SPEC 3), validated at start-up so a bad value fails fast
/// with the setting's name. The review-request screen's terms are configured apart
/// (<see cref="ReviewRequestScreen"/>); an order's review window is Reviews' (its events).
/// </summary>
/// <param name="UnresponsiveAfter">A waiting party is marked unresponsive after this (default 24 h).</param>
/// <param name="ResponseWindow">A buyer-opened conversation counts as answered when the seller replies within this (default 24 h).</param>
/// <param name="ResponseRatePeriod">Conversations started within this period count for the response rate (default 90 days).</param>
/// <param name="ReviewRequestMaxOrderAge">No review requests for orders completed longer ago (default 90 days).</param>
public sealed record MessagingPolicy(
    TimeSpan UnresponsiveAfter,
    TimeSpan ResponseWindow,
    TimeSpan ResponseRatePeriod,
    TimeSpan ReviewRequestMaxOrderAge)
{
    public static MessagingPolicy Default { get; } = new(
        TimeSpan.FromHours(24),
        TimeSpan.FromHours(24),
        TimeSpan.FromDays(90),
        TimeSpan.FromDays(90));

    /// <summary>Problems, each naming the setting; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        Positive(problems, nameof(UnresponsiveAfter), UnresponsiveAfter);
        Positive(problems, nameof(ResponseWindow), ResponseWindow);
        Positive(problems, nameof(ResponseRatePeriod), ResponseRatePeriod);
        Positive(problems, nameof(ReviewRequestMaxOrderAge), ReviewRequestMaxOrderAge);
        return problems;
    }

    private static void Positive(List<string> problems, string name, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            problems.Add($"{name} must be > 0 (was {value})");
        }
    }
}
